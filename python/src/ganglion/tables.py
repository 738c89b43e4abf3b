"""Reading Ganglion's output files: CSV tables as pandas DataFrames with their units, populations and
feature tables as xarray Datasets (cells × features), summaries as dicts."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import pandas as pd
import xarray as xr

from .units import TEXT, unit_of, units_of

PathLike = Union[str, os.PathLike]

#: pandas before 3 reads floats exactly only when asked; pandas 3 always does.
EXACT_FLOATS = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def read_table(path: PathLike, *, conductance_table: Optional[bool] = None) -> pd.DataFrame:
    """A CSV table Ganglion wrote (a trace, ``conductances.csv``, a DIC curve, a sweep's features, an I–V or f–I
    table) as a DataFrame, every number as written (float64), ``df.attrs["units"]`` mapping each column to its
    unit (``ganglion.units.unit_of``) and ``df.attrs["path"]`` the file. ``conductance_table`` (default: the
    file is named ``conductances.csv``) reads a network's ``<cell>.<channel>`` columns as mS/cm²."""
    path = Path(path)
    if conductance_table is None:
        conductance_table = path.name == "conductances.csv"
    df = pd.read_csv(path, keep_default_na=False, na_values=[""], **EXACT_FLOATS)
    df.attrs["units"] = units_of(df.columns, conductance_table=conductance_table)
    df.attrs["path"] = str(path)
    return df


def read_json(path: PathLike) -> Dict[str, Any]:
    """A JSON file (a summary, a model, a population) as a dict."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _column(values: Sequence[Any], text: bool = False) -> np.ndarray:
    """One variable of a dataset: floats (None → NaN) when every value is a number or missing (and the variable
    is not ``text``), else strings (None → "")."""
    if not text and all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
        return np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    return np.array(["" if v is None else str(v) for v in values], dtype=object)


def _dataset(cells: Sequence[int], variables: Dict[str, Sequence[Any]], *, dim: str = "cell",
             units: Optional[Dict[str, str]] = None, attrs: Optional[Dict[str, Any]] = None) -> xr.Dataset:
    units = units or {}
    data = {}
    for name, values in variables.items():
        unit = units.get(name, unit_of(name))
        data[name] = xr.Variable((dim,), _column(values, text=name in TEXT), attrs={"units": unit})
    ds = xr.Dataset(data, coords={dim: np.asarray(cells, dtype=int)})
    ds.attrs.update(attrs or {})
    ds.attrs["units"] = {name: ds[name].attrs["units"] for name in ds.data_vars}
    return ds


def population_dataset(population: Union[PathLike, Dict[str, Any]]) -> xr.Dataset:
    """A population file (``ganglion population``) as a Dataset over ``cell``: one variable per conductance
    (mS/cm²), ``name`` (text); the file's other fields (``kind``, ``seed``, ``V``, …) in ``attrs``."""
    data = population if isinstance(population, dict) else read_json(population)
    cells = data["cells"]
    names = sorted({k for c in cells for k in c.get("conductances", {})})
    variables: Dict[str, List[Any]] = {"name": [c.get("name") for c in cells]}
    for n in names:
        variables[n] = [c["conductances"].get(n) for c in cells]
    units = {n: "mS/cm²" for n in names}
    units["name"] = ""
    attrs = {k: (json.dumps(v) if isinstance(v, (dict, list)) else v)
             for k, v in data.items() if k != "cells" and v is not None}
    return _dataset(range(len(cells)), variables, units=units, attrs=attrs)


def features_dataset(table: Union[PathLike, pd.DataFrame]) -> xr.Dataset:
    """A sweep's features CSV (one row per cell) as a Dataset over ``cell``: one variable per column, with the
    columns' units."""
    df = table if isinstance(table, pd.DataFrame) else read_table(table)
    units = df.attrs.get("units") or units_of(df.columns)
    variables = {c: [None if (isinstance(v, float) and np.isnan(v)) else v for v in df[c].tolist()]
                 for c in df.columns if c != "cell"}
    cells = df["cell"].astype(int).tolist() if "cell" in df.columns else list(range(len(df)))
    return _dataset(cells, variables, units=units)


#: The features of a row, a window or a snapshot in a population summary.
FEATURES = ["pattern", "spikes", "frequency_hz", "spikes_per_burst", "intraburst_hz", "interburst_hz",
            "burst_period_ms", "duty_cycle", "burstiness_hz2", "mean_ca"]


def _features(entry: Dict[str, Any], keys: Sequence[str]) -> Dict[str, Any]:
    return {k: entry.get(k) for k in keys}


