#!/usr/bin/env python3
"""Compares a Ganglion trace with jNeuroML, the reference NeuroML simulator, on the same NeuroML cell.

    compare_jnml.py LEMS.xml GANGLION_TRACE.csv WORK_DIR [--steps 0.004,0.002] [--calcium]

Runs the LEMS simulation with jNeuroML (from pyNeuroML in this Python environment) at each fixed step,
with the LEMS file's includes made absolute and its output written into WORK_DIR. The LEMS runs go past
the end of the Ganglion trace (which sets the compared window), so that the coarse run's spikes, which
come late, are there to pair with the fine run's. jNeuroML integrates
by forward Euler, whose spike times err in proportion to the step (4.7 ms by the end of the first second
of the Hodgkin-Huxley cell at 0.005 ms); every quantity is therefore compared with the Richardson
extrapolation of the two runs, (r q(h/r) - q(h)) / (r - 1), which removes that first-order error.

Prints one JSON object: the spike times of both, their differences, and firing features (spike count,
first spike, mean ISI, frequency, mean peak and trough voltage, and with --calcium the mean and peak
calcium concentration in uM) with relative differences.
"""
import glob
import json
import os
import re
import subprocess
import sys
import time

import numpy as np


def spike_times(t, v, threshold=0.0):
    """Upward crossings of `threshold` (mV), linearly interpolated between samples (ms)."""
    i = np.nonzero((v[:-1] < threshold) & (v[1:] >= threshold))[0]
    return t[i] + (threshold - v[i]) * (t[i + 1] - t[i]) / (v[i + 1] - v[i])


def per_spike(t, v):
    """Spike times (ms), each spike's peak (max V within 2 ms after it) and the trough after it (min V
    until the next spike; NaN for the last)."""
    s = spike_times(t, v)
    peaks = np.array([v[(t >= x) & (t <= x + 2.0)].max() for x in s])
    troughs = np.array([v[(t >= s[k]) & (t < s[k + 1])].min() for k in range(len(s) - 1)] + [np.nan])
    return s, peaks, troughs


def features(s, peaks, troughs, end, ca=None):
    """Firing features of the spikes before `end` (ms); calcium features of the samples `ca` (uM)."""
    keep = s < end
    s, peaks, troughs = s[keep], peaks[keep], troughs[keep][:-1]
    f = {"spike_count": float(len(s))}
    if len(s) >= 2:
        isi = np.diff(s)
        f["first_spike_ms"] = float(s[0])
        f["mean_isi_ms"] = float(isi.mean())
        f["frequency_hz"] = float(1000.0 * (len(s) - 1) / (s[-1] - s[0]))
        f["mean_peak_mV"] = float(np.mean(peaks))
        f["mean_trough_mV"] = float(np.mean(troughs))
    if ca is not None:
        f["mean_ca_uM"] = float(ca.mean())
        f["max_ca_uM"] = float(ca.max())
    return s, f


def jnml_jar():
    import pyneuroml
    jars = glob.glob(os.path.join(os.path.dirname(pyneuroml.__file__), "lib", "jNeuroML-*-jar-with-dependencies.jar"))
    if not jars:
        sys.exit("compare_jnml.py: no jNeuroML jar in pyNeuroML")
    return jars[0]


def prepare(lems, work, step):
    """A copy of `lems` in `work` with absolute includes, step `step` (ms) and output in `work`."""
    folder = os.path.dirname(os.path.abspath(lems))
    text = open(lems).read()

    def absolute(m):
        f = m.group(1)
        local = os.path.join(folder, f)
        return 'file="%s"' % (os.path.abspath(local) if os.path.exists(local) else f)

    text = re.sub(r'file="([^"]+)"', absolute, text)
    text = re.sub(r'step="[^"]*"', 'step="%gms"' % step, text, count=1)
    out = os.path.join(work, "jnml-%g.dat" % step)
    text = re.sub(r'fileName="[^"]*"', 'fileName="%s"' % out, text, count=1)
    path = os.path.join(work, "LEMS-%g.xml" % step)
    open(path, "w").write(text)
    return path, out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    lems, trace, work = args[:3]
    steps = [0.004, 0.002]
    for a in sys.argv[1:]:
        if a.startswith("--steps="):
            steps = [float(x) for x in a.split("=", 1)[1].split(",")]
    calcium = "--calcium" in sys.argv
    os.makedirs(work, exist_ok=True)
    jar = jnml_jar()
    started = time.time()
    runs = []
    for step in steps:
        path, out = prepare(lems, work, step)
        p = subprocess.Popen(["java", "-Xmx400M", "-Djava.awt.headless=true", "-jar", jar, path, "-nogui"],
                             cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        runs.append((step, out, p))
    g = np.loadtxt(trace, delimiter=",", skiprows=1)
    end = g[-1, 0]
    runs_data = []
    for step, out, p in runs:
        log, _ = p.communicate()
        if p.returncode != 0 or not os.path.exists(out):
            sys.exit("jNeuroML failed at step %g ms:\n%s" % (step, log[-3000:]))
        d = np.loadtxt(out)
        t, v = d[:, 0] * 1e3, d[:, 1] * 1e3                      # s -> ms, V -> mV
        within = t <= end + 1e-9
        ca = d[within, 2] * 1e3 if calcium else None              # mol/m^3 = mM -> uM
        runs_data.append(per_spike(t, v) + (ca,))
    wall = time.time() - started

    # Richardson extrapolation, spike by spike (paired by index) and for the calcium features.
    r = steps[0] / steps[1]
    (cs, cp, ct, cca), (fs, fp, ft, fca) = runs_data
    n = min(len(cs), len(fs))
    ext = lambda a, b: (r * b - a) / (r - 1)
    js, jp, jt = ext(cs[:n], fs[:n]), ext(cp[:n], fp[:n]), ext(ct[:n], ft[:n])
    j_spikes, j_features = features(js, jp, jt, end)
    if calcium:
        for k, fn in (("mean_ca_uM", np.mean), ("max_ca_uM", np.max)):
            j_features[k] = float(ext(fn(cca), fn(fca)))
    g_spikes, g_features = features(*per_spike(g[:, 0], g[:, 1]), end, g[:, 2] if calcium else None)
    m = min(len(g_spikes), len(j_spikes))
    diff = np.abs(g_spikes[:m] - j_spikes[:m])
    fine_spikes = fs[fs < end]
    k = min(len(g_spikes), len(fine_spikes))
    report = {
        "steps_ms": steps,
        "jnml_wall_s": wall,
        "end_ms": float(end),
        "spike_counts": {"ganglion": len(g_spikes), "jnml": len(j_spikes)},
        "max_abs_spike_time_difference_ms": float(diff.max()) if m else None,
        "mean_abs_spike_time_difference_ms": float(diff.mean()) if m else None,
        "max_abs_spike_time_difference_to_fine_run_ms": float(np.abs(g_spikes[:k] - fine_spikes[:k]).max()) if k else None,
        "ganglion_spikes_ms": g_spikes.tolist(),
        "jnml_spikes_ms": j_spikes.tolist(),
        "features": {
            k: {"ganglion": g_features[k], "jnml": j_features[k],
                "relative_difference": abs(g_features[k] - j_features[k]) / abs(j_features[k])}
            for k in j_features if k in g_features
        },
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
