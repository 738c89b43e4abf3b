"""What each command returns: the summary as a dict, tables as DataFrames (units in ``attrs["units"]``),
populations as xarray Datasets, and the paths of the files Ganglion wrote."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, List, Optional

import pandas as pd
import xarray as xr

from .nwb import read_nwb
from .tables import (atlas_dataset, features_dataset, population_dataset, population_summary_dataset, read_json,
                     read_table)


def read_trace(path: Optional[Path]) -> Optional[pd.DataFrame]:
    """A trace file as a DataFrame: CSV with pandas, NWB through pynwb; ``None`` when there is none."""
    if path is None or not path.is_file():
        return None
    return read_nwb(path) if path.suffix == ".nwb" else read_table(path)


@dataclass
class Result:
    """One run of ``ganglion``: the argument list (``command``), the working folder, and what it printed."""
    command: List[str]
    workdir: Path
    stdout: str = field(repr=False)
    stderr: str = field(repr=False)


@dataclass
class SimulationResult(Result):
    """``simulate``: ``summary`` (the ``--json`` object: firing features, solver statistics, provenance),
    ``trace_path`` and ``trace`` (read when first used)."""
    summary: Dict[str, Any] = field(repr=False, default_factory=dict)
    trace_path: Optional[Path] = None

    @cached_property
    def trace(self) -> Optional[pd.DataFrame]:
        return read_trace(self.trace_path)


@dataclass
class CellResult:
    """One cell's folder of a run: ``summary`` (its ``summary.json``), ``trace`` and ``conductances``."""
    folder: Path

    @cached_property
    def summary(self) -> Dict[str, Any]:
        return read_json(self.folder / "summary.json")

    @cached_property
    def trace(self) -> Optional[pd.DataFrame]:
        for name in ("trace.csv", "trace.nwb"):
            if (self.folder / name).is_file():
                return read_trace(self.folder / name)
        return None

    @cached_property
    def conductances(self) -> Optional[pd.DataFrame]:
        path = self.folder / "conductances.csv"
        return read_table(path) if path.is_file() else None


@dataclass
class RunResult(Result):
    """``run``: the output ``folder``, ``summary`` (``summary.json``), for one cell its ``trace`` and
    ``conductances``; for a population ``cells`` (an xarray Dataset over cells, windows, snapshots and
    segments: ``ganglion.tables.population_summary_dataset``) and ``cell(i)``, the folder of cell ``i``."""
    folder: Path = Path()

    @cached_property
    def summary(self) -> Dict[str, Any]:
        return read_json(self.folder / "summary.json")

    @property
    def is_population(self) -> bool:
        return "rows" in self.summary

    def cell(self, index: int) -> CellResult:
        folder = self.folder / "cells" / str(index)
        if not folder.is_dir():
            raise KeyError(f"{self.folder}: no cell {index} (no folder cells/{index})")
        return CellResult(folder)

    @cached_property
    def cells(self) -> Optional[xr.Dataset]:
        return population_summary_dataset(self.summary) if self.is_population else None

    @cached_property
    def trace(self) -> Optional[pd.DataFrame]:
        return None if self.is_population else CellResult(self.folder).trace

    @cached_property
    def conductances(self) -> Optional[pd.DataFrame]:
        return None if self.is_population else CellResult(self.folder).conductances


@dataclass
class NetworkResult(Result):
    """``network``: the output ``folder``, ``summary`` (``summary.json``), ``trace`` (one ``<cell>.V_mV`` column
    per cell) and ``conductances``."""
    folder: Path = Path()

    @cached_property
    def summary(self) -> Dict[str, Any]:
        return read_json(self.folder / "summary.json")

    @cached_property
    def trace(self) -> Optional[pd.DataFrame]:
        named = self.summary.get("trace")
        if isinstance(named, str):
            return read_trace(Path(named) if Path(named).is_absolute() else self.folder / Path(named).name)
        return CellResult(self.folder).trace

    @cached_property
    def conductances(self) -> Optional[pd.DataFrame]:
        return CellResult(self.folder).conductances


