"""Ganglion's errors arrive as GanglionError with its message; bad arguments are refused before anything runs."""

import os
import stat

import pytest

import ganglion


def test_invalid_field_raises_ganglion_error_naming_the_field(tmp_path):
    with pytest.raises(ganglion.GanglionError) as info:
        ganglion.run({"name": "bad", "cell": "stg-spiking", "duration_ms": "long"}, workdir=tmp_path)
    e = info.value
    assert isinstance(e, RuntimeError)
    assert e.returncode == 1
    assert "field 'duration_ms'" in str(e) and 'got the string "long"' in str(e)
    assert str(e) == e.stderr.strip()            # the message is Ganglion's own
    assert str(e).startswith(f"error: {tmp_path / 'inputs' / 'bad.json'}:")


def test_unknown_named_model_is_ganglions_error(tmp_path):
    with pytest.raises(ganglion.GanglionError, match="nosuch"):
        ganglion.simulate("nosuch", 100, workdir=tmp_path)


@pytest.fixture
def tripwire(tmp_path):
    """An executable that leaves a file behind if it is ever run."""
    marker = tmp_path / "ran"
    script = tmp_path / "fake-ganglion"
    script.write_text(f"#!/bin/sh\ntouch {marker}\nexit 0\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, marker


@pytest.mark.parametrize("call, error, words", [
    (lambda w, x: ganglion.simulate("stg-spiking", -5, workdir=w, executable=x), ValueError, "duration"),
    (lambda w, x: ganglion.simulate("stg-spiking", float("nan"), workdir=w, executable=x), ValueError, "duration"),
    (lambda w, x: ganglion.simulate("stg-spiking", 100, solver="euler", workdir=w, executable=x), ValueError, "solver"),
    (lambda w, x: ganglion.simulate("stg-spiking", "100", workdir=w, executable=x), TypeError, "duration"),
    (lambda w, x: ganglion.simulate("missing/model.json", 100, workdir=w, executable=x), FileNotFoundError, "model"),
    (lambda w, x: ganglion.simulate("stg-spiking", 100, window=(1, 2, 3), workdir=w, executable=x), ValueError, "window"),
    (lambda w, x: ganglion.run({"name": "x", "cell": "stg-spiking", "duration_ms": float("inf")}, workdir=w,
                               executable=x), ValueError, "NaN|inf|JSON|Out of range"),
    (lambda w, x: ganglion.population("stg", 2.5, 1, workdir=w, executable=x), ValueError, "count"),
    (lambda w, x: ganglion.compensate("stg-spiking", ["CaS"], {"gs": "low"}, workdir=w, executable=x), TypeError, "target"),
    (lambda w, x: ganglion.clamp("stg-spiking", (-80, 0), workdir=w, executable=x), ValueError, "steps"),
    (lambda w, x: ganglion.fi("stg-spiking", (0, 1, 0.5), transient=-1, workdir=w, executable=x), ValueError, "transient"),
    (lambda w, x: ganglion.sweep("nope.json", 100, workdir=w, executable=x), FileNotFoundError, "population"),
    (lambda w, x: ganglion.run(None, workdir=w, executable=x), TypeError, "experiment"),
])
def test_bad_arguments_raise_before_running(tmp_path, tripwire, call, error, words):
    script, marker = tripwire
    with pytest.raises(error, match=words):
        call(tmp_path / "work", script)
    assert not marker.exists()


def test_missing_executable_says_how_to_set_it(monkeypatch, tmp_path):
    monkeypatch.delenv("GANGLION_EXECUTABLE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ganglion.ExecutableNotFound, match="GANGLION_EXECUTABLE"):
        ganglion.find_executable()
    with pytest.raises(ganglion.ExecutableNotFound, match="swift build -c release"):
        ganglion.simulate("stg-spiking", 100, workdir=tmp_path)
    monkeypatch.setenv("GANGLION_EXECUTABLE", str(tmp_path / "nothing-here"))
    with pytest.raises(ganglion.ExecutableNotFound, match="nothing-here"):
        ganglion.find_executable()


def test_executable_order(monkeypatch, tmp_path, executable):
    other = tmp_path / "bin" / "ganglion"
    other.parent.mkdir()
    os.symlink(executable, other)
    monkeypatch.setenv("PATH", str(other.parent))
    monkeypatch.delenv("GANGLION_EXECUTABLE", raising=False)
    assert ganglion.find_executable() == str(other)                       # PATH
    monkeypatch.setenv("GANGLION_EXECUTABLE", executable)
    assert ganglion.find_executable() == str(os.path.realpath(executable))  # the variable before PATH
    assert ganglion.find_executable(other) == str(os.path.realpath(other))  # the argument before both


def test_a_population_with_failed_cells_keeps_its_results(tmp_path):
    experiment = {"name": "fail", "population": {"generate": "stg", "count": 2, "seed": 1}, "duration_ms": 500}
    with pytest.raises(ganglion.GanglionError, match="2 of 2 cell") as info:
        ganglion.run(experiment, solver="rk4", dt=0.5, workdir=tmp_path)      # rk4 at 0.5 ms leaves ±1000 mV
    result = info.value.result
    assert result.summary["failed"] == 2
    assert list(result.cells["status"].values) == ["failed", "failed"]
    assert all("outside ±1000.0 mV" in e for e in result.cells["error"].values)
