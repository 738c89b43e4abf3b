#!/usr/bin/env python3
"""Fuzz harness for the `ganglion` command-line tool (Python 3 standard library only).

Generates inputs of every kind Ganglion reads — model, experiment, network and population files, trace and
table CSVs, NWB files and command lines — by structured mutation (wrong types, extreme and non-finite
numbers, missing / duplicate / unknown keys, deep nesting, truncation, non-UTF-8 bytes, path tricks,
names with separators, out-of-range references) and by byte-level mutation of the project's own examples
and models. Runs the built tool on each case in a fresh folder inside a temporary directory, with a
timeout, and classifies the outcome:

  clean-error    non-zero exit, a line starting with `error:` on stderr, no signal
  success        exit 0, every result file finite and consistent (no nan/inf, rectangular CSVs, valid JSON)
  crash          killed by a signal, or a Swift fatal error / trap
  hang           still running at the timeout (`hang-unkillable` if SIGTERM did not stop it within 1 s)
  unclear-error  non-zero exit without a proper `error:` line, or a raw dump (NSCocoaErrorDomain, ...)
  bad-output     a result file (or --json stdout) with non-finite numbers, ragged CSV rows or invalid JSON
  escaped        a file appeared outside the case's own folder

Prints a table by outcome and input kind, writes a reproducer folder per failure to OUT/repro, and exits
non-zero when any case is neither a clean error nor a success.

  python3 Tests/fuzz/fuzz.py --cases 5000 --seed 7 --jobs 2 --out /tmp/fuzz-out
"""

import argparse
import concurrent.futures
import csv
import io
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOOD = ("clean-error", "success")
CATEGORIES = ["success", "clean-error", "crash", "hang", "hang-unkillable", "unclear-error", "bad-output", "escaped"]
KINDS = ["model", "experiment", "network", "population", "trace-csv", "table-csv", "nwb", "cli"]

EXTREME_NUMBERS = [0, -0.0, -1, 1, 1e20, -1e20, 1e300, -1e300, 1e308, 5e-324, 1e-300, 1e-13, 1e-6, 2 ** 63, 2 ** 64 + 1,
                   -(2 ** 63) - 1, 9.007199254740993e15, 0.5, 123456789, 1e9, -1e9, 3.0, 0.1]
NONFINITE_TOKENS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "nan", "inf"]
NAME_TRICKS = ["../x", "../../x/y", "..", ".", "a/b", "a\\b", "a,b", "a\nb", "a\"b", "", " ", "\t", "x" * 300,
               "é€", "a\u0000b", "-rf", "#0", "#999", "#-1", "#1e300", "a;b", "a b", "CON", "a:b", "a.csv"]
WRONG_TYPES = ["text", [], {}, [1, 2], {"a": 1}, True, False, None, "1", "1e20", ["x"]]
# Keys whose numbers are times (ms): scaled down with the duration so cases stay short.
TIME_KEYS = re.compile(r"(^t$|^until$|_ms$)")
UNSCALED = {"dt_ms", "burst_onset_isi_ms", "tau_m", "calcium_average_ms"}


# ---------------------------------------------------------------------------------------------- seeds

def run_tool(tool, args, cwd, timeout=120):
    r = subprocess.run([tool] + args, cwd=cwd, capture_output=True, timeout=timeout)
    if r.returncode != 0:
        sys.exit("fuzz: setup command failed: ganglion %s\n%s" % (" ".join(args), r.stderr.decode(errors="replace")))


def load_json(path):
    with open(path, "rb") as f:
        return json.loads(f.read())


def scale_times(node, factor, key=None):
    """Multiplies every time (ms) in an experiment or network by factor (durations, events, windows)."""
    if isinstance(node, dict):
        return {k: scale_times(v, factor, k) for k, v in node.items()}
    if isinstance(node, list):
        return [scale_times(v, factor, key) for v in node]
    if isinstance(node, (int, float)) and not isinstance(node, bool) and key and TIME_KEYS.search(key) and key not in UNSCALED:
        return round(node * factor, 6)
    return node


def shorten(doc, duration):
    """A copy of an experiment or network that runs `duration` ms, with small populations."""
    old = doc.get("duration_ms")
    if isinstance(old, (int, float)) and old > 0:
        conductances = (doc.get("outputs") or {}).get("conductances") or {}
        ratio = conductances.get("calcium_average_ms", 5000) / conductances.get("every_ms", 1000)
        doc = scale_times(doc, duration / old)
        doc["duration_ms"] = duration
        c = (doc.get("outputs") or {}).get("conductances")
        if isinstance(c, dict) and "every_ms" in c:
            c["calcium_average_ms"] = c["every_ms"] * round(ratio)
    pop = doc.get("population")
    if isinstance(pop, dict) and "count" in pop:
        pop["count"] = 2
    outputs = doc.get("outputs")
    if isinstance(outputs, dict) and isinstance(outputs.get("snapshot"), dict):
        outputs["snapshot"] = scale_times(outputs["snapshot"], duration / max(old or duration, 1))
    elif isinstance(outputs, dict) and "snapshots_ms" in outputs:
        outputs["snapshot"] = {"duration_ms": 1000, "window_ms": [200, 1000]}
    if isinstance(doc.get("cell"), str) and doc["cell"].endswith(".json"):
        doc["cell"] = os.path.basename(doc["cell"])
    return doc


