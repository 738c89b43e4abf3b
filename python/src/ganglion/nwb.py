"""Reading NWB files (Ganglion's, or any NWB 2 file with time series) through pynwb.

pynwb is imported only when a file is read: install it with ``pip install ./python[nwb]`` (or
``pip install pynwb``).
"""

from __future__ import annotations

import os
from typing import Optional, Sequence, Union

import numpy as np
import pandas as pd

from .units import unit_of

#: The NWB comment by which a Ganglion series names the trace column it holds.
COLUMN_COMMENT = "ganglion-column: "


def _pynwb():
    try:
        import pynwb  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("reading NWB files needs pynwb: pip install 'ganglion[nwb]' (or pip install pynwb)") from e
    return pynwb


def _creation_order(path: str) -> dict:
    """``{series name: rank}`` in the order the series were created in ``/acquisition`` (their object header
    addresses, which grow as HDF5 writes them; the file does not index creation order), so that a Ganglion file
    gives back its trace's column order. Empty when the file cannot be read this way (the names' order is
    then the file's)."""
    try:
        import h5py
        with h5py.File(path, "r") as f:
            group = f["acquisition"]
            addresses = {n: h5py.h5o.get_info(group[n].id).addr for n in group}
    except Exception:  # the order is a convenience: any failure leaves the file's order
        return {}
    return {n: rank for rank, n in enumerate(sorted(addresses, key=addresses.get))}


def read_nwb(path: Union[str, os.PathLike], *, series: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """The time series in an NWB file's ``/acquisition`` as a DataFrame with a ``t_ms`` column.

    A series Ganglion wrote gets back its trace column name (``V_mV``, ``Ca_au``, ``I_Na_uA_cm2``, ``A.V_mV``)
    from its ``comments`` and its values in the trace's units (the stored data; ``conversion`` turns them into
    SI). Another file's series are named as in the file, in SI units (``data × conversion + offset``) with the
    series' ``unit``. Times are milliseconds (from ``timestamps`` or ``starting_time`` + ``rate``, seconds in
    the file). ``series``: the names of the series to read (default: all). Every series read must share one
    time base. Columns come in the order the series were written (a Ganglion file: its trace's column order).
    ``df.attrs["units"]`` maps each column to its unit; ``df.attrs["notes"]`` holds the file's
    ``notes`` (the model, experiment or network) and ``df.attrs["path"]`` the file.
    """
    pynwb = _pynwb()
    path = os.fspath(path)
    order = _creation_order(path)
    columns = {}
    units = {"t_ms": "ms"}
    time_ms = None
    with pynwb.NWBHDF5IO(path, "r") as io:
        f = io.read()
        names = sorted(f.acquisition, key=lambda n: order.get(n, float("inf"))) if series is None else list(series)
        for name in names:
            if name not in f.acquisition:
                raise KeyError(f"{path}: no series '{name}' in /acquisition (it holds {sorted(f.acquisition)})")
            s = f.acquisition[name]
            if not hasattr(s, "data") or not hasattr(s, "get_timestamps"):
                continue
            data = np.asarray(s.data[:], dtype=float)
            if data.ndim != 1:
                continue
            comment = s.comments or ""
            if comment.startswith(COLUMN_COMMENT):
                column = comment[len(COLUMN_COMMENT):]
                values = data
                units[column] = unit_of(column)
            else:
                column = name
                values = data * s.conversion + (getattr(s, "offset", 0.0) or 0.0)
                units[column] = s.unit
            t = np.asarray(s.get_timestamps(), dtype=float) * 1000.0
            if time_ms is None:
                time_ms = t
            elif len(t) != len(time_ms) or not np.allclose(t, time_ms, rtol=0, atol=1e-9):
                raise ValueError(f"{path}: the series '{name}' has another time base than the first series read; "
                                 "read them one at a time with series=[...]")
            columns[column] = values
        notes = f.notes
    if time_ms is None:
        raise ValueError(f"{path}: no one-dimensional time series in /acquisition")
    df = pd.DataFrame({"t_ms": time_ms, **columns})
    df.attrs["units"] = units
    df.attrs["notes"] = notes
    df.attrs["path"] = path
    return df
