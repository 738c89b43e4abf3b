"""ganglion.atlas: the grid as the CLI wrote it, read back independently of pandas and xarray."""

import csv

import numpy as np
import pytest

import ganglion


def test_atlas_grid_matches_its_csv(tmp_path):
    r = ganglion.atlas("stg-bursting", 2000, gs=(-8, 4, 2), gu=(2, 4, 2), window=(1000, 2000), out="atlas",
                       workdir=tmp_path)
    assert r.folder == tmp_path / "atlas"
    with open(r.folder / "atlas.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(r.table) == len(rows) == 4
    g = r.grid
    assert g["frequency_hz"].dims == ("gu_target", "gs_target")
    assert list(g["gs_target"].values) == [-8.0, 4.0] and list(g["gu_target"].values) == [2.0, 4.0]
    for row in rows:
        at = dict(gs_target=float(row["gs_target"]), gu_target=float(row["gu_target"]))
        assert g["dominant"].sel(at).item() == row["dominant"]
        assert g["bursting"].sel(at).item() == float(row["bursting"])
        if row["frequency_hz"]:
            assert g["frequency_hz"].sel(at).item() == float(row["frequency_hz"])
    # The paper's picture: g_s = −8 bursts, g_s = +4 does not.
    assert g["dominant"].sel(gs_target=-8.0, gu_target=4.0).item() == "bursting"
    assert g["dominant"].sel(gs_target=4.0, gu_target=4.0).item() != "bursting"
    assert g.attrs["units"]["frequency_hz"] == "Hz"
    assert len(r.cells) == 4 and r.settings["format"] == "ganglion-atlas"


def test_atlas_axis_arguments(tmp_path):
    with pytest.raises(ValueError, match="gs"):
        ganglion.atlas("stg-bursting", 1000, gs=(-8, 4), gu=(2, 4, 2), out="a", workdir=tmp_path)
    with pytest.raises(ValueError, match="x"):
        ganglion.atlas("stg-bursting", 1000, x=(1, 2, 3, 4), y=("A", 1, 2, 2), out="a", workdir=tmp_path)
    with pytest.raises(ganglion.GanglionError):
        ganglion.atlas("stg-bursting", 1000, x=("nochannel", 1, 2, 2), y=("A", 1, 2, 2), out="b", workdir=tmp_path)
