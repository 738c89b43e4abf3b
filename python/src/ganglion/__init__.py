"""Ganglion from Python: runs the ``ganglion`` executable, so Python and command-line results are the same
files, and reads its results as pandas DataFrames (units in ``df.attrs["units"]``), xarray Datasets
(populations: cells × features) and dicts (summaries). See Docs/python.md."""

from ._executable import ExecutableNotFound, GanglionError, find_executable, version
from .commands import (analyze, atlas, clamp, compensate, dics, export, fi, import_neuroml, merge, models,
                       network, plot, population, run, simulate, sweep)
from .nwb import read_nwb
from .results import (AtlasResult, CellResult, ClampResult, CompensationResult, DICResult, FIResult, NetworkResult,
                      PopulationResult, Result, RunResult, SimulationResult, SweepResult)
from .tables import (atlas_dataset, features_dataset, population_dataset, population_summary_dataset, read_json,
                     read_table)
from .units import unit_of, units_of

__version__ = "0.19.0"

__all__ = [
    "GanglionError", "ExecutableNotFound", "find_executable", "version",
    "simulate", "run", "network", "analyze", "dics", "compensate", "population", "sweep", "atlas", "clamp", "fi",
    "export", "plot", "merge", "import_neuroml", "models",
    "read_nwb", "read_table", "read_json", "population_dataset", "features_dataset",
    "population_summary_dataset", "atlas_dataset", "unit_of", "units_of",
    "Result", "SimulationResult", "RunResult", "CellResult", "NetworkResult", "DICResult",
    "CompensationResult", "PopulationResult", "SweepResult", "AtlasResult", "ClampResult", "FIResult",
]
