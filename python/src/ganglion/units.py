"""Units of Ganglion's table columns and summary fields, read from their names (Docs/units.md).

Every column name Ganglion writes ends in its unit (``t_ms``, ``V_mV``, ``Ca_au``, ``I_Na_uA_cm2``,
``g_Na_mS_cm2``, ``frequency_hz``); gates and the normalised dynamic input conductances are dimensionless
(``"1"``); homeostasis and controller states are conductances. Text columns (``pattern``, ``name``) have the
unit ``""``.
"""

from __future__ import annotations

from typing import Dict, Iterable

#: Suffix → unit, longest first (``_mV_ms`` before ``_ms``).
SUFFIXES = [
    ("_mV_ms", "mV/ms"),
    ("_uA_cm2", "µA/cm²"),
    ("_mS_cm2", "mS/cm²"),
    ("_uF_cm2", "µF/cm²"),
    ("_hz2", "Hz²"),
    ("_hz", "Hz"),
    ("_mV", "mV"),
    ("_ms", "ms"),
    ("_au", "au"),
    ("_uM", "µM"),
    ("_s", "s"),
    ("_V", "V"),
]

#: Names that carry no suffix, with their units.
NAMED = {
    "t": "ms", "V": "mV", "Ca": "au", "mean_ca": "au",
    "gf": "1", "gs": "1", "gu": "1", "gin": "1", "g_s_at_Vth": "1", "g_u_at_Vth": "1",
    "spikes": "1", "spikes_per_burst": "1", "duty_cycle": "1", "cell": "1", "cell_index": "1",
    "population_size": "1", "count": "1", "rejected": "1",
}

#: Dimensionless endings of the clamp's steady-state gating columns (``Na_m_inf_p``, ``Na_open_ss``, …).
DIMENSIONLESS_ENDINGS = ("_inf", "_inf_p", "_open_inf", "_open_ss", "_open_peak")

#: Words of a text column.
TEXT = {"pattern", "pattern_rule", "name", "status", "error", "direction", "began", "kind", "model"}


def unit_of(column: str, *, conductance_table: bool = False) -> str:
    """The unit of a column or field of Ganglion's outputs, read from its name: ``"mV"``, ``"ms"``, ``"µA/cm²"``,
    ``"mS/cm²"``, ``"Hz"``, ``"au"`` (calcium in the model's arbitrary units), ``"1"`` (dimensionless), ``""``
    (text, or a name that does not say). ``conductance_table``: a network's ``conductances.csv``, whose
    ``<cell>.<channel>`` columns are conductances in mS/cm²."""
    if column in NAMED:
        return NAMED[column]
    if column in TEXT:
        return ""
    for suffix, unit in SUFFIXES:
        if column.endswith(suffix) and len(column) > len(suffix):
            return unit
    parts = column.split(".")
    last = parts[-1]
    if len(parts) >= 2 and last in NAMED:
        return NAMED[last]                      # <cell>.V, <cell>.Ca
    if len(parts) >= 3 and parts[-3] in ("homeostasis", "neuromodulation", "liu"):
        if last in ("gbar", "m", "pool"):
            return "mS/cm²" if parts[-3] != "liu" or last == "gbar" else "1"
        if last == "z":
            return "mS cm⁻² ms"
        return "1"                              # liu.F.M, liu.F.H: sensor gates
    if len(parts) >= 2 and last in ("m", "h"):
        return "1"                              # gates: Na.m, <cell>.Na.h
    if column.endswith(DIMENSIONLESS_ENDINGS):
        return "1"
    if conductance_table and len(parts) >= 2:
        return "mS/cm²"
    return ""


def units_of(columns: Iterable[str], *, conductance_table: bool = False) -> Dict[str, str]:
    """``{column: unit}`` for every column (``unit_of``)."""
    return {c: unit_of(c, conductance_table=conductance_table) for c in columns}
