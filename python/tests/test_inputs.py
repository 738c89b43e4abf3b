"""A dict and the file holding it give the same result; outputs stay in the working folder."""

import json

import ganglion
from conftest import SMALL_EXPERIMENT


def test_model_dict_equals_model_file(tmp_path, repository):
    path = repository / "models" / "stg" / "stg-spiking.json"
    model = json.loads(path.read_text())
    from_file = ganglion.simulate(path, 800, workdir=tmp_path / "file")
    from_dict = ganglion.simulate(model, 800, workdir=tmp_path / "dict")
    assert from_dict.trace_path.read_bytes() == from_file.trace_path.read_bytes()
    assert from_dict.summary["frequency_hz"] == from_file.summary["frequency_hz"]
    # The dict was written into the working folder, under the model's name.
    assert (tmp_path / "dict" / "inputs" / "stg-spiking.json").is_file()
    assert json.loads((tmp_path / "dict" / "inputs" / "stg-spiking.json").read_text()) == model


def test_experiment_dict_equals_experiment_file(tmp_path):
    experiment = dict(SMALL_EXPERIMENT, population={"generate": "stg", "count": 2, "seed": 3})
    path = tmp_path / "small.json"
    path.write_text(json.dumps(experiment))
    from_file = ganglion.run(path, workdir=tmp_path / "file")
    from_dict = ganglion.run(experiment, workdir=tmp_path / "dict")
    for cell in range(2):
        a, b = from_file.cell(cell), from_dict.cell(cell)
        assert (a.folder / "trace.csv").read_bytes() == (b.folder / "trace.csv").read_bytes()
        assert a.summary["frequency_hz"] == b.summary["frequency_hz"]
    assert from_file.summary["statistics"] == from_dict.summary["statistics"]


def test_a_fresh_temporary_folder_holds_everything(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = ganglion.simulate({"kind": "stg", "name": "m", "conductances": {"Na": 4000, "CaT": 3, "CaS": 4, "A": 175,
                                                                         "KCa": 110, "Kd": 137, "H": 0.3,
                                                                         "leak": 0.01}}, 200)
    assert r.workdir != tmp_path and r.trace_path.parent == r.workdir
    assert sorted(p.name for p in r.workdir.iterdir()) == [".ganglion-outputs", "inputs", "trace.csv"]
    assert list(tmp_path.iterdir()) == []          # nothing written in the current folder
