"""Checking Python arguments and turning them into Ganglion's command-line flags, before anything runs."""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

import pandas as pd

PLAIN_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")
SOLVERS = ("cvode-bdf", "cvode-adams", "exp-euler", "rk4")
FORMATS = ("csv", "nwb")
PROFILES = ("ganglion", "paper")
VARIANTS = ("exact", "paper", "pnas")
THRESHOLDS = ("grid", "exact")


def workdir(path: Union[str, os.PathLike, None]) -> Path:
    """The folder a call writes into: the one given (created if missing), else a fresh temporary folder
    (``tempfile.mkdtemp``, kept so that its files can still be read)."""
    if path is None:
        return Path(tempfile.mkdtemp(prefix="ganglion-")).resolve()
    p = Path(path).expanduser()
    if p.exists() and not p.is_dir():
        raise NotADirectoryError(f"workdir {p}: exists and is not a folder")
    p.mkdir(parents=True, exist_ok=True)
    return p.resolve()


def number(value: Any, name: str, *, positive: bool = False, nonnegative: bool = False, integer: bool = False) -> str:
    """A finite number as Ganglion reads it (``repr``: every digit kept)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: must be a number, got {value!r}")
    if integer:
        if isinstance(value, numbers.Integral) or float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name}: must be a whole number, got {value!r}")
    elif not math.isfinite(float(value)):
        raise ValueError(f"{name}: must be a finite number, got {value!r}")
    if positive and not value > 0:
        raise ValueError(f"{name}: must be > 0, got {value!r}")
    if nonnegative and not value >= 0:
        raise ValueError(f"{name}: must be ≥ 0, got {value!r}")
    return repr(int(value)) if integer or isinstance(value, numbers.Integral) else repr(float(value))


def span(value: Any, name: str, parts: int) -> str:
    """``START:END`` (2 parts) or ``START:END:STEP`` (3 parts) from a sequence of numbers or such a string."""
    if isinstance(value, str):
        pieces = value.split(":")
        if len(pieces) != parts:
            raise ValueError(f"{name}: must be {'START:END' if parts == 2 else 'START:END:STEP'}, got {value!r}")
        try:
            values: Sequence[Any] = [float(p) for p in pieces]
        except ValueError:
            raise ValueError(f"{name}: must hold numbers, got {value!r}") from None
    else:
        try:
            values = list(value)
        except TypeError:
            raise TypeError(f"{name}: must be a sequence of {parts} numbers, got {value!r}") from None
        if len(values) != parts:
            raise ValueError(f"{name}: must be {parts} numbers, got {value!r}")
    return ":".join(number(v, name) for v in values)


def names(value: Union[str, Iterable[str]], name: str) -> str:
    """A comma-separated list from a string or a sequence of strings."""
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    else:
        items = list(value)
        for v in items:
            if not isinstance(v, str):
                raise TypeError(f"{name}: must be names (strings), got {v!r}")
    if not items or any(not v or "," in v for v in items):
        raise ValueError(f"{name}: must be one or more non-empty names, got {value!r}")
    return ",".join(items)


def targets(value: Union[str, Dict[str, Any]], name: str) -> str:
    """``gs=-8,gu=4`` from ``{"gs": -8, "gu": 4}`` (or such a string)."""
    if isinstance(value, str):
        if not value or "=" not in value:
            raise ValueError(f"{name}: must be like 'gs=-8,gu=4' or {{'gs': -8, 'gu': 4}}, got {value!r}")
        return value
    if not isinstance(value, dict) or not value:
        raise TypeError(f"{name}: must be a dict such as {{'gs': -8, 'gu': 4}}, got {value!r}")
    return ",".join(f"{k}={number(v, f'{name}[{k!r}]')}" for k, v in value.items())


def choice(value: Any, allowed: Sequence[str], name: str) -> str:
    if value not in allowed:
        raise ValueError(f"{name}: must be one of {', '.join(allowed)}, got {value!r}")
    return value


def event(value: Any, name: str) -> str:
    """A protocol event ``TIME:ACTION[:…]`` from such a string or a tuple ``(time, action, …)``."""
    if isinstance(value, str):
        if ":" not in value:
            raise ValueError(f"{name}: must be TIME:ACTION (e.g. '2000:block:H'), got {value!r}")
        return value
    items = list(value)
    if len(items) < 2:
        raise ValueError(f"{name}: must be (time, action, …), got {value!r}")
    return ":".join([number(items[0], name)] + [number(i, name) if isinstance(i, numbers.Real) and
                                                not isinstance(i, bool) else str(i) for i in items[1:]])


def plain_stem(data: Dict[str, Any], fallback: str) -> str:
    """The file's ``name`` when it is a plain name, else ``fallback``."""
    n = data.get("name")
    return n if isinstance(n, str) and PLAIN_NAME.match(n) and n not in (".", "..") else fallback


