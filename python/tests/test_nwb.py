"""NWB files read back through pynwb give the CSV's columns, units and values."""

import numpy as np
import pandas as pd

import ganglion


def test_nwb_trace_equals_csv_trace(tmp_path):
    args = dict(record=["gates", "I_Na"], events=["200:current:0.5"])
    csv = ganglion.simulate("stg-bursting", 400, workdir=tmp_path / "csv", **args)
    nwb = ganglion.simulate("stg-bursting", 400, format="nwb", workdir=tmp_path / "nwb", **args)
    assert nwb.trace_path.suffix == ".nwb"
    a, b = csv.trace, nwb.trace
    assert list(b.columns) == list(a.columns)
    assert b.attrs["units"] == a.attrs["units"]
    np.testing.assert_allclose(b["t_ms"], a["t_ms"], rtol=0, atol=1e-9)
    for column in a.columns[1:]:
        # The CSV holds 10 significant digits, the NWB file the values as computed.
        np.testing.assert_allclose(b[column], a[column], rtol=1e-9, atol=1e-14, err_msg=column)
    assert '"stg-bursting"' in b.attrs["notes"] or "stg" in b.attrs["notes"]


def test_export_round_trip_is_exact(tmp_path):
    r = ganglion.simulate("stg-spiking", 300, record="currents", workdir=tmp_path)
    path = ganglion.export(r.trace_path, workdir=tmp_path)
    assert path == tmp_path / "trace.nwb"
    back = ganglion.read_nwb(path)
    pd.testing.assert_frame_equal(back.drop(columns="t_ms"), r.trace.drop(columns="t_ms"), check_exact=True)
    np.testing.assert_allclose(back["t_ms"], r.trace["t_ms"], rtol=0, atol=1e-9)
    assert back.attrs["units"]["I_Na_uA_cm2"] == "µA/cm²"
    only_v = ganglion.read_nwb(path, series=["V"])
    assert list(only_v.columns) == ["t_ms", "V_mV"]


def test_a_dataframe_exports_and_analyzes(tmp_path):
    i = np.arange(20000)
    t = i / 10.0
    v = np.where((i % 1000 >= 500) & (i % 1000 < 510), 30.0, -60.0)   # a 1 ms spike every 100 ms: 10 Hz tonic
    df = pd.DataFrame({"t_ms": t, "V_mV": v})
    summary = ganglion.analyze(df, window=(0, 2000), workdir=tmp_path)
    assert summary["pattern"] == "tonic" and summary["spikes"] == 20
    assert abs(summary["frequency_hz"] - 10) < 1e-9
    back = ganglion.read_nwb(ganglion.export(df, workdir=tmp_path))
    np.testing.assert_array_equal(back["V_mV"], v)
