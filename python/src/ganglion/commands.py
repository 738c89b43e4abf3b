"""One function per ``ganglion`` subcommand. Each checks its arguments (raising ``TypeError``, ``ValueError`` or
``FileNotFoundError`` before anything runs), writes dict inputs as JSON files into the working folder, runs the
executable and reads what it wrote.

Every function takes ``workdir`` (the folder inputs and default outputs go to: the one given, else a fresh
temporary folder) and ``executable`` (``ganglion.find_executable``). An ``out`` given explicitly is used as
given; nothing else is written outside the working folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import pandas as pd

from . import _arguments as a
from ._executable import GanglionError, run_command
from .results import (AtlasResult, ClampResult, CompensationResult, DICResult, FIResult, NetworkResult,
                      PopulationResult, RunResult, SimulationResult, SweepResult)
from .tables import read_json

PathLike = Union[str, os.PathLike]
Executable = Optional[PathLike]


def _solver_flags(f: a.Flags, solver, dt, exact_rates, sundials_step_bounds) -> None:
    f.add("--solver", a.optional(solver, a.choice, a.SOLVERS, "solver"))
    f.add("--dt", a.optional(dt, a.number, "dt", positive=True))
    f.switch("--exact-rates", exact_rates)
    f.switch("--sundials-step-bounds", sundials_step_bounds)


def _json(stdout: str) -> Dict[str, Any]:
    return json.loads(stdout)


def simulate(model: Union[str, PathLike, Dict[str, Any]], duration: float, *, out: Optional[PathLike] = None,
             format: Optional[str] = None, dt_out: Optional[float] = None, solver: Optional[str] = None,
             dt: Optional[float] = None, rtol: Optional[float] = None, atol: Optional[float] = None,
             max_step: Optional[float] = None, linear_solver: Optional[str] = None, exact_rates: bool = False,
             sundials_step_bounds: bool = False, window: Optional[Sequence[float]] = None,
             settling: Optional[float] = None, record: Union[str, Sequence[str], None] = None,
             events: Optional[Sequence[Any]] = None, homeostasis: Optional[float] = None,
             regulate: Union[str, Sequence[str], None] = None, tau_g: Optional[float] = None,
             tau_na: Optional[float] = None, plot: Union[bool, str] = False, force: bool = False,
             workdir: Optional[PathLike] = None, executable: Executable = None) -> SimulationResult:
    """``ganglion simulate``: one neuron for ``duration`` ms.

    ``model``: a named model (``"stg-spiking"``), a model file, ``"POP.json#INDEX"``, or a model as a dict.
    The trace goes to ``out`` (default ``WORKDIR/trace.csv``, ``trace.nwb`` with ``format="nwb"``). ``window``:
    ``(start, end)`` ms; ``record``: ``"gates"``, ``"currents"`` or names (``["CaS.m", "I_KCa"]``); ``events``:
    ``"2000:block:H"`` or ``(2000, "block", "H")`` items; ``homeostasis``: the Ca target; ``plot``: ``True``
    (the trace) or ``"phase"``. Every option is the command's option of the same name (``--dt-out`` → ``dt_out``).
    """
    w = a.workdir(workdir)
    source = a.input_file(model, w, "model", named=True)
    fmt = a.optional(format, a.choice, a.FORMATS, "format")
    trace = a.output(out, w / ("trace.nwb" if fmt == "nwb" else "trace.csv"))
    f = a.Flags("simulate", source)
    if plot:
        if plot is True:
            pass
        elif plot in ("trace", "phase"):
            f.items.append(plot)
        else:
            raise ValueError(f"plot: must be True, 'trace' or 'phase', got {plot!r}")
    f.add("--duration", a.number(duration, "duration", positive=True))
    f.add("--out", str(trace)).add("--format", fmt)
    f.add("--dt-out", a.optional(dt_out, a.number, "dt_out", positive=True))
    _solver_flags(f, solver, dt, exact_rates, sundials_step_bounds)
    f.add("--rtol", a.optional(rtol, a.number, "rtol", positive=True))
    f.add("--atol", a.optional(atol, a.number, "atol", positive=True))
    f.add("--max-step", a.optional(max_step, a.number, "max_step", positive=True))
    f.add("--linear-solver", a.optional(linear_solver, a.choice, ("structured", "dense"), "linear_solver"))
    f.add("--window", a.optional(window, a.span, "window", 2))
    f.add("--settling", a.optional(settling, a.number, "settling", nonnegative=True))
    f.add("--record", a.optional(record, a.names, "record"))
    for i, e in enumerate(events or []):
        f.add("--event", a.event(e, f"events[{i}]"))
    f.add("--homeostasis", a.optional(homeostasis, a.number, "homeostasis"))
    f.add("--regulate", a.optional(regulate, a.names, "regulate"))
    f.add("--tau-g", a.optional(tau_g, a.number, "tau_g", positive=True))
    f.add("--tau-na", a.optional(tau_na, a.number, "tau_na", positive=True))
    f.switch("--plot", bool(plot)).switch("--force", force).switch("--json", True).switch("--quiet", True)
    done = run_command(f.items, executable=executable)
    return SimulationResult(done.args, w, done.stdout, done.stderr, summary=_json(done.stdout), trace_path=trace)


def run(experiment: Union[PathLike, Dict[str, Any], None] = None, *, out: Optional[PathLike] = None,
        resume: Optional[PathLike] = None, cells: Optional[int] = None, profile: Optional[str] = None,
        jobs: Optional[int] = None, shard: Optional[str] = None, solver: Optional[str] = None,
        dt: Optional[float] = None, exact_rates: bool = False, sundials_step_bounds: bool = False,
        format: Optional[str] = None, plot: bool = False, force: bool = False,
        workdir: Optional[PathLike] = None, executable: Executable = None) -> RunResult:
    """``ganglion run``: an experiment file (a path or a dict; Docs/experiment-files.md), one cell or a population.

    Writes into ``out`` (default ``WORKDIR/<the experiment's name>``); ``resume``: continue the interrupted run in
    that folder instead. ``cells``: the first N cells of a population; ``shard``: ``"I/N"``.
    """
    w = a.workdir(workdir)
    f = a.Flags("run")
    folder = _input_or_resume(f, w, experiment, "experiment", "run", out, resume)
    f.add("--cells", a.optional(cells, a.number, "cells", positive=True, integer=True))
    f.add("--profile", a.optional(profile, a.choice, a.PROFILES, "profile"))
    f.add("--jobs", a.optional(jobs, a.number, "jobs", positive=True, integer=True))
    f.add("--shard", a.optional(shard, _shard))
    _solver_flags(f, solver, dt, exact_rates, sundials_step_bounds)
    f.add("--format", a.optional(format, a.choice, a.FORMATS, "format"))
    f.switch("--plot", plot).switch("--force", force).switch("--quiet", True)
    done = _run_keeping_results(f.items, executable, lambda e: RunResult(e.command, w, e.stdout, e.stderr,
                                                                         folder=folder), folder)
    return RunResult(done.args, w, done.stdout, done.stderr, folder=folder)


def _run_keeping_results(items: List[str], executable: Executable, result, folder: Path):
    """Runs the command; when it fails after writing its summary (a population with failed cells), the
    ``GanglionError`` carries the result read from the folder as ``error.result``."""
    try:
        return run_command(items, executable=executable)
    except GanglionError as e:
        if (folder / "summary.json").is_file():
            e.result = result(e)
        raise


def _read_or_empty(path: str) -> Dict[str, Any]:
    try:
        data = read_json(path)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _shard(value: Any) -> str:
    if isinstance(value, str) and value.count("/") == 1 and all(p.isdigit() for p in value.split("/")):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return f"{a.number(value[0], 'shard', integer=True, nonnegative=True)}/" \
               f"{a.number(value[1], 'shard', integer=True, positive=True)}"
    raise ValueError(f"shard: must be 'I/N' or (I, N), got {value!r}")


def network(network: Union[PathLike, Dict[str, Any], None] = None, *, out: Optional[PathLike] = None,
            resume: Optional[PathLike] = None, duration: Optional[float] = None, profile: Optional[str] = None,
            solver: Optional[str] = None, dt: Optional[float] = None, exact_rates: bool = False,
            sundials_step_bounds: bool = False, local_steps: bool = False, format: Optional[str] = None,
            jobs: Optional[int] = None, shard: Optional[str] = None, plot: bool = False, force: bool = False,
            workdir: Optional[PathLike] = None, executable: Executable = None) -> NetworkResult:
    """``ganglion network``: a network file (a path or a dict; Docs/network-files.md). Writes into ``out``
    (default ``WORKDIR/<the network's name>``); ``duration`` simulates only this long (ms); ``local_steps``
    gives each cell its own CVODE step sizes (Docs/cvode.md, "Local time steps")."""
    w = a.workdir(workdir)
    f = a.Flags("network")
    folder = _input_or_resume(f, w, network, "network", "network", out, resume)
    f.add("--duration", a.optional(duration, a.number, "duration", positive=True))
    f.add("--profile", a.optional(profile, a.choice, a.PROFILES, "profile"))
    _solver_flags(f, solver, dt, exact_rates, sundials_step_bounds)
    f.switch("--local-steps", local_steps)
    f.add("--format", a.optional(format, a.choice, a.FORMATS, "format"))
    f.add("--jobs", a.optional(jobs, a.number, "jobs", positive=True, integer=True))
    f.add("--shard", a.optional(shard, _shard))
    f.switch("--plot", plot).switch("--force", force).switch("--quiet", True)
    done = _run_keeping_results(f.items, executable, lambda e: NetworkResult(e.command, w, e.stdout, e.stderr,
                                                                             folder=folder), folder)
    return NetworkResult(done.args, w, done.stdout, done.stderr, folder=folder)


def analyze(trace: Union[PathLike, pd.DataFrame], *, column: Optional[str] = None,
            units: Union[str, Sequence[str], None] = None, window: Optional[Sequence[float]] = None,
            workdir: Optional[PathLike] = None, executable: Executable = None) -> Dict[str, Any]:
    """``ganglion analyze``: the firing summary (a dict, as ``simulate``'s) of a trace — a CSV or NWB file, or a
    DataFrame with ``t_ms`` and ``V_mV`` columns (written into the working folder). ``units``: ``"s,V"`` or
    ``("s", "V")`` when the header does not name them."""
    w = a.workdir(workdir)
    f = a.Flags("analyze", a.table_file(trace, w, "trace"))
    if column is not None and not isinstance(column, str):
        raise TypeError(f"column: must be a column name, got {column!r}")
    f.add("--column", column)
    f.add("--units", a.optional(units, a.names, "units"))
    f.add("--window", a.optional(window, a.span, "window", 2))
    f.switch("--json", True)
    return _json(run_command(f.items, executable=executable).stdout)


def dics(model: Union[str, PathLike, Dict[str, Any]], *, at: Optional[float] = None,
         threshold: Optional[str] = None, curve: Optional[Sequence[float]] = None, out: Optional[PathLike] = None,
         plot: bool = False, force: bool = False, workdir: Optional[PathLike] = None,
         executable: Executable = None) -> DICResult:
    """``ganglion dics``: the dynamic input conductances g_f, g_s, g_u (dimensionless) at ``at`` mV (default: the
    threshold), the threshold (``threshold``: ``"grid"`` or ``"exact"``) and the sensitivity matrix. ``curve``:
    ``(start, end, step)`` mV, written to ``out`` (default ``WORKDIR/dics.csv``) and read as ``result.curve``."""
    w = a.workdir(workdir)
    f = a.Flags("dics", a.input_file(model, w, "model", named=True))
    f.add("--at", a.optional(at, a.number, "at"))
    f.add("--threshold", a.optional(threshold, a.choice, a.THRESHOLDS, "threshold"))
    curve_path = None
    if curve is not None:
        f.add("--curve", a.span(curve, "curve", 3))
        curve_path = a.output(out, w / "dics.csv")
        f.add("--out", str(curve_path))
    elif out is not None or plot:
        raise ValueError("out and plot: only with curve=(start, end, step)")
    f.switch("--plot", plot).switch("--force", force).switch("--json", True)
    done = run_command(f.items, executable=executable)
    return DICResult(done.args, w, done.stdout, done.stderr, summary=_json(done.stdout), curve_path=curve_path)


def compensate(model: Union[str, PathLike, Dict[str, Any]], unknowns: Union[str, Sequence[str]],
               target: Union[str, Dict[str, float]], *, at: Union[float, str, None] = None,
               threshold: Optional[str] = None, variant: Optional[str] = None, out: Optional[PathLike] = None,
               force: bool = False, workdir: Optional[PathLike] = None,
               executable: Executable = None) -> CompensationResult:
    """``ganglion compensate``: solves the ``unknowns`` (e.g. ``["CaS", "A"]``) for ``target`` DICs (e.g.
    ``{"gs": -8, "gu": 4}``) at ``at`` (mV, or ``"threshold"``, the default). The compensated model is written to
    ``out`` (default ``WORKDIR/compensated.json``) and read as ``result.model``."""
    w = a.workdir(workdir)
    f = a.Flags("compensate", a.input_file(model, w, "model", named=True))
    f.add("--unknowns", a.names(unknowns, "unknowns"))
    f.add("--target", a.targets(target, "target"))
    if at is not None:
        f.add("--at", "threshold" if at == "threshold" else a.number(at, "at"))
    f.add("--threshold", a.optional(threshold, a.choice, a.THRESHOLDS, "threshold"))
    f.add("--variant", a.optional(variant, a.choice, a.VARIANTS, "variant"))
    path = a.output(out, w / "compensated.json")
    f.add("--out", str(path)).switch("--force", force).switch("--json", True)
    done = run_command(f.items, executable=executable)
    return CompensationResult(done.args, w, done.stdout, done.stderr, summary=_json(done.stdout), model_path=path)


def population(family: str, count: int, seed: int, *, target: Union[str, Dict[str, float], None] = None,
               at: Optional[float] = None, variant: Optional[str] = None, out: Optional[PathLike] = None,
               force: bool = False, workdir: Optional[PathLike] = None,
               executable: Executable = None) -> PopulationResult:
    """``ganglion population``: ``count`` cells of ``family`` (``"stg"`` or ``"da"``) from ``seed``, written to
    ``out`` (default ``WORKDIR/population.json``); ``result.cells`` is an xarray Dataset over ``cell`` with the
    conductances (mS/cm²)."""
    w = a.workdir(workdir)
    f = a.Flags("population", a.choice(family, ("stg", "da"), "family"))
    f.add("--count", a.number(count, "count", positive=True, integer=True))
    f.add("--seed", a.number(seed, "seed", nonnegative=True, integer=True))
    f.add("--target", a.optional(target, a.targets, "target"))
    f.add("--at", a.optional(at, a.number, "at"))
    f.add("--variant", a.optional(variant, a.choice, a.VARIANTS, "variant"))
    path = a.output(out, w / "population.json")
    f.add("--out", str(path)).switch("--force", force).switch("--json", True)
    done = run_command(f.items, executable=executable)
    return PopulationResult(done.args, w, done.stdout, done.stderr, summary=_json(done.stdout), path=path)


def _cell_run_flags(f: a.Flags, duration, window, unknowns, at, variant, solver, dt, exact_rates, sundials_step_bounds,
                    jobs, shard) -> None:
    """The options ``sweep`` and ``atlas`` share: duration and window, the compensation, the solver, the workers
    and the shard."""
    f.add("--duration", a.number(duration, "duration", positive=True))
    f.add("--window", a.optional(window, a.span, "window", 2))
    f.add("--unknowns", a.optional(unknowns, a.names, "unknowns"))
    if at is not None:
        f.add("--at", "threshold" if at == "threshold" else a.number(at, "at"))
    f.add("--variant", a.optional(variant, a.choice, a.VARIANTS, "variant"))
    _solver_flags(f, solver, dt, exact_rates, sundials_step_bounds)
    f.add("--jobs", a.optional(jobs, a.number, "jobs", positive=True, integer=True))
    f.add("--shard", a.optional(shard, _shard))


def sweep(population: Union[PathLike, Dict[str, Any], PopulationResult], duration: float, *,
          window: Optional[Sequence[float]] = None, target: Union[str, Dict[str, float], None] = None,
          unknowns: Union[str, Sequence[str], None] = None, at: Union[float, str, None] = None,
          variant: Optional[str] = None, solver: Optional[str] = None, dt: Optional[float] = None,
          exact_rates: bool = False, sundials_step_bounds: bool = False, jobs: Optional[int] = None,
          shard: Optional[str] = None, out: Optional[PathLike] = None, plot: bool = False, force: bool = False,
          workdir: Optional[PathLike] = None, executable: Executable = None) -> SweepResult:
    """``ganglion sweep``: every cell of a population (a file, its dict, or a ``population()`` result) simulated
    for ``duration`` ms; one row of features per cell in ``out`` (default ``WORKDIR/features.csv``), read as
    ``result.table`` (DataFrame) and ``result.features`` (xarray Dataset over ``cell``)."""
    w = a.workdir(workdir)
    if isinstance(population, PopulationResult):
        population = population.path
    f = a.Flags("sweep", a.input_file(population, w, "population"))
    f.add("--target", a.optional(target, a.targets, "target"))
    _cell_run_flags(f, duration, window, unknowns, at, variant, solver, dt, exact_rates, sundials_step_bounds, jobs, shard)
    path = a.output(out, w / "features.csv")
    f.add("--out", str(path)).switch("--plot", plot).switch("--force", force).switch("--quiet", True)
    done = run_command(f.items, executable=executable)
    return SweepResult(done.args, w, done.stdout, done.stderr, path=path)


def _axis(value: Any, name: str, *, channel: bool) -> str:
    """An atlas axis: ``"A:B:N"`` or ``(A, B, N)``; with ``channel``, ``"CH:A:B:N"`` or ``(CH, A, B, N)``."""
    if isinstance(value, str):
        return value
    if isinstance(value, (tuple, list)):
        parts = list(value)
        head = []
        if channel:
            if len(parts) != 4 or not isinstance(parts[0], str):
                raise ValueError(f"{name}: must be 'CH:A:B:N' or (channel, first, last, count), got {value!r}")
            head = [parts.pop(0)]
        if len(parts) != 3:
            raise ValueError(f"{name}: must be 'A:B:N' or (first, last, count), got {value!r}")
        return ":".join(head + [a.number(parts[0], name), a.number(parts[1], name),
                                a.number(parts[2], name, integer=True, positive=True)])
    raise TypeError(f"{name}: must be a string or a tuple, got {value!r}")


def atlas(input: Union[str, PathLike, Dict[str, Any], PopulationResult, None] = None, duration: float = 0, *,
          out: PathLike, gs: Any = None, gu: Any = None, x: Any = None, y: Any = None,
          generate: Optional[str] = None, count: Optional[int] = None, seed: Optional[int] = None,
          cells: Optional[int] = None, window: Optional[Sequence[float]] = None,
          unknowns: Union[str, Sequence[str], None] = None, at: Union[float, str, None] = None,
          variant: Optional[str] = None, solver: Optional[str] = None, dt: Optional[float] = None,
          exact_rates: bool = False, sundials_step_bounds: bool = False, jobs: Optional[int] = None,
          shard: Optional[str] = None, force: bool = False, workdir: Optional[PathLike] = None,
          executable: Executable = None) -> AtlasResult:
    """``ganglion atlas``: the firing patterns of a cell or a population (a model, a population file, their dict,
    or a ``population()`` result; or ``generate``/``count``/``seed``) over a plane: target DICs ``gs`` and ``gu``
    (each ``(first, last, count)``), or two axes ``x`` and ``y`` (``(channel, first, last, count)``). Writes into
    ``out`` and continues an atlas interrupted there (Docs/atlas.md)."""
    w = a.workdir(workdir)
    if isinstance(input, PopulationResult):
        input = input.path
    f = a.Flags("atlas") if input is None else a.Flags("atlas", a.input_file(input, w, "population", named=True))
    f.add("--generate", a.optional(generate, a.choice, ["stg", "da"], "generate"))
    f.add("--count", a.optional(count, a.number, "count", positive=True, integer=True))
    f.add("--seed", a.optional(seed, a.number, "seed", nonnegative=True, integer=True))
    f.add("--cells", a.optional(cells, a.number, "cells", positive=True, integer=True))
    f.add("--gs", a.optional(gs, _axis, "gs", channel=False))
    f.add("--gu", a.optional(gu, _axis, "gu", channel=False))
    f.add("--x", a.optional(x, _axis, "x", channel=True))
    f.add("--y", a.optional(y, _axis, "y", channel=True))
    _cell_run_flags(f, duration, window, unknowns, at, variant, solver, dt, exact_rates, sundials_step_bounds, jobs, shard)
    folder = Path(out) if Path(out).is_absolute() else w / out
    f.add("--out", str(folder)).switch("--force", force).switch("--quiet", True)
    done = run_command(f.items, executable=executable)
    return AtlasResult(done.args, w, done.stdout, done.stderr, folder=folder)


def clamp(model: Union[str, PathLike, Dict[str, Any]], steps: Sequence[float], *, hold: Optional[float] = None,
          duration_per_step: Optional[float] = None, hold_duration: Optional[float] = None,
          sample_interval: Optional[float] = None, trace_interval: Optional[float] = None,
          solver: Optional[str] = None, dt: Optional[float] = None, rtol: Optional[float] = None,
          atol: Optional[float] = None, exact_rates: bool = False, out: Optional[PathLike] = None,
          force: bool = False, workdir: Optional[PathLike] = None, executable: Executable = None) -> ClampResult:
    """``ganglion clamp``: voltage-clamp steps ``(start, end, step)`` mV from ``hold`` mV. Writes into ``out``
    (default ``WORKDIR/clamp``); ``result.traces`` and ``result.iv`` are the tables (currents in µA/cm²)."""
    w = a.workdir(workdir)
    f = a.Flags("clamp", a.input_file(model, w, "model", named=True))
    f.add("--steps", a.span(steps, "steps", 3))
    f.add("--hold", a.optional(hold, a.number, "hold"))
    f.add("--duration-per-step", a.optional(duration_per_step, a.number, "duration_per_step", positive=True))
    f.add("--hold-duration", a.optional(hold_duration, a.number, "hold_duration", nonnegative=True))
    f.add("--sample-interval", a.optional(sample_interval, a.number, "sample_interval", positive=True))
    f.add("--trace-interval", a.optional(trace_interval, a.number, "trace_interval", positive=True))
    f.add("--solver", a.optional(solver, a.choice, a.SOLVERS, "solver"))
    f.add("--dt", a.optional(dt, a.number, "dt", positive=True))
    f.add("--rtol", a.optional(rtol, a.number, "rtol", positive=True))
    f.add("--atol", a.optional(atol, a.number, "atol", positive=True))
    f.switch("--exact-rates", exact_rates)
    folder = a.output(out, w / "clamp")
    f.add("--out", str(folder)).switch("--force", force)
    done = run_command(f.items, executable=executable)
    return ClampResult(done.args, w, done.stdout, done.stderr, folder=folder)


def fi(model: Union[str, PathLike, Dict[str, Any]], currents: Sequence[float], *,
       duration_per_step: Optional[float] = None, transient: Optional[float] = None, solver: Optional[str] = None,
       dt: Optional[float] = None, rtol: Optional[float] = None, out: Optional[PathLike] = None,
       force: bool = False, workdir: Optional[PathLike] = None, executable: Executable = None) -> FIResult:
    """``ganglion fi``: the f–I curve, the applied current ``(start, end, step)`` µA/cm² stepped up and back down.
    Writes into ``out`` (default ``WORKDIR/fi``); ``result.table`` is ``fi.csv``."""
    w = a.workdir(workdir)
    f = a.Flags("fi", a.input_file(model, w, "model", named=True))
    f.add("--currents", a.span(currents, "currents", 3))
    f.add("--duration-per-step", a.optional(duration_per_step, a.number, "duration_per_step", positive=True))
    f.add("--transient", a.optional(transient, a.number, "transient", nonnegative=True))
    f.add("--solver", a.optional(solver, a.choice, a.SOLVERS, "solver"))
    f.add("--dt", a.optional(dt, a.number, "dt", positive=True))
    f.add("--rtol", a.optional(rtol, a.number, "rtol", positive=True))
    folder = a.output(out, w / "fi")
    f.add("--out", str(folder)).switch("--force", force)
    done = run_command(f.items, executable=executable)
    return FIResult(done.args, w, done.stdout, done.stderr, folder=folder)


def export(trace: Union[PathLike, pd.DataFrame], *, out: Optional[PathLike] = None,
           columns: Union[str, Sequence[str], None] = None, description: Optional[str] = None,
           units: Union[str, Sequence[str], None] = None, force: bool = False,
           workdir: Optional[PathLike] = None, executable: Executable = None) -> Path:
    """``ganglion export``: a trace (a CSV file, or a DataFrame) converted to NWB, written to ``out`` (default
    ``WORKDIR/<the trace's name>.nwb``); returns the NWB file's path (read it with ``read_nwb``)."""
    w = a.workdir(workdir)
    source = a.table_file(trace, w, "trace")
    path = a.output(out, w / (Path(source).stem + ".nwb"))
    f = a.Flags("export", source).add("--out", str(path))
    f.add("--columns", a.optional(columns, a.names, "columns"))
    if description is not None and not isinstance(description, str):
        raise TypeError(f"description: must be a string, got {description!r}")
    f.add("--description", description)
    f.add("--units", a.optional(units, a.names, "units"))
    f.switch("--force", force)
    run_command(f.items, executable=executable)
    return path


def plot(file: Union[PathLike, pd.DataFrame], *, columns: Union[str, Sequence[str], None] = None,
         window: Optional[Sequence[float]] = None, out: Optional[PathLike] = None, title: Optional[str] = None,
         log: Optional[bool] = None, png: bool = False, units: Union[str, Sequence[str], None] = None,
         force: bool = False, workdir: Optional[PathLike] = None, executable: Executable = None) -> Path:
    """``ganglion plot``: an SVG figure of a trace or conductances CSV, an NWB file, a features CSV or a
    population summary, written to ``out`` (default ``WORKDIR/<the file's name>.svg``); returns its path."""
    w = a.workdir(workdir)
    source = a.table_file(file, w, "trace")
    path = a.output(out, w / (Path(source).stem + ".svg"))
    f = a.Flags("plot", source).add("--out", str(path))
    f.add("--columns", a.optional(columns, a.names, "columns"))
    f.add("--window", a.optional(window, a.span, "window", 2))
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title: must be a string, got {title!r}")
    f.add("--title", title)
    if log is not None:
        f.switch("--log" if log else "--no-log", True)
    f.switch("--png", png).add("--units", a.optional(units, a.names, "units")).switch("--force", force)
    run_command(f.items, executable=executable)
    return path


def merge(shards: Sequence[PathLike], out: PathLike, *, force: bool = False,
          executable: Executable = None) -> Path:
    """``ganglion merge``: joins the shard CSV files of ``sweep(shard=…)`` into the CSV ``out``, or the shard
    folders of ``run(shard=…)`` / ``network(shard=…)`` into the folder ``out`` (its ``summary.json``)."""
    items = [Path(s).expanduser().resolve() for s in shards]
    if not items:
        raise ValueError("shards: give at least one shard file or folder")
    for s in items:
        if not s.exists():
            raise FileNotFoundError(f"shards: no such file or folder: {s}")
    path = a.output(out, Path())
    f = a.Flags("merge", *[str(s) for s in items]).add("--out", str(path)).switch("--force", force)
    run_command(f.items, executable=executable)
    return path


def import_neuroml(file: PathLike, *, out: Optional[PathLike] = None, cell: Optional[str] = None,
                   temperature: Optional[float] = None, force: bool = False,
                   workdir: Optional[PathLike] = None, executable: Executable = None) -> Dict[str, Any]:
    """``ganglion import``: a single-compartment NeuroML 2 cell as channel, family and model files in ``out``
    (default ``WORKDIR/<file name>``); returns the command's JSON summary (``model``: the model file's path)."""
    w = a.workdir(workdir)
    source = a.table_file(file, w, "neuroml")
    folder = a.output(out, w / Path(source).stem)
    f = a.Flags("import", source).add("--out", str(folder)).add("--cell", cell)
    f.add("--temperature", a.optional(temperature, a.number, "temperature"))
    f.switch("--force", force).switch("--json", True)
    return _json(run_command(f.items, executable=executable).stdout)


def models(*, executable: Executable = None) -> List[str]:
    """The names of the built-in models (``ganglion models``)."""
    out = run_command(["models"], executable=executable).stdout
    return [line.split()[0] for line in out.splitlines() if line and not line[0].isspace()]


def _input_or_resume(f, w, value, kind: str, command: str, out, resume) -> Path:
    """The output folder of a run of ``value`` (a dict or a file path; its input file and ``--out`` added to
    ``f``), or of the interrupted run in ``resume`` (``--resume`` added)."""
    article = "an" if kind[0] in "aeiou" else "a"
    if resume is not None:
        if value is not None or out is not None:
            raise ValueError(f"resume: give the folder to resume alone, without {article} {kind} or out")
        folder = Path(resume).expanduser().resolve()
        if not folder.is_dir():
            raise FileNotFoundError(f"resume: no such folder: {resume}")
        f.add("--resume", str(folder))
        return folder
    if value is None:
        raise TypeError(f"{command}: give {article} {kind} (a dict or a file path), or resume=FOLDER")
    source = a.input_file(value, w, kind)
    stem = a.plain_stem(value if isinstance(value, dict) else _read_or_empty(source),
                        Path(source).stem if a.PLAIN_NAME.match(Path(source).stem) else command)
    folder = a.output(out, w / stem)
    f.items.append(source)
    f.add("--out", str(folder))
    return folder