def write_json(data: Dict[str, Any], folder: Path, kind: str) -> Path:
    """Writes a dict given as input to ``FOLDER/inputs/<name or kind>.json`` (strict JSON: NaN and infinity
    are refused here, before anything runs) and returns its path."""
    text = json.dumps(data, indent=2, allow_nan=False)
    inputs = folder / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    path = inputs / f"{plain_stem(data, kind)}.json"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def input_file(value: Any, folder: Path, kind: str, *, named: bool = False) -> str:
    """The argument naming an input: a dict is written into the working folder; a path must exist (``POP.json#3``:
    the file part); with ``named``, a string that is no path (no ``/``, no ``.json``) is passed on as a named
    model (``stg-spiking``) for Ganglion to look up."""
    if isinstance(value, dict):
        return str(write_json(value, folder, kind))
    if isinstance(value, pd.DataFrame):
        raise TypeError(f"{kind}: a DataFrame is not a {kind}; give a dict or a file path")
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{kind}: must be a dict, a file path{' or a named model' if named else ''}, got {value!r}")
    text = os.fspath(value)
    file_part, hash_, index = text.partition("#")
    if named and isinstance(value, str) and "/" not in text and not text.endswith(".json") and not hash_ \
            and not Path(text).exists():
        return text
    p = Path(file_part).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"{kind}: no such file: {file_part}")
    return str(p.resolve()) + (hash_ + index)


def table_file(value: Any, folder: Path, kind: str) -> str:
    """A trace given as a DataFrame is written to ``FOLDER/inputs/<kind>.csv`` (every digit kept); a path must
    exist."""
    if isinstance(value, pd.DataFrame):
        inputs = folder / "inputs"
        inputs.mkdir(parents=True, exist_ok=True)
        path = inputs / f"{kind}.csv"
        value.to_csv(path, index=False)
        return str(path)
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{kind}: must be a file path or a DataFrame, got {value!r}")
    p = Path(value).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"{kind}: no such file: {os.fspath(value)}")
    return str(p.resolve())


def output(value: Any, default: Path) -> Path:
    """The output path: the one given (relative to the current folder), else the default in the working folder."""
    if value is None:
        return default
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"out: must be a path, got {value!r}")
    return Path(value).expanduser().resolve()


class Flags:
    """The argument list of one command, built flag by flag (``None`` and ``False`` leave a flag out)."""

    def __init__(self, *head: str):
        self.items: List[str] = list(head)

    def add(self, flag: str, value: Optional[str]) -> "Flags":
        if value is not None:
            # FLAG=VALUE keeps a negative number from reading as a flag.
            self.items += [f"{flag}={value}"] if value.startswith("-") else [flag, value]
        return self

    def switch(self, flag: str, on: Any) -> "Flags":
        if not isinstance(on, bool):
            raise TypeError(f"{flag.lstrip('-').replace('-', '_')}: must be True or False, got {on!r}")
        if on:
            self.items.append(flag)
        return self


def optional(value: Any, convert, *args, **kwargs) -> Optional[str]:
    return None if value is None else convert(value, *args, **kwargs)