@dataclass
class DICResult(Result):
    """``dics``: ``summary`` (g_f, g_s, g_u at the voltage, the threshold, the sensitivity matrix ``S``) and, with
    a curve, ``curve`` (``V_mV, gf, gs, gu, gin``)."""
    summary: Dict[str, Any] = field(repr=False, default_factory=dict)
    curve_path: Optional[Path] = None

    @cached_property
    def curve(self) -> Optional[pd.DataFrame]:
        return read_table(self.curve_path) if self.curve_path is not None else None

    @property
    def S(self) -> pd.DataFrame:
        """The sensitivity matrix (rows f, s, u; one column per channel)."""
        s = self.summary["S"]
        df = pd.DataFrame(s["values"], index=s["rows"], columns=s["columns"])
        df.attrs["units"] = {c: "cm²/mS" for c in df.columns}
        return df


@dataclass
class CompensationResult(Result):
    """``compensate``: ``summary`` (the solved conductances, the DICs achieved, the residual) and the
    compensated ``model`` (a dict, written to ``model_path``)."""
    summary: Dict[str, Any] = field(repr=False, default_factory=dict)
    model_path: Optional[Path] = None

    @cached_property
    def model(self) -> Dict[str, Any]:
        return read_json(self.model_path)


@dataclass
class PopulationResult(Result):
    """``population``: ``summary``, the population file (``path``, ``data``) and ``cells``: an xarray Dataset
    over ``cell`` with one variable per conductance (mS/cm²)."""
    summary: Dict[str, Any] = field(repr=False, default_factory=dict)
    path: Path = Path()

    @cached_property
    def data(self) -> Dict[str, Any]:
        return read_json(self.path)

    @cached_property
    def cells(self) -> xr.Dataset:
        return population_dataset(self.data)


@dataclass
class SweepResult(Result):
    """``sweep``: the features table (``path``; ``table`` as a DataFrame, ``features`` as an xarray Dataset over
    ``cell``)."""
    path: Path = Path()

    @cached_property
    def table(self) -> pd.DataFrame:
        return read_table(self.path)

    @cached_property
    def features(self) -> xr.Dataset:
        return features_dataset(self.table)


@dataclass
class ClampResult(Result):
    """``clamp``: the output ``folder``, ``traces`` (``traces.csv``: the clamp and channel currents of every step)
    and ``iv`` (``iv.csv``: peak and steady-state I–V, steady-state gating)."""
    folder: Path = Path()

    @cached_property
    def traces(self) -> pd.DataFrame:
        return read_table(self.folder / "traces.csv")

    @cached_property
    def iv(self) -> pd.DataFrame:
        return read_table(self.folder / "iv.csv")


@dataclass
class FIResult(Result):
    """``fi``: the output ``folder`` and ``table`` (``fi.csv``: one row per current step, up then down)."""
    folder: Path = Path()

    @cached_property
    def table(self) -> pd.DataFrame:
        return read_table(self.folder / "fi.csv")


@dataclass
class AtlasResult(Result):
    """``atlas``: the output ``folder``; ``table`` (``atlas.csv``: one row per grid point, the fraction of cells in
    each outcome and the median features), ``cells`` (``cells.csv``: one row per point and cell), ``settings``
    (``atlas.json``), and ``grid``, the table as an xarray Dataset over the plane's two axes (named after them,
    e.g. ``gu_target`` × ``gs_target``)."""
    folder: Path = Path()

    @cached_property
    def table(self) -> pd.DataFrame:
        return read_table(self.folder / "atlas.csv")

    @cached_property
    def cells(self) -> pd.DataFrame:
        return read_table(self.folder / "cells.csv")

    @cached_property
    def settings(self) -> Dict[str, Any]:
        return read_json(self.folder / "atlas.json")

    @cached_property
    def grid(self) -> xr.Dataset:
        return atlas_dataset(self.table)
