"""Each wrapper on a short real run, checked against an independent reading of its output."""

import json

import numpy as np

import ganglion


def test_simulate_summary_agrees_with_analyze_of_its_trace(tmp_path):
    r = ganglion.simulate("stg-bursting", 3000, window=(1000, 3000), workdir=tmp_path)
    again = ganglion.analyze(r.trace_path, window=(1000, 3000))
    assert again["pattern"] == r.summary["pattern"] == "bursting"
    assert again["spikes"] == r.summary["spikes"]
    assert abs(again["frequency_hz"] - r.summary["frequency_hz"]) < 1e-6 * r.summary["frequency_hz"]
    from_df = ganglion.analyze(r.trace, window=(1000, 3000))
    assert from_df["spikes"] == r.summary["spikes"]


def test_network(tmp_path, repository):
    r = ganglion.network(repository / "examples" / "networks" / "hco.json", duration=1500, workdir=tmp_path)
    assert r.folder == tmp_path / "hco"
    assert r.summary["cells"] == ["A", "B"] and r.summary["duration_ms"] == 1500
    # hco.json writes its trace from 25 s on only: an empty table with the cells' columns.
    assert list(r.trace.columns) == ["t_ms", "A.V_mV", "B.V_mV"]
    assert r.trace.attrs["units"]["B.V_mV"] == "mV"
    net = json.loads((repository / "examples" / "networks" / "hco.json").read_text())
    net["outputs"] = {"windows_ms": [[500, 1500]], "conductances_every_ms": 100}
    r2 = ganglion.network(net, duration=1500, workdir=tmp_path)
    assert len(r2.trace) > 0 and r2.trace["t_ms"].iloc[-1] == 1500
    assert r2.conductances.attrs["units"]["A.Na"] == "mS/cm²"
    # Local time steps: the summary says so, and the rhythm is the global step's.
    r3 = ganglion.network(net, duration=1500, local_steps=True, out=tmp_path / "local", workdir=tmp_path)
    assert r3.summary["solver"]["name"] == "cvode-bdf/local"
    for a, b in zip(r3.summary["windows"][0]["cells"], r2.summary["windows"][0]["cells"]):
        assert a["pattern"] == b["pattern"]
        assert abs(a["frequency_hz"] / b["frequency_hz"] - 1) < 0.01


def test_dics_curve(tmp_path):
    d = ganglion.dics("stg-spiking", at=-50, curve=(-80, -30, 5), threshold="exact", workdir=tmp_path)
    c = d.curve
    assert list(c["V_mV"]) == list(np.arange(-80, -29, 5.0))
    np.testing.assert_allclose(c["gin"], c["gf"] + c["gs"] + c["gu"], rtol=1e-8)
    assert d.summary["threshold"]["method"] == "exact"
    assert list(d.S.index) == ["f", "s", "u"] and "Na" in d.S.columns


def test_compensate_reaches_targets(tmp_path):
    c = ganglion.compensate("stg-spiking", ["CaS", "A"], {"gs": -8, "gu": 4}, workdir=tmp_path)
    assert abs(c.summary["achieved"]["gs"] + 8) < 1e-9 and abs(c.summary["achieved"]["gu"] - 4) < 1e-9
    assert c.model["conductances"]["CaS"] == c.summary["solved"]["CaS"]
    # The compensated model, checked by an independent DIC computation at the same voltage.
    d = ganglion.dics(c.model, at=c.summary["V"], workdir=tmp_path)
    assert abs(d.summary["gs"] + 8) < 1e-6 and abs(d.summary["gu"] - 4) < 1e-6


def test_clamp_and_fi(tmp_path):
    cl = ganglion.clamp("stg-spiking", (-80, 0, 20), hold=-80, duration_per_step=50, hold_duration=50,
                        workdir=tmp_path)
    assert list(cl.iv["V_mV"]) == [-80, -60, -40, -20, 0]
    assert sorted(set(cl.traces["command_mV"])) == [-80, -60, -40, -20, 0]
    # I_clamp = Σ I_ion + I_leak (no applied current) at every row.
    ion = [c for c in cl.traces.columns if c.startswith("I_") and c != "I_clamp_uA_cm2"]
    np.testing.assert_allclose(cl.traces[ion].sum(axis=1), cl.traces["I_clamp_uA_cm2"], rtol=1e-6, atol=1e-6)
    f = ganglion.fi("stg-spiking", (0, 1, 0.5), duration_per_step=600, transient=100, workdir=tmp_path)
    assert list(f.table["direction"]) == ["up", "up", "up", "down", "down"]
    assert list(f.table["I_uA_cm2"]) == [0, 0.5, 1, 0.5, 0]
    window_s = (f.table["window_end_ms"] - f.table["window_start_ms"]) / 1000
    np.testing.assert_allclose(f.table["rate_hz"], f.table["spikes"] / window_s)


def test_plot_import_models_version(tmp_path, repository):
    r = ganglion.simulate("stg-spiking", 300, workdir=tmp_path)
    svg = ganglion.plot(r.trace_path, window=(0, 300), title="spiking", workdir=tmp_path / "figures")
    assert svg == tmp_path / "figures" / "trace.svg"
    assert svg.read_text().startswith("<svg") and "spiking" in svg.read_text()
    imported = ganglion.import_neuroml(repository / "examples" / "neuroml" / "hh-cell.nml", workdir=tmp_path)
    hh = ganglion.simulate(imported["model"], 200, events=["0:current:10"], workdir=tmp_path / "hh")
    assert hh.summary["spikes"] > 0
    assert {"stg-spiking", "stg-bursting", "da-spiking"} <= set(ganglion.models())
    assert ganglion.version().startswith(f"ganglion {ganglion.__version__}")


def test_run_killed_then_resumed_gives_the_uninterrupted_trace(tmp_path, monkeypatch):
    experiment = {"name": "resumable", "cell": "stg-bursting", "duration_ms": 2000,
                  "outputs": {"checkpoint_every_ms": 500, "trace": {"dt_ms": 0.5},
                              "conductances": {"every_ms": 100}}}
    whole = ganglion.run(experiment, workdir=tmp_path / "whole")
    monkeypatch.setenv("GANGLION_KILL_AT", "3")        # Ganglion kills itself at its third kill point
    try:
        ganglion.run(experiment, workdir=tmp_path / "cut")
        raise AssertionError("the run was not killed")
    except ganglion.GanglionError as e:
        assert e.returncode != 0
    monkeypatch.delenv("GANGLION_KILL_AT")
    assert not (tmp_path / "cut" / "resumable" / "summary.json").exists()
    resumed = ganglion.run(resume=tmp_path / "cut" / "resumable")
    for name in ["trace.csv", "conductances.csv"]:
        assert (resumed.folder / name).read_bytes() == (whole.folder / name).read_bytes()
    assert resumed.summary["frequency_hz"] == whole.summary["frequency_hz"]