class Seeds:
    """The unmutated inputs: the project's models and examples (shortened) and files made by the tool."""

    def __init__(self, tool, folder):
        self.folder = folder
        self.models = {}
        for d in ("models/stg", "models/da"):
            for n in sorted(os.listdir(os.path.join(ROOT, d))):
                if n.endswith(".json"):
                    self.models[n] = open(os.path.join(ROOT, d, n), "rb").read()
        self.experiments = {}
        self.networks = {}
        for d in ("examples", "examples/paper"):
            for n in sorted(os.listdir(os.path.join(ROOT, d))):
                if n.endswith(".json"):
                    self.experiments[n] = shorten(load_json(os.path.join(ROOT, d, n)), 1500)
        for n in sorted(os.listdir(os.path.join(ROOT, "examples/networks"))):
            if n.endswith(".json"):
                self.networks[n] = shorten(load_json(os.path.join(ROOT, "examples/networks", n)), 1200)
        os.makedirs(folder, exist_ok=True)
        run_tool(tool, ["population", "stg", "--count", "3", "--seed", "1", "--out", "pop-stg.json"], folder)
        run_tool(tool, ["population", "da", "--count", "2", "--seed", "1", "--out", "pop-da.json"], folder)
        run_tool(tool, ["simulate", "stg-bursting", "--duration", "1200", "--record", "gates", "--out", "trace.csv"], folder)
        run_tool(tool, ["export", "trace.csv", "--out", "trace.nwb"], folder)
        run_tool(tool, ["sweep", "pop-stg.json", "--duration", "400", "--jobs", "1", "--quiet", "--shard", "0/2", "--out", "s0.csv"], folder)
        run_tool(tool, ["sweep", "pop-stg.json", "--duration", "400", "--jobs", "1", "--quiet", "--shard", "1/2", "--out", "s1.csv"], folder)
        self.populations = {n: open(os.path.join(folder, n), "rb").read() for n in ("pop-stg.json", "pop-da.json")}
        self.traces = {"trace.csv": open(os.path.join(folder, "trace.csv"), "rb").read()}
        self.tables = {n: open(os.path.join(folder, n), "rb").read() for n in ("s0.csv", "s1.csv")}
        self.nwb = open(os.path.join(folder, "trace.nwb"), "rb").read()


# ------------------------------------------------------------------------------------ JSON mutations

def paths(node, prefix=()):
    """Every (path, value) in a JSON document."""
    yield prefix, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, prefix + (i,))


def get_parent(doc, path):
    node = doc
    for p in path[:-1]:
        node = node[p]
    return node


class Raw:
    """A JSON token written verbatim (non-finite numbers, huge literals)."""

    def __init__(self, text):
        self.text = text


