"""Populations as xarray Datasets: cells × features, with units."""

import numpy as np
import pandas as pd

import ganglion
from conftest import SMALL_EXPERIMENT


def test_population_file_as_dataset(tmp_path):
    p = ganglion.population("stg", 4, 7, workdir=tmp_path)
    ds = p.cells
    assert ds.sizes["cell"] == 4
    for i, cell in enumerate(p.data["cells"]):
        for channel, g in cell["conductances"].items():
            assert ds[channel].values[i] == g
            assert ds[channel].attrs["units"] == "mS/cm²"
        assert ds["name"].values[i] == cell["name"]
    assert ds.attrs["seed"] == 7 and ds.attrs["kind"] == "stg"


def test_sweep_features_as_dataset_and_merge_of_shards(tmp_path):
    p = ganglion.population("stg", 4, 1, workdir=tmp_path)
    full = ganglion.sweep(p, 1500, window=(500, 1500), solver="exp-euler", workdir=tmp_path)
    ds = full.features
    table = pd.read_csv(full.path)
    assert list(ds["cell"].values) == list(table["cell"])
    np.testing.assert_array_equal(ds["frequency_hz"].values, table["frequency_hz"].to_numpy())
    assert list(ds["pattern"].values) == list(table["pattern"])
    assert ds["frequency_hz"].attrs["units"] == "Hz" and ds.attrs["units"]["mean_ca"] == "au"
    shards = [ganglion.sweep(p, 1500, window=(500, 1500), solver="exp-euler", shard=f"{i}/2",
                             out=tmp_path / f"shard-{i}.csv").path for i in range(2)]
    merged = ganglion.merge(shards, tmp_path / "merged.csv")
    both = ganglion.read_table(merged)
    for column in ["cell", "pattern", "frequency_hz", "spikes"]:
        assert both[column].tolist() == full.table[column].tolist()


def test_population_run_as_dataset(tmp_path):
    r = ganglion.run(SMALL_EXPERIMENT, workdir=tmp_path)
    ds = r.cells
    assert r.is_population and ds.sizes == {"cell": 3, "window": 2, "snapshot": 2, "segment": 2}
    rows = r.summary["rows"]
    for i, row in enumerate(rows):
        assert ds["pattern"].values[i] == row["pattern"]
        assert ds["frequency_hz"].values[i] == row["frequency_hz"]
        for j, w in enumerate(row["windows"]):
            assert ds["window_pattern"].values[i, j] == w["pattern"]
            assert ds["window_frequency_hz"].values[i, j] == w["frequency_hz"]
        for j, s in enumerate(row["snapshots"]):
            assert ds["snapshot_mean_ca"].values[i, j] == s["mean_ca"]
    assert list(ds["window_start_ms"].values) == [1000, 3000]
    assert list(ds["snapshot_ms"].values) == [1900, 3900]
    assert ds["window_frequency_hz"].attrs["units"] == "Hz"
    assert ds["snapshot_burstiness_hz2"].attrs["units"] == "Hz²"
    # The population statistics agree with the dataset (median over the cells).
    median = r.summary["statistics"]["windows"][1]["frequency_hz"]["median"]
    assert np.median(ds["window_frequency_hz"].values[:, 1]) == median
