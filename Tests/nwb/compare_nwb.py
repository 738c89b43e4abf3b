#!/usr/bin/env python3
"""Compares the series of two NWB files with h5py: every object under /acquisition (groups, datasets, soft
links), the datasets' values bit for bit, shapes and types, and every attribute but object_id. Prints one JSON
object: {"differences": [...], "datasets": N}; exits 0 even when they differ (the caller asserts).

usage: compare_nwb.py A.nwb B.nwb
"""
import json
import sys

import h5py
import numpy as np


def attributes(obj):
    return {k: obj.attrs[k] for k in obj.attrs.keys() if k != "object_id"}


def same(a, b):
    if isinstance(a, bytes):
        a = a.decode()
    if isinstance(b, bytes):
        b = b.decode()
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


def main(a_path, b_path):
    differences, count = [], 0
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        def visit(path):
            nonlocal count
            la = a.get(path, getlink=True)
            lb = b.get(path, getlink=True)
            if type(la) is not type(lb):
                differences.append(f"{path}: link {type(la).__name__} vs {type(lb).__name__}")
                return
            if isinstance(la, h5py.SoftLink):
                if la.path != lb.path:
                    differences.append(f"{path}: soft link to {la.path} vs {lb.path}")
                return
            oa, ob = a[path], b[path]
            aa, ab = attributes(oa), attributes(ob)
            if set(aa) != set(ab):
                differences.append(f"{path}: attributes {sorted(aa)} vs {sorted(ab)}")
            for k in set(aa) & set(ab):
                if not same(aa[k], ab[k]):
                    differences.append(f"{path}@{k}: {aa[k]!r} vs {ab[k]!r}")
            if isinstance(oa, h5py.Dataset):
                count += 1
                if oa.shape != ob.shape or oa.dtype != ob.dtype:
                    differences.append(f"{path}: shape {oa.shape} {oa.dtype} vs {ob.shape} {ob.dtype}")
                elif not np.array_equal(oa[()], ob[()]):
                    va, vb = np.asarray(oa[()]), np.asarray(ob[()])
                    differences.append(f"{path}: values differ (first at {int(np.argmax(va != vb)) if va.ndim else 0})")
                return
            if set(oa.keys()) != set(ob.keys()):
                differences.append(f"{path}: members {sorted(oa.keys())} vs {sorted(ob.keys())}")
            for k in sorted(set(oa.keys()) & set(ob.keys())):
                visit(path + "/" + k)
        visit("/acquisition")
    print(json.dumps({"differences": differences, "datasets": count}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
