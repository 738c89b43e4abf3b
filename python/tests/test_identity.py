"""Python and the command line give the same files: the same run made both ways, compared byte for byte and
as DataFrames."""

import copy
import json
import subprocess

import pandas as pd

import ganglion
from ganglion.tables import EXACT_FLOATS
from conftest import SMALL_EXPERIMENT

#: Summary fields that differ between any two runs (wall-clock time, the run's id) or name the run's own
#: files and arguments.
VOLATILE = {"wall_ms", "provenance", "trace", "run_id", "cells_per_minute", "file"}


def without_volatile(value):
    if isinstance(value, dict):
        return {k: without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [without_volatile(v) for v in value]
    return value


def test_simulate_python_equals_command_line(tmp_path, executable):
    cli = tmp_path / "cli.csv"
    done = subprocess.run([executable, "simulate", "stg-bursting", "--duration", "1500", "--record", "I_H,CaS.m",
                           "--event", "700:block:H", "--out", str(cli), "--json"],
                          capture_output=True, text=True, check=True)
    r = ganglion.simulate("stg-bursting", 1500, record=["I_H", "CaS.m"], events=[(700, "block", "H")],
                          workdir=tmp_path / "py")
    assert r.trace_path.read_bytes() == cli.read_bytes()
    pd.testing.assert_frame_equal(r.trace, pd.read_csv(cli, **EXACT_FLOATS), check_exact=True)
    assert without_volatile(r.summary) == without_volatile(json.loads(done.stdout))
    assert r.summary["trace"] == str(r.trace_path)


def test_run_python_equals_command_line(tmp_path, executable):
    experiment = copy.deepcopy(SMALL_EXPERIMENT)
    path = tmp_path / "small.json"
    path.write_text(json.dumps(experiment))
    subprocess.run([executable, "run", str(path), "--out", str(tmp_path / "cli"), "--quiet"],
                   capture_output=True, text=True, check=True)
    r = ganglion.run(experiment, workdir=tmp_path / "py")
    assert r.folder == tmp_path / "py" / "small"
    for name in ["trace.csv", "conductances.csv"]:
        for cell in range(3):
            assert (r.folder / "cells" / str(cell) / name).read_bytes() == \
                   (tmp_path / "cli" / "cells" / str(cell) / name).read_bytes()
    cli_summary = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert without_volatile(r.summary) == without_volatile(cli_summary)
    pd.testing.assert_frame_equal(r.cell(1).conductances,
                                  pd.read_csv(tmp_path / "cli" / "cells" / "1" / "conductances.csv", **EXACT_FLOATS), check_exact=True)