def dumps(node):
    """JSON text; Raw tokens verbatim, DupKeys objects with a repeated key."""
    if isinstance(node, Raw):
        return node.text
    if isinstance(node, DupKeys):
        items = [json.dumps(k) + ": " + dumps(v) for k, v in node.items]
        return "{" + ", ".join(items) + "}"
    if isinstance(node, dict):
        return "{" + ", ".join(json.dumps(str(k)) + ": " + dumps(v) for k, v in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(dumps(v) for v in node) + "]"
    if isinstance(node, float) and not math.isfinite(node):
        return "1e400" if node > 0 else "-1e400"
    return json.dumps(node)


class DupKeys:
    def __init__(self, items):
        self.items = items


def random_value(rng, old=None):
    r = rng.random()
    if r < 0.35:
        return rng.choice(EXTREME_NUMBERS) * (rng.choice([1, -1]) if rng.random() < 0.2 else 1)
    if r < 0.5:
        return Raw(rng.choice(NONFINITE_TOKENS))
    if r < 0.7:
        return rng.choice(WRONG_TYPES)
    if r < 0.85:
        return rng.choice(NAME_TRICKS)
    if isinstance(old, (int, float)) and not isinstance(old, bool):
        return old * rng.choice([10, 100, 1e6, -1, 0.001, 1e-9])
    return rng.choice(EXTREME_NUMBERS)


def mutate_json(doc, rng, refs=()):
    """One structured mutation of a JSON document (in place where possible); returns the new document."""
    nodes = list(paths(doc))
    op = rng.choice(["value", "value", "value", "delete", "unknown", "duplicate", "nest", "name", "ref", "list", "swap"])
    path, node = rng.choice(nodes)
    if not path and op not in ("nest", "unknown", "duplicate"):
        op = "unknown"
    if op == "value":
        get_parent(doc, path)[path[-1]] = random_value(rng, node)
    elif op == "delete":
        parent = get_parent(doc, path)
        del parent[path[-1]]
    elif op == "unknown":
        dicts = [(p, n) for p, n in nodes if isinstance(n, dict)]
        if dicts:
            _, d = rng.choice(dicts)
            d[rng.choice(["extra", "duration", "Name", "cels", "seed ", "t_ms", "unknown_key"])] = random_value(rng)
    elif op == "duplicate":
        dicts = [(p, n) for p, n in nodes if isinstance(n, dict) and n]
        if dicts:
            p, d = rng.choice(dicts)
            k = rng.choice(list(d))
            items = list(d.items()) + [(k, random_value(rng, d[k]))]
            if rng.random() < 0.5:
                items.reverse()
            if p:
                get_parent(doc, p)[p[-1]] = DupKeys(items)
            else:
                return DupKeys(items)
    elif op == "nest":
        depth = rng.choice([50, 500, 5000, 20000])
        opening, closing = ("[", "]") if rng.random() < 0.5 else ('{"a": ', "}")
        inner = Raw(opening * depth + dumps(node) + closing * depth)
        if path:
            get_parent(doc, path)[path[-1]] = inner
        else:
            return inner
    elif op == "name":
        strings = [(p, n) for p, n in nodes if isinstance(n, str) and p]
        if strings:
            p, _ = rng.choice(strings)
            get_parent(doc, p)[p[-1]] = rng.choice(NAME_TRICKS + list(refs))
    elif op == "ref":
        strings = [(p, n) for p, n in nodes if isinstance(n, str) and p]
        if strings:
            p, _ = rng.choice(strings)
            get_parent(doc, p)[p[-1]] = rng.choice(["#999", "#-1", "#3", "#2", "nosuch", "nosuch.json", "pop-stg.json#7",
                                                     "pop-stg.json#-1", "pop-stg.json#1e300", "Na", "leak", "Kd", "H", "NMDA",
                                                     "stg-bursting", "pop-da.json#0", "trace.csv"] + list(refs))
    elif op == "list":
        lists = [(p, n) for p, n in nodes if isinstance(n, list) and p]
        if lists:
            p, l = rng.choice(lists)
            r = rng.random()
            if r < 0.3:
                get_parent(doc, p)[p[-1]] = []
            elif r < 0.6 and l:
                get_parent(doc, p)[p[-1]] = l + [l[rng.randrange(len(l))]] * rng.choice([1, 2, 50])
            elif l:
                l2 = list(l)
                rng.shuffle(l2)
                get_parent(doc, p)[p[-1]] = l2
    elif op == "swap":
        numbers = [(p, n) for p, n in nodes if isinstance(n, (int, float)) and not isinstance(n, bool) and p]
        if numbers:
            p, n = rng.choice(numbers)
            get_parent(doc, p)[p[-1]] = rng.choice([n * 1e6, n * 1e-6, -n, n + 1e-13, 1e20, 1e-300, 5e-324, 1e300])
    return doc


def mutate_bytes(data, rng):
    """One byte-level mutation: flips, inserts, deletes, duplicates, truncates, non-UTF-8, CRLF."""
    b = bytearray(data)
    op = rng.choice(["flip", "insert", "delete", "dup", "truncate", "utf8", "crlf", "zero"])
    n = len(b)
    if n == 0:
        return bytes(rng.randrange(256) for _ in range(8))
    i = rng.randrange(n)
    if op == "flip":
        for _ in range(rng.choice([1, 1, 2, 8])):
            j = rng.randrange(n)
            b[j] ^= 1 << rng.randrange(8)
    elif op == "insert":
        b[i:i] = rng.choice([b",", b"\n", b"\"", b"{", b"[", b"]", b"}", b"-", b"e999", b"\x00", b"\xff\xfe", b"1" * 400,
                             b"NaN", b",,,", b"\r\n"])
    elif op == "delete":
        del b[i:i + rng.choice([1, 2, 10, 100])]
    elif op == "dup":
        j = min(n, i + rng.choice([1, 10, 200, 5000]))
        b[i:i] = b[i:j]
    elif op == "truncate":
        b = b[:i]
    elif op == "utf8":
        b[i:i] = rng.choice([b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\xfe\xff"])
    elif op == "crlf":
        b = bytearray(bytes(b).replace(b"\n", b"\r\n"))
    elif op == "zero":
        b[i:i + 16] = b"\x00" * 16
    return bytes(b)


def mutate_document(doc, rng, refs=()):
    """Structured (usually) or byte-level mutations of a JSON document: returns the file's bytes."""
    doc = json.loads(json.dumps(doc))
    if rng.random() < 0.2:
        # Mild: numbers moved within a factor of two (mostly valid inputs, exercising the success path).
        numbers = [(p, n) for p, n in paths(doc) if isinstance(n, (int, float)) and not isinstance(n, bool) and p]
        for p, n in rng.sample(numbers, min(len(numbers), rng.choice([1, 2, 4]))):
            get_parent(doc, p)[p[-1]] = n * rng.uniform(0.5, 2) if isinstance(n, float) or rng.random() < 0.5 else n
        return dumps(doc).encode()
    if rng.random() < 0.75:
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            doc = mutate_json(doc, rng, refs) if isinstance(doc, (dict, list)) else doc
        text = dumps(doc).encode("utf-8", "surrogatepass")
        if rng.random() < 0.1:
            text = text[:rng.randrange(len(text) + 1)]
        return text
    data = dumps(doc).encode()
    for _ in range(rng.choice([1, 1, 2, 4])):
        data = mutate_bytes(data, rng)
    return data


def mutate_csv(data, rng):
    """Structured (rows, cells, numbers) or byte-level mutations of a CSV file."""
    if rng.random() < 0.4:
        return mutate_bytes(data, rng)
    lines = data.decode("utf-8", "replace").split("\n")
    op = rng.choice(["cell", "cell", "row-short", "row-long", "header", "time", "empty", "dup-header", "sort", "cut"])
    if len(lines) < 3:
        return data
    k = rng.randrange(1, len(lines) - 1)
    cells = lines[k].split(",")
    if op == "cell":
        j = rng.randrange(len(cells))
        cells[j] = str(rng.choice(["nan", "-nan", "inf", "-inf", "1e400", "", "x", "1e300", "-1e300", "5e-324", " 1", "1,2", "\"1\""]
                                  + [repr(v) for v in EXTREME_NUMBERS]))
        lines[k] = ",".join(cells)
    elif op == "row-short":
        lines[k] = ",".join(cells[:-1])
    elif op == "row-long":
        lines[k] = lines[k] + ",1"
    elif op == "header":
        h = lines[0].split(",")
        h[rng.randrange(len(h))] = rng.choice(["", "t_ms", "V_mV", "V", "a\"b", "x" * 200, "Ca"])
        lines[0] = ",".join(h)
    elif op == "time":
        t = cells[0]
        cells[0] = rng.choice(["0", "-1", "1e20", "1e-300", lines[k - 1].split(",")[0] if k > 1 else "0", str(float(t or 0) - 1)
                               if re.match(r"^-?[0-9.e+-]+$", t or "") else "0"])
        lines[k] = ",".join(cells)
    elif op == "empty":
        lines = lines[:1]
    elif op == "dup-header":
        lines.insert(k, lines[0])
    elif op == "sort":
        body = lines[1:-1]
        rng.shuffle(body)
        lines = [lines[0]] + body + [""]
    elif op == "cut":
        lines = lines[:k]
    return "\n".join(lines).encode()


# --------------------------------------------------------------------------------- command lines

def number_text(rng):
    return rng.choice(["1e20", "1e-300", "5e-324", "0", "-0", "-1", "nan", "inf", "-inf", "1e308", "1e-13", "2", "0.0015",
                       "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e9", "abc", "", "0x10", "1_000"])


OPTION_VALUES = {
    "--duration": number_text, "--dt-out": number_text, "--dt": number_text, "--rtol": number_text, "--atol": number_text,
    "--max-step": number_text, "--tau-g": number_text, "--tau-na": number_text, "--homeostasis": number_text,
    "--jobs": lambda r: r.choice(["0", "-1", "1", "2", "100000", "9223372036854775807", "x"]),
    "--cells": lambda r: r.choice(["0", "-1", "1", "2", "100000", "x"]),
    "--window": lambda r: r.choice(["0:100", "100:0", "1e20:1e21", "0:1e300", "nan:1", "-1e300:1e300", "5:5", "x", "0:5e-324", "1e-13:2e-13"]),
    "--event": lambda r: r.choice(["100:block:H", "100:block:Nope", "1e-13:current:1e9", "1e20:current:1", "nan:block:H", "-1:block:H",
                                   "100:current:nan", "100:ramp:1e300:200", "100:set:Na:-1e300", "100:ca-target:inf",
                                   "100:block:H:2", "100:block:H:nan", "0:current:1e9", "100:ramp:1:50", "100", "::", "100:set:Na"]),
    "--record": lambda r: r.choice(["gates", "currents", "gates,currents", "Na.m,I_KCa", "nosuch", ",,", "I_", "V", "homeostasis.Na.gbar"]),
    "--solver": lambda r: r.choice(["cvode-bdf", "cvode-adams", "exp-euler", "rk4", "euler", ""]),
    "--format": lambda r: r.choice(["csv", "nwb", "xml"]),
    "--window-x": lambda r: "1",
    "--shard": lambda r: r.choice(["0/1", "1/1", "0/0", "-1/2", "5/3", "0/9223372036854775807", "a/b"]),
    "--target": lambda r: r.choice(["gs=-8,gu=4", "gs=nan", "gs=1e300", "gs=-8,gs=2", "gx=1", "gs", ""]),
    "--at": lambda r: r.choice(["threshold", "-50", "1e300", "nan", "-200", "x"]),
    "--unknowns": lambda r: r.choice(["CaS,A", "Na", "Nope", "CaS,CaS", "", "Na,CaT,CaS,A,KCa,Kd,H"]),
    "--curve": lambda r: r.choice(["-80:0:1", "-80:0:5e-324", "-80:0:1e-300", "0:-80:1", "-1e300:1e300:1", "nan:0:1", "-80:0:0.0001"]),
    "--columns": lambda r: r.choice(["V_mV", "nosuch", "", ",", "V_mV,V_mV", "t_ms"]),
    "--column": lambda r: r.choice(["V_mV", "nosuch", "", "t_ms", "Ca"]),
    "--profile": lambda r: r.choice(["paper", "ganglion", "x"]),
    # (No `--out ../x`: a path on the command line is the user's to choose; files named inside inputs are confined.)
    "--out": lambda r: r.choice(["out/x.csv", "in", ".", "out/", "out/a/b/c.csv", "", "out/x.nwb", "in/t.csv", "in/e.json", "out/x.svg"]),
    "--count": lambda r: r.choice(["0", "1", "-1", "100000000", "x"]),
    "--seed": lambda r: r.choice(["0", "18446744073709551615", "18446744073709551616", "-1", "x"]),
    "--title": lambda r: r.choice(["a\nb", "<svg>", "x" * 1000, "&amp;"]),
}


def mutate_argv(argv, rng):
    """Mutations of a command line: extreme option values, unknown or repeated options, deletions."""
    argv = list(argv)
    for _ in range(rng.choice([1, 1, 2, 3])):
        op = rng.choice(["value", "value", "add", "add", "delete", "repeat", "garbage"])
        opts = [i for i, a in enumerate(argv) if a.startswith("--") and i + 1 < len(argv) and a in OPTION_VALUES]
        if op == "value" and opts:
            i = rng.choice(opts)
            argv[i + 1] = OPTION_VALUES[argv[i]](rng)
        elif op == "add":
            name = rng.choice(list(OPTION_VALUES))
            argv += [name, OPTION_VALUES[name](rng)]
        elif op == "delete" and len(argv) > 1:
            del argv[rng.randrange(1, len(argv))]
        elif op == "repeat" and opts:
            i = rng.choice(opts)
            argv += [argv[i], OPTION_VALUES[argv[i]](rng)]
        elif op == "garbage":
            argv.insert(rng.randrange(1, len(argv) + 1), rng.choice(["--", "-", "--json", "--plot", "--quiet", "--no-such", "\xff", "-x"]))
    return argv


# ----------------------------------------------------------------------------------------- cases

class Case:
    def __init__(self, index, kind, argv, files):
        self.index = index
        self.kind = kind
        self.argv = argv        # arguments after the tool
        self.files = files      # relative path -> bytes, written into the case folder before the run


def model_command(rng, model):
    c = rng.random()
    if c < 0.6:
        argv = ["simulate", model, "--duration", str(rng.choice([100, 300, 800, 1500])), "--out", rng.choice(["out/t.csv", "out/t.nwb"])]
        if rng.random() < 0.3:
            argv += ["--solver", rng.choice(["exp-euler", "rk4", "cvode-adams"])]
        if rng.random() < 0.3:
            argv += ["--record", rng.choice(["gates", "currents"])]
        if rng.random() < 0.2:
            argv += ["--homeostasis", "125"]
        if rng.random() < 0.2:
            argv += ["--plot"]
        if rng.random() < 0.2:
            argv += ["--json"]
        return argv
    if c < 0.8:
        return ["dics", model] + (["--curve", "-80:0:1", "--out", "out/c.csv"] if rng.random() < 0.5 else [])
    kind_da = "da" in model
    return ["compensate", model, "--unknowns", "CaL,CaN" if kind_da else "CaS,A", "--target", "gs=-8,gu=4", "--out", "out/m.json"]


def generate(index, seed, seeds):
    rng = random.Random("%d:%d" % (seed, index))
    kind = KINDS[index % len(KINDS)] if rng.random() < 0.8 else rng.choice(KINDS)
    files = {}
    # Every case can see the unmutated models and populations next to its input.
    base = {"in/" + n: d for n, d in list(seeds.models.items()) + list(seeds.populations.items())}
    refs = list(seeds.models) + list(seeds.populations)
    if kind == "model":
        name = rng.choice(sorted(seeds.models))
        doc = json.loads(seeds.models[name])
        files["in/m.json"] = mutate_document(doc, rng, refs)
        argv = model_command(rng, "in/m.json")
    elif kind == "experiment":
        name = rng.choice(sorted(seeds.experiments))
        doc = seeds.experiments[name]
        if rng.random() < 0.2:
            doc = dict(doc)
            doc.pop("cell", None)
            doc["population"] = "pop-stg.json"
        files["in/e.json"] = mutate_document(doc, rng, refs)
        argv = ["run", "in/e.json", "--out", "out/run", "--quiet", "--jobs", "1"]
        if "population" in doc and rng.random() < 0.8:
            argv += ["--cells", "2"]
        if rng.random() < 0.15:
            argv += ["--plot"]
        if rng.random() < 0.1:
            argv += ["--format", "nwb"]
    elif kind == "network":
        name = rng.choice(sorted(seeds.networks))
        files["in/n.json"] = mutate_document(seeds.networks[name], rng, refs)
        argv = ["network", "in/n.json", "--out", "out/net", "--quiet"]
        if rng.random() < 0.3:
            argv += ["--duration", "600"]
        if rng.random() < 0.15:
            argv += ["--plot"]
        if rng.random() < 0.1:
            argv += ["--json"]
    elif kind == "population":
        name = rng.choice(sorted(seeds.populations))
        files["in/p.json"] = mutate_document(json.loads(seeds.populations[name]), rng, refs)
        r = rng.random()
        if r < 0.6:
            argv = ["sweep", "in/p.json", "--duration", "400", "--out", "out/s.csv", "--jobs", "1", "--quiet"]
            if rng.random() < 0.2:
                argv += ["--target", "gs=-8,gu=4"] if "stg" in name else ["--target", "gs=0.5"]
        elif r < 0.8:
            files["in/e.json"] = dumps({"name": "pe", "population": "p.json", "duration_ms": 500}).encode()
            argv = ["run", "in/e.json", "--out", "out/run", "--quiet", "--jobs", "1"]
        else:
            argv = ["simulate", "in/p.json#%d" % rng.choice([0, 1, 2, 5]), "--duration", "300", "--out", "out/t.csv"]
    elif kind == "trace-csv":
        files["in/t.csv"] = mutate_csv(seeds.traces["trace.csv"], rng)
        argv = rng.choice([["analyze", "in/t.csv"], ["analyze", "in/t.csv", "--json"], ["plot", "in/t.csv", "--out", "out/t.svg"],
                           ["export", "in/t.csv", "--out", "out/t.nwb"], ["analyze", "in/t.csv", "--window", "100:900"],
                           ["plot", "in/t.csv", "--columns", "V_mV,Ca", "--out", "out/t.svg"]])
    elif kind == "table-csv":
        files["in/s0.csv"] = mutate_csv(seeds.tables["s0.csv"], rng)
        files["in/s1.csv"] = seeds.tables["s1.csv"] if rng.random() < 0.7 else mutate_csv(seeds.tables["s1.csv"], rng)
        argv = rng.choice([["merge", "in/s0.csv", "in/s1.csv", "--out", "out/m.csv"], ["plot", "in/s0.csv", "--out", "out/s.svg"]])
    elif kind == "nwb":
        data = seeds.nwb
        for _ in range(rng.choice([1, 1, 2, 5, 20])):
            data = mutate_bytes(data, rng) if rng.random() < 0.9 else data[:rng.randrange(len(data))]
        files["in/t.nwb"] = data
        argv = rng.choice([["analyze", "in/t.nwb"], ["analyze", "in/t.nwb", "--json"], ["plot", "in/t.nwb", "--out", "out/t.svg"]])
    else:  # cli: unmutated inputs, mutated command lines
        files["in/t.csv"] = seeds.traces["trace.csv"]
        files["in/e.json"] = dumps(seeds.experiments["h-blockade.json"]).encode()
        files["in/n.json"] = dumps(seeds.networks["hco.json"]).encode()
        base_argv = rng.choice([
            model_command(rng, "in/" + rng.choice(sorted(seeds.models))),
            model_command(rng, rng.choice(["stg-bursting", "stg-spiking", "da-bursting"])),
            ["run", "in/e.json", "--out", "out/run", "--quiet"],
            ["network", "in/n.json", "--out", "out/net", "--quiet", "--duration", "500"],
            ["sweep", "in/pop-stg.json", "--duration", "300", "--out", "out/s.csv", "--jobs", "1", "--quiet"],
            ["analyze", "in/t.csv"], ["plot", "in/t.csv", "--out", "out/t.svg"], ["export", "in/t.csv", "--out", "out/t.nwb"],
            ["population", "stg", "--count", "2", "--seed", "1", "--out", "out/p.json"],
        ])
        argv = mutate_argv(base_argv, rng)
    for k, v in base.items():
        files.setdefault(k, v)
    return Case(index, kind, argv, files)


# ------------------------------------------------------------------------------------ classifying

FATAL_PATTERNS = [b"Fatal error", b"fatal error:", b"Swift runtime failure", b"Stack dump", b"Illegal instruction",
                  b"Segmentation fault", b"Current stack trace", b"Trace/breakpoint trap", b"HDF5-DIAG"]
UNCLEAR_PATTERNS = [b"NSCocoaErrorDomain", b"Error Domain=", b"UserInfo=", b"NSUnderlyingError", b"Foundation.", b"CocoaError(",
                    b"DecodingError", b"Swift.", b"Optional(", b"HDF5-DIAG"]
SVG_NUMERIC = re.compile(rb'\s(?:x|y|x1|x2|y1|y2|cx|cy|r|width|height|points|d|transform|viewBox)="([^"]*)"')
NONFINITE_TEXT = re.compile(rb"(?<![A-Za-z_])[-+]?(?:nan|inf)(?![A-Za-z_])", re.I)


def reject_constant(name):
    raise ValueError("non-finite JSON number " + name)


def check_output_file(path):
    """None if the file is finite and consistent, else why not."""
    name = os.path.basename(path)
    try:
        data = open(path, "rb").read()
    except OSError as e:
        return "unreadable %s: %s" % (name, e)
    if data.startswith(b"\x89HDF"):
        return None   # NWB (HDF5): checked by reading it back, not here
    head = data.lstrip()[:4]
    if head.startswith(b"<svg"):
        name += ".svg"   # a figure written under another name (--out x.csv): checked as SVG
    elif head[:1] in (b"{", b"[") and ".csv" in name:
        name += ".json"   # a JSON file written under a CSV name (--out x.csv): checked as JSON
    if name.endswith(".svg"):
        pass
    elif name.endswith(".json") or name.endswith(".json.partial"):
        try:
            json.loads(data, parse_constant=reject_constant)
        except Exception as e:
            return "%s: %s" % (name, str(e)[:200])
    elif ".csv" in name:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            return "%s: not UTF-8 (%s)" % (name, e)
        rows = list(csv.reader(io.StringIO(text)))
        if not rows:
            return None
        width = len(rows[0])
        partial = name.endswith(".partial")
        for i, row in enumerate(rows[1:], 2):
            if len(row) != width and not (partial and i == len(rows)):
                return "%s line %d: %d fields, the header has %d" % (name, i, len(row), width)
            for cell in row:
                try:
                    v = float(cell)
                except ValueError:
                    continue
                if not math.isfinite(v):
                    return "%s line %d: non-finite value %r" % (name, i, cell)
    elif name.endswith(".svg"):
        for m in SVG_NUMERIC.finditer(data):
            if NONFINITE_TEXT.search(m.group(1)):
                return "%s: non-finite number in %r" % (name, m.group(0)[:120])
    return None


def snapshot(folder):
    out = set()
    for d, _, fs in os.walk(folder):
        for f in fs:
            out.add(os.path.join(d, f))
        out.add(d)
    return out


def run_case(case, tool, scratch, timeout):
    """Runs one case in scratch/<index>/a/b/work (inputs in work/in); returns (category, detail, result)."""
    top = os.path.join(scratch, str(case.index))
    work = os.path.join(top, "a", "b", "work")
    os.makedirs(work)
    for rel, data in case.files.items():
        p = os.path.join(work, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    before = snapshot(top)
    start = time.time()
    p = subprocess.Popen([tool] + case.argv, cwd=work, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    category = None
    detail = ""
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            out, err = p.communicate(timeout=1.5)
            category, detail = "hang", "still running after %g s (stopped by SIGTERM)" % timeout
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            category, detail = "hang-unkillable", "still running after %g s and ignored SIGTERM for 1.5 s" % timeout
    elapsed = time.time() - start
    rc = p.returncode
    if category is None:
        if rc < 0:
            category, detail = "crash", "killed by signal %d" % -rc
        elif any(x in err for x in FATAL_PATTERNS) or rc in (132, 133, 134, 139):
            line = next((l for l in err.splitlines() if any(x in l for x in FATAL_PATTERNS)), err[:200])
            category, detail = "crash", line.decode(errors="replace")[:300]
        elif rc != 0:
            lines = [l for l in err.decode(errors="replace").splitlines() if l.strip()]
            proper = any(l.lower().startswith("error:") for l in lines)
            raw = next((x for x in UNCLEAR_PATTERNS if x in err), None)
            if not proper:
                category, detail = "unclear-error", "exit %d without an 'error:' line: %r" % (rc, err[:300].decode(errors="replace"))
            elif raw is not None:
                category, detail = "unclear-error", "raw dump (%s): %r" % (raw.decode(), err[:300].decode(errors="replace"))
            elif len(err) > 6000:
                category, detail = "unclear-error", "an error of %d bytes" % len(err)
            else:
                category, detail = "clean-error", lines[-1][:200] if lines else ""
        else:
            category = "success"
    if category in GOOD:
        after = snapshot(top)
        escaped = sorted(x for x in after - before if not (x == work or x.startswith(work + os.sep)))
        if escaped:
            category, detail = "escaped", "wrote outside its folder: " + ", ".join(os.path.relpath(x, top) for x in escaped[:5])
    if category in GOOD:
        for d, _, fs in os.walk(work):
            if os.path.relpath(d, work).split(os.sep)[0] == "in" and not any(f not in case.files for f in fs):
                pass
            for f in fs:
                path = os.path.join(d, f)
                rel = os.path.relpath(path, work)
                if rel in case.files:
                    continue
                why = check_output_file(path)
                if why:
                    category, detail = "bad-output", why
                    break
            if category == "bad-output":
                break
        if category == "success" and "--json" in case.argv:
            try:
                json.loads(out, parse_constant=reject_constant)
            except Exception as e:
                category, detail = "bad-output", "stdout (--json): %s" % str(e)[:200]
    return category, detail, elapsed, rc, out, err


def write_reproducer(case, category, detail, rc, out, err, folder):
    d = os.path.join(folder, "repro", category, "%s-%d" % (case.kind, case.index))
    os.makedirs(d, exist_ok=True)
    for rel, data in case.files.items():
        if rel.startswith("in/") and os.path.basename(rel) in ("stg-spiking.json", "stg-bursting.json", "stg-doc-800.json",
                                                                "da-spiking.json", "da-bursting.json", "pop-stg.json", "pop-da.json") \
                and rel not in ("in/m.json", "in/p.json"):
            pass
        p = os.path.join(d, "work", rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    with open(os.path.join(d, "command.sh"), "w") as f:
        f.write("#!/bin/sh\n# %s: %s\n# exit status %s\ncd \"$(dirname \"$0\")/work\" && exec \"${GANGLION:-ganglion}\" %s\n"
                % (category, detail.replace("\n", " "), rc, " ".join(shell_quote(a) for a in case.argv)))
    with open(os.path.join(d, "stderr.txt"), "wb") as f:
        f.write(err[:100000])
    with open(os.path.join(d, "stdout.txt"), "wb") as f:
        f.write(out[:100000])


def shell_quote(a):
    if re.match(r"^[A-Za-z0-9_./:=,#+-]+$", a):
        return a
    return "'" + a.replace("'", "'\\''") + "'"


# ------------------------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=500, help="number of generated cases (default 500)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the generator; the same seed gives the same cases")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cases run at a time")
    ap.add_argument("--out", default=None, help="folder for reproducers of failures (default: a new temporary folder)")
    ap.add_argument("--timeout", type=float, default=20, help="seconds per case before it counts as a hang (default 20)")
    ap.add_argument("--ganglion", default=os.path.join(ROOT, ".build/release/ganglion"), help="the tool to test")
    ap.add_argument("--first", type=int, default=0, help="index of the first case (to rerun one: --first I --cases 1)")
    ap.add_argument("--verbose", action="store_true", help="print every case's outcome")
    a = ap.parse_args()
    tool = os.path.abspath(a.ganglion)
    if not os.access(tool, os.X_OK):
        sys.exit("fuzz: %s: not an executable (swift build -c release first)" % tool)
    out = os.path.abspath(a.out) if a.out else tempfile.mkdtemp(prefix="ganglion-fuzz-out-")
    os.makedirs(out, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="ganglion-fuzz-")
    started = time.time()
    try:
        seeds = Seeds(tool, os.path.join(scratch, "seeds"))
        cases_dir = os.path.join(scratch, "cases")
        os.makedirs(cases_dir)
        counts = {}
        failures = []
        slowest = []

        def one(i):
            case = generate(i, a.seed, seeds)
            try:
                category, detail, elapsed, rc, so, se = run_case(case, tool, cases_dir, a.timeout)
            finally:
                shutil.rmtree(os.path.join(cases_dir, str(i)), ignore_errors=True)
            return case, category, detail, elapsed, rc, so, se

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
            for case, category, detail, elapsed, rc, so, se in pool.map(one, range(a.first, a.first + a.cases)):
                counts[(category, case.kind)] = counts.get((category, case.kind), 0) + 1
                slowest.append((elapsed, case.index, case.kind))
                if a.verbose:
                    print("%6d %-11s %-15s %6.2fs %s" % (case.index, case.kind, category, elapsed, detail[:150]), flush=True)
                if category not in GOOD:
                    failures.append((case, category, detail))
                    write_reproducer(case, category, detail, rc, so, se, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    wall = time.time() - started
    kinds = [k for k in KINDS if any(c[1] == k for c in counts)]
    print("\n%-16s" % "outcome" + "".join("%11s" % k for k in kinds) + "%9s" % "total")
    for cat in CATEGORIES:
        row = [counts.get((cat, k), 0) for k in kinds]
        print("%-16s" % cat + "".join("%11d" % v for v in row) + "%9d" % sum(row))
    print("%-16s" % "total" + "".join("%11d" % sum(counts.get((c, k), 0) for c in CATEGORIES) for k in kinds)
          + "%9d" % sum(counts.values()))
    slowest.sort(reverse=True)
    print("\n%d cases (seed %d, first %d) in %.1f s; slowest: %s" % (a.cases, a.seed, a.first, wall,
          ", ".join("#%d %s %.1fs" % (i, k, t) for t, i, k in slowest[:3])))
    if failures:
        print("\n%d failure(s); reproducers in %s/repro (run command.sh with GANGLION=%s):" % (len(failures), out, tool))
        for case, category, detail in failures[:40]:
            print("  #%d %s %s: %s" % (case.index, case.kind, category, detail[:160]))
        sys.exit(1)
    print("no crash, hang, unclear error, bad output or escaped write")


if __name__ == "__main__":
    main()
