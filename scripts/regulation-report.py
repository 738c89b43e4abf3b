#!/usr/bin/env python3
"""Tabulates a population run with activity-dependent regulation (Docs/regulation.md).

    python3 scripts/regulation-report.py OUT_FOLDER [OUT_FOLDER ...]

For each cell of each run folder (cells/<i>/summary.json and conductances.csv): the firing pattern, period
and spikes per burst in the last analysis window, the largest relative sensor error |mean/target − 1| in the
first and the last window, and the time to settle — the first conductance sample after which every
regulated conductance stays within ±5 % of its value at the end of the run, if that leaves at least the last
two minutes ("not settled" otherwise). Prints a Markdown table per run and a summary line.
"""
import csv
import json
import os
import statistics
import sys

BAND = 0.05
STABLE_MS = 120000


def settle_time(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = [c for c in rows[0] if c.startswith("g_") and c != "g_leak_mS_cm2"]
    final = {c: float(rows[-1][c]) for c in columns}
    settled = None
    for row in reversed(rows):
        if all(abs(float(row[c]) / final[c] - 1) <= BAND for c in columns if final[c] > 0):
            settled = float(row["t_ms"])
        else:
            break
    return settled, final


def sensor_error(readout):
    return max(abs(readout["mean"][k] / readout["target"][k] - 1) for k in readout["target"])


def report(folder):
    cells = sorted(int(c) for c in os.listdir(os.path.join(folder, "cells")) if c.isdigit())
    print(f"\n### {folder}\n")
    print("| cell | pattern (last window) | period (ms) | spikes/burst | frequency (Hz) | sensor error, first window | sensor error, last window | settled at (s) |")
    print("|---|---|---|---|---|---|---|---|")
    patterns, errors, settles = [], [], []
    for i in cells:
        base = os.path.join(folder, "cells", str(i))
        s = json.load(open(os.path.join(base, "summary.json")))
        if "error" in s:
            print(f"| {i} | failed: {s['error']} | | | | | | |")
            continue
        last = s["windows"][-1]
        readouts = s["mechanism_readouts"]
        first_error, last_error = sensor_error(readouts[1]), sensor_error(readouts[-1])
        settled, _ = settle_time(os.path.join(base, "conductances.csv"))
        end = s["duration_ms"]
        patterns.append(last["pattern"])
        errors.append(last_error)
        settles.append(settled if settled is not None and settled <= end - STABLE_MS else None)
        fmt = lambda x, d=1: "—" if x is None else f"{x:.{d}f}"
        print(f"| {i} | {last['pattern']} | {fmt(last.get('burst_period_ms'))} | {last.get('spikes_per_burst') or '—'} | "
              f"{fmt(last.get('frequency_hz'), 2)} | {first_error:.2f} | {last_error:.3f} | "
              f"{'not settled' if settles[-1] is None else f'{settled / 1000:.0f}'} |")
    counts = {p: patterns.count(p) for p in sorted(set(patterns))}
    done = [t for t in settles if t is not None]
    print(f"\npatterns in the last window: {', '.join(f'{p} {n}/{len(patterns)}' for p, n in counts.items())}; "
          f"largest sensor error in the last window: median {statistics.median(errors):.3f}, max {max(errors):.3f}; "
          f"settled (±{BAND:.0%}) {len(done)}/{len(settles)}"
          + (f", median at {statistics.median(done) / 1000:.0f} s" if done else ""))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for folder in sys.argv[1:]:
        report(folder)
