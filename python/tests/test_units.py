"""Every table carries its columns' units (Docs/units.md) in df.attrs["units"]."""

import ganglion
from ganglion import unit_of


def test_trace_units(tmp_path):
    r = ganglion.simulate("stg-spiking", 300, homeostasis=125, dt_out=0.5,
                          record=["CaS.m", "I_KCa", "homeostasis.Na.gbar", "homeostasis.Na.m", "dVdt"],
                          workdir=tmp_path)
    assert r.trace.attrs["units"] == {
        "t_ms": "ms", "V_mV": "mV", "Ca_au": "au", "CaS.m": "1", "I_KCa_uA_cm2": "µA/cm²",
        "homeostasis.Na.gbar": "mS/cm²", "homeostasis.Na.m": "mS/cm²", "dVdt_mV_ms": "mV/ms"}
    assert list(r.trace.columns) == list(r.trace.attrs["units"])


def test_tables_of_every_command_have_a_unit_for_each_number_column(tmp_path):
    run = ganglion.run({"name": "u", "cell": "stg-bursting", "duration_ms": 1000, "homeostasis": {"Ca_target": 125},
                        "outputs": {"trace": {"record": ["currents"]}, "conductances": {"every_ms": 100}}},
                       workdir=tmp_path)
    clamp = ganglion.clamp("stg-spiking", (-80, 0, 40), duration_per_step=20, hold_duration=20, workdir=tmp_path)
    fi = ganglion.fi("stg-spiking", (0, 0.5, 0.5), duration_per_step=400, transient=100, workdir=tmp_path)
    dics = ganglion.dics("stg-spiking", curve=(-70, -40, 10), workdir=tmp_path)
    for df in [run.trace, run.conductances, clamp.traces, clamp.iv, fi.table, dics.curve]:
        units = df.attrs["units"]
        assert list(units) == list(df.columns)
        for column in df.columns:
            if df[column].dtype.kind == "f":
                assert units[column] != "", (df.attrs["path"], column)
    assert run.conductances.attrs["units"]["g_CaS_mS_cm2"] == "mS/cm²"
    assert run.conductances.attrs["units"]["Ca_average_au"] == "au"
    assert clamp.iv.attrs["units"]["I_clamp_peak_uA_cm2"] == "µA/cm²"
    assert clamp.iv.attrs["units"]["Na_open_ss"] == "1"
    assert fi.table.attrs["units"]["rate_hz"] == "Hz" and fi.table.attrs["units"]["pattern"] == ""
    assert dics.curve.attrs["units"] == {"V_mV": "mV", "gf": "1", "gs": "1", "gu": "1", "gin": "1"}


def test_unit_names():
    assert unit_of("A.V_mV") == "mV"
    assert unit_of("c1.Na", conductance_table=True) == "mS/cm²"
    assert unit_of("c1.Na") == ""
    assert unit_of("neuromodulation.CaS.z") == "mS cm⁻² ms"
    assert unit_of("burstiness_hz2") == "Hz²"
    assert unit_of("window_start_ms") == "ms"
