#!/usr/bin/env python3
"""Reads a Ganglion NWB file back with pynwb, compares it with the CSV trace it came from, and runs the
NWB validator and nwbinspector. Prints one JSON object; exits 0 even when checks fail (the caller asserts).

usage: check_nwb.py FILE.nwb TRACE.csv
"""
import json
import sys

import numpy as np
import pynwb
from pynwb import NWBHDF5IO


def main(nwb_path, csv_path):
    out = {"pynwb": pynwb.__version__}
    table = np.genfromtxt(csv_path, delimiter=",", names=True, dtype=float, deletechars="")
    names = list(table.dtype.names)
    t_s = table["t_ms"] / 1000.0
    with NWBHDF5IO(nwb_path, "r") as io:
        nwb = io.read()
        out["session_description"] = nwb.session_description
        out["session_start_time_has_tz"] = nwb.session_start_time.tzinfo is not None
        out["notes"] = nwb.notes
        out["protocol"] = nwb.protocol
        out["data_collection"] = nwb.data_collection
        out["source_script"] = nwb.source_script
        series = {}
        for name, ts in nwb.acquisition.items():
            data = np.asarray(ts.data[:])
            times = np.asarray(ts.get_timestamps())
            entry = {"unit": ts.unit, "conversion": ts.conversion, "n": int(data.size),
                     "rate": ts.rate, "has_timestamps": ts.timestamps is not None,
                     "description": ts.description}
            # The column the series came from is named in its comments: "ganglion-column: X".
            column = ts.comments.split("ganglion-column: ", 1)[1] if ts.comments.startswith("ganglion-column: ") else ts.name
            entry["column"] = column
            if column in names:
                expected = table[column]
                entry["max_abs_data_error"] = float(np.max(np.abs(data - expected))) if data.size == expected.size else None
                # The CSV holds 10 significant digits, the NWB file the values as computed: relative to the CSV's value
                # (a CSV zero is an exact zero).
                if data.size == expected.size:
                    nonzero = expected != 0
                    rel = np.abs(data[nonzero] - expected[nonzero]) / np.abs(expected[nonzero])
                    entry["max_rel_data_error"] = float(np.max(rel)) if rel.size else 0.0
                    entry["zeros_exact"] = bool(np.all(data[~nonzero] == 0))
                entry["max_abs_time_error_s"] = float(np.max(np.abs(times - t_s))) if times.size == t_s.size else None
                entry["si_first"] = float(data[0] * ts.conversion)
            series[name] = entry
        out["series"] = series
    result = pynwb.validate(path=nwb_path)
    errors = result[0] if isinstance(result, tuple) else result
    out["validation_errors"] = [str(e) for e in errors]
    from nwbinspector import inspect_nwbfile
    messages = list(inspect_nwbfile(nwbfile_path=nwb_path))
    out["inspector"] = [{"importance": m.importance.name, "check": m.check_function_name, "message": m.message,
                         "location": m.location} for m in messages]
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
