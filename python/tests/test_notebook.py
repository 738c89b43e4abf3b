"""The notebooks in examples/notebooks/ run from top to bottom (nbclient) and make their figures."""

import nbformat
from nbclient import NotebookClient


def outputs(notebook):
    return "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)


def test_controlled_experiment_notebook(tmp_path, monkeypatch, repository, executable):
    folder = repository / "examples" / "notebooks"
    figure = tmp_path / "python-controlled.png"
    monkeypatch.setenv("GANGLION_FIGURE", str(figure))
    monkeypatch.setenv("GANGLION_EXECUTABLE", executable)   # the kernel inherits the environment (and PYTHONPATH)
    notebook = nbformat.read(folder / "controlled-experiment.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and figure.stat().st_size > 20_000
    text = outputs(notebook)
    # The experiment's result, as in the paper: tonic before the target change, bursting after and at the end,
    # on the running trace and in the snapshots.
    assert "window 45–60 s: tonic 8/8" in text
    assert "window 65–80 s: bursting 8/8" in text
    assert "window 105–120 s: bursting 8/8" in text
    assert "snapshot 59 s: tonic 8/8" in text and "snapshot 119 s: bursting 8/8" in text
    assert f"wrote {figure}" in text
