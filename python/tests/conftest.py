"""Shared fixtures: the repository root and the executable under test (GANGLION_EXECUTABLE, else `ganglion`
on PATH; scripts/test.sh sets it to the release build)."""

from pathlib import Path

import pytest

import ganglion

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def executable() -> str:
    return ganglion.find_executable()


@pytest.fixture(scope="session")
def repository() -> Path:
    return REPOSITORY


#: A short population experiment (3 cells, 4 s): the controlled-neuromodulation protocol with its target
#: change at 2 s, outputs of every kind.
SMALL_EXPERIMENT = {
    "name": "small",
    "population": {"generate": "stg", "count": 3, "seed": 1},
    "duration_ms": 4000,
    "homeostasis": {"Ca_target": 125, "regulate": ["Na", "CaT", "KCa", "Kd", "H", "leak"]},
    "neuromodulation": {"conductances": ["CaS", "A"], "g_s": 5, "g_u": 4},
    "protocol": [{"t": 2000, "dic_targets": {"g_s": -8, "g_u": 4}}],
    "outputs": {
        "trace": {"dt_ms": 0.1, "window_ms": [3000, 4000]},
        "conductances": {"every_ms": 100, "calcium_average_ms": 500},
        "windows_ms": [[1000, 2000], [3000, 4000]],
        "snapshots_ms": [1900, 3900],
        "snapshot": {"duration_ms": 2000, "window_ms": [500, 2000]},
    },
}
