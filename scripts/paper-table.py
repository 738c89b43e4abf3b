#!/usr/bin/env python3
"""Prints a Markdown table row per experiment output folder (ganglion run examples/paper/*.json --out DIR):
the population statistics Docs/paper.md reports. Standard library only.
Usage: python3 scripts/paper-table.py DIR [DIR ...]"""
import json, sys

def stat(s, key):
    v = s.get(key)
    if not v:
        return "—"
    return f"{v['median']:.3g} ({v['p10']:.3g}–{v['p90']:.3g})"

def percent(p):
    """A {count, total, percent} object as a whole percentage (never 0 % for a part, nor 100 % for less than all)."""
    c, t = p["count"], p["total"]
    if t == 0:
        return "—"
    x = 100 * c / t
    if 0 < c < t and (x < 1 or x > 99):
        return f"{x:.1f} %"
    return f"{x:.0f} %"

print("| experiment | profile | cells | window / snapshot | pattern fractions | frequency Hz, median (p10–p90) | burstiness Hz² | mean Ca |")
print("|---|---|---|---|---|---|---|---|")
for folder in sys.argv[1:]:
    s = json.load(open(f"{folder}/summary.json"))
    st = s["statistics"]
    head = f"| {s['experiment']} | {s['profile']} | {s['finished']}/{s['cells']} "
    parts = [(f"window {w['window_ms'][0] / 1000:g}–{w['window_ms'][1] / 1000:g} s", w) for w in st.get("windows", [])]
    parts += [(f"snapshot {p['t_ms'] / 1000:g} s", p) for p in st.get("snapshots", [])]
    for label, p in parts:
        patterns = ", ".join(f"{k} {percent(v)}" for k, v in sorted(p.get("patterns", {}).items()) if v["count"] > 0)
        print(f"{head}| {label} | {patterns} | {stat(p, 'frequency_hz')} | {stat(p, 'burstiness_hz2')} | {stat(p, 'mean_ca')} |")
        head = "| | | "
    zero = st.get("reached_zero")
    if zero:
        crashed = ", ".join(f"{k} {percent(v)}" for k, v in sorted(zero.items()) if v["count"] > 0) or "none"
        print(f"| | | | conductance reached 0 | {crashed} | | | |")
    fold = st.get("reference_closest_approach")
    if fold is not None:
        print(f"| | | | reference past a fold (closest approach) | {percent(fold)} of cells | | | |")