def population_summary_dataset(summary: Dict[str, Any]) -> xr.Dataset:
    """The ``rows`` of a population run's ``summary.json`` as a Dataset over ``cell``: the features of the default
    window (``pattern``, ``frequency_hz``, ``burstiness_hz2``, ``spikes_per_burst``, ``mean_ca``, …), and for each
    analysis window, snapshot and segment the same features as variables over ``cell`` and ``window`` /
    ``snapshot`` / ``segment`` (``window_start_ms``, ``window_end_ms``, ``snapshot_ms``, ``segment_start_ms``,
    ``segment_end_ms`` as coordinates). A failed cell has ``status`` ``"failed"`` and its ``error``."""
    rows = summary.get("rows", [])
    cells = [r.get("cell_index", i) for i, r in enumerate(rows)]
    present = [k for k in FEATURES if any(k in r for r in rows)]
    variables: Dict[str, List[Any]] = {"name": [r.get("name") for r in rows],
                                       "status": ["failed" if r.get("error") else "ok" for r in rows],
                                       "error": [r.get("error") for r in rows]}
    for k in present:
        variables[k] = [r.get(k) for r in rows]
    ds = _dataset(cells, variables, attrs={k: summary[k] for k in ("profile", "duration_ms", "run_id")
                                             if summary.get(k) is not None})

    def add(ds: xr.Dataset, kind: str, key: str, coords: Dict[str, Any]) -> xr.Dataset:
        lists = [r.get(key) or [] for r in rows]
        count = max((len(x) for x in lists), default=0)
        if count == 0:
            return ds
        keys = [k for k in FEATURES if any(k in e for x in lists for e in x)]
        for k in keys:
            table = [[(x[j].get(k) if j < len(x) else None) for j in range(count)] for x in lists]
            flat = _column([v for row in table for v in row], text=k in TEXT)
            ds[f"{kind}_{k}"] = xr.Variable(("cell", kind), flat.reshape(len(rows), count),
                                            attrs={"units": unit_of(k)})
        for name, pick in coords.items():
            reference = next((x for x in lists if len(x) == count), lists[0])
            ds = ds.assign_coords({name: (kind, np.array([pick(e) for e in reference], dtype=float),
                                          {"units": "ms"})})
        return ds

    for kind, key, coords in [
        ("window", "windows", {"window_start_ms": lambda e: e["window_ms"][0],
                               "window_end_ms": lambda e: e["window_ms"][1]}),
        ("snapshot", "snapshots", {"snapshot_ms": lambda e: e["t_ms"]}),
        ("segment", "segments", {"segment_start_ms": lambda e: e["start_ms"],
                                 "segment_end_ms": lambda e: e["end_ms"]}),
    ]:
        ds = add(ds, kind, key, coords)
    ds.attrs["units"] = {name: ds[name].attrs.get("units", "") for name in ds.data_vars}
    return ds


def atlas_dataset(table: Union[PathLike, pd.DataFrame]) -> xr.Dataset:
    """An atlas's ``atlas.csv`` as a Dataset over its two axes (the columns after ``point``, ``ix`` and ``iy``:
    the y axis first, so ``ds[var]`` reads as the heatmap): one variable per other column, with its unit."""
    df = table if isinstance(table, pd.DataFrame) else read_table(table)
    units = df.attrs.get("units") or units_of(df.columns)
    x_name, y_name = df.columns[3], df.columns[4]
    nx, ny = int(df["ix"].max()) + 1, int(df["iy"].max()) + 1
    xs = [df.loc[df["ix"] == i, x_name].iloc[0] for i in range(nx)]
    ys = [df.loc[df["iy"] == j, y_name].iloc[0] for j in range(ny)]
    data = {}
    for name in df.columns[5:]:
        text = not pd.api.types.is_numeric_dtype(df[name])
        grid = np.full((ny, nx), None if text else np.nan, dtype=object if text else float)
        for _, row in df.iterrows():
            grid[int(row["iy"]), int(row["ix"])] = row[name]
        data[name] = xr.Variable((y_name, x_name), grid, attrs={"units": units.get(name, unit_of(name))})
    ds = xr.Dataset(data, coords={x_name: np.asarray(xs, dtype=float), y_name: np.asarray(ys, dtype=float)})
    ds[x_name].attrs["units"] = units.get(x_name, unit_of(x_name))
    ds[y_name].attrs["units"] = units.get(y_name, unit_of(y_name))
    ds.attrs["units"] = {name: ds[name].attrs["units"] for name in ds.data_vars}
    return ds
