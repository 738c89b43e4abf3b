#!/usr/bin/env python3
"""Step convergence of the Prinz 2003 family's example models (Docs/prinz-family.md).

Simulates every named model of models/families/prinz-2003/family.json for 20 s with exponential Euler at
steps 0.1 … 0.00625 ms and with CVODE (BDF) at its default rtol 1e-6 and at rtol 1e-10, the reference, and prints, per model and step, the firing pattern,
the spike counts of the whole bursts after 5 s (as a repeating cycle) and the burst period. A pattern has
converged from the largest step at which it, and every smaller step's, equals the reference's.

Usage: python3 scripts/prinz-convergence.py [--ganglion .build/release/ganglion] [--out FOLDER]
"""
import argparse, csv, json, os, subprocess, sys, tempfile

STEPS = [0.1, 0.05, 0.025, 0.0125, 0.00625]
START, DURATION = 5000.0, 20000.0

def spike_times(trace):
    with open(trace) as f:
        rows = csv.reader(f)
        header = next(rows)
        it, iv = header.index("t_ms"), header.index("V_mV")
        t0 = v0 = None
        spikes = []
        for row in rows:
            t, v = float(row[it]), float(row[iv])
            if t0 is not None and v0 < 10 <= v and t >= START:
                spikes.append(t0 + (10 - v0) / (v - v0) * (t - t0))
            t0, v0 = t, v
    return spikes

def cycle(sizes):
    """The shortest repeating cycle of burst sizes, or the sizes themselves if none repeats."""
    for n in range(1, len(sizes) // 2 + 1):
        if all(sizes[i] == sizes[i % n] for i in range(len(sizes))):
            c = sizes[:n]
            k = c.index(max(c))           # start the cycle at its largest burst
            return c[k:] + c[:k]
    return None

def describe(spikes):
    isi = [b - a for a, b in zip(spikes, spikes[1:])]
    if len(isi) < 4 or max(isi) - min(isi) < 25:
        return {"pattern": "silent" if not spikes else "tonic", "cycle": None, "period_ms": None}
    half = (max(isi) + min(isi)) / 2
    sizes, count, starts = [], 1, []
    for i, x in enumerate(isi):
        if x > half:
            sizes.append(count); count = 1; starts.append(spikes[i + 1])
        else:
            count += 1
    sizes = sizes[1:]
    c = cycle(sizes)
    if c is None or len(starts) < 3:
        return {"pattern": "irregular", "cycle": None, "period_ms": None}
    periods = [b - a for a, b in zip(starts, starts[1:])]
    return {"pattern": "bursting", "cycle": c, "period_ms": sum(periods) / len(periods)}

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ganglion", default=".build/release/ganglion")
    p.add_argument("--out", help="folder for the traces (default: a temporary folder)")
    a = p.parse_args()
    family = os.path.abspath("models/families/prinz-2003/family.json")
    models = json.load(open(family))["models"]
    out = a.out or tempfile.mkdtemp(prefix="prinz-")
    os.makedirs(out, exist_ok=True)
    print("| model | " + " | ".join(f"exp-Euler {s} ms" for s in STEPS) + " | CVODE rtol 1e-6 | CVODE rtol 1e-10 | exp-Euler converged from |")
    print("|---|" + "---|" * (len(STEPS) + 3))
    for name, g in models.items():
        model = os.path.join(out, name + ".json")
        with open(model, "w") as f:
            json.dump({"family": family, "name": name, "conductances": g}, f)
        results = []
        for solver in [["--solver", "exp-euler", "--dt", str(s)] for s in STEPS] + [["--rtol", "1e-6"], ["--rtol", "1e-10"]]:
            trace = os.path.join(out, name + ".csv")
            subprocess.run([a.ganglion, "simulate", model, "--duration", str(DURATION), "--out", trace, "--json"] + solver,
                           check=True, stdout=subprocess.DEVNULL)
            results.append(describe(spike_times(trace)))
        ref = results[-1]
        same = lambda r: r["pattern"] == ref["pattern"] and r["cycle"] == ref["cycle"]
        converged = "—"
        for i in range(len(STEPS)):
            if all(same(r) for r in results[i:len(STEPS)]):
                converged = f"{STEPS[i]} ms"
                break
        cell = lambda r: r["pattern"] if r["cycle"] is None else "-".join(map(str, r["cycle"])) + f", {r['period_ms']:.0f} ms"
        print(f"| {name} | " + " | ".join(cell(r) for r in results) + f" | {converged} |")
        sys.stdout.flush()

if __name__ == "__main__":
    main()
