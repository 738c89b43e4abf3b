#!/usr/bin/env bash
# Installs what Ganglion needs beyond the Swift toolchain: SUNDIALS CVODE (Debian libsundials-dev), the
# HDF5 C library for NWB export (libhdf5-dev) and librsvg's rsvg-convert, which renders figures as PNG and
# PDF (librsvg2-bin). With --test, also what the tests need: a Python virtual
# environment in .venv with pynwb and nwbinspector (from PyPI), which read the NWB files back, and pyNeuroML
# (from PyPI), whose jNeuroML — the reference NeuroML simulator — the NeuroML import is checked against; it
# runs on Java 17 (Debian's default-jre-headless, installed when `java` is missing). It also installs the
# Python package in python/ (`pip install ./python`, with numpy, pandas and xarray) and what its tests need:
# pytest, and nbclient, ipykernel and matplotlib, which run the notebooks in examples/notebooks/. For the
# browser test of `ganglion explore` (python/tests/test_explore.py): Debian's chromium and chromium-driver
# (headless Chromium and its WebDriver), and selenium (from PyPI), which drives them.
# Safe to run repeatedly: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in libsundials-dev libhdf5-dev librsvg2-bin; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${1:-}" = "--test" ] && ! command -v python3 >/dev/null; then missing+=(python3 python3-venv); fi
if [ "${1:-}" = "--test" ] && ! command -v java >/dev/null; then missing+=(default-jre-headless); fi
if [ "${1:-}" = "--test" ]; then
    for p in chromium chromium-driver; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]} (a minute or two)..." >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: the Swift 6 toolchain (swift) is not on PATH" >&2; exit 1; }

if [ "${1:-}" = "--test" ]; then
    # Pinned: the NWB round-trip test reads Ganglion's files back with pynwb and nwbinspector; the NeuroML
    # import test runs jNeuroML from pyNeuroML.
    if ! .venv/bin/python3 -c "import pynwb, nwbinspector, pyneuroml" >/dev/null 2>&1; then
        echo "setup: installing pynwb, nwbinspector and pyNeuroML into .venv (about a minute)..." >&2
        if ! python3 -m venv .venv >/dev/null 2>&1; then
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
            python3 -m venv .venv
        fi
        .venv/bin/python3 -m pip install --quiet --disable-pip-version-check "pynwb==4.2.0" "nwbinspector==0.7.2" "pyNeuroML==1.3.22"
    fi
    # Pinned: the Python package's tests (python/tests) and the notebooks they run.
    if ! .venv/bin/python3 -c "import ganglion, numpy, pandas, xarray, pytest, nbclient, ipykernel, matplotlib" >/dev/null 2>&1; then
        echo "setup: installing the ganglion Python package, pytest, nbclient, ipykernel and matplotlib into .venv (about a minute)..." >&2
        .venv/bin/python3 -m pip install --quiet --disable-pip-version-check ./python "numpy==2.4.6" "pandas==3.1.2" \
            "xarray==2026.9.0" "pytest==9.2.0" "nbclient==0.11.0" "ipykernel==7.4.0" "matplotlib==3.11.2"
    fi
    # Pinned: the browser test of `ganglion explore` drives Debian's chromium through chromedriver with selenium.
    if ! .venv/bin/python3 -c "import selenium" >/dev/null 2>&1; then
        echo "setup: installing selenium into .venv..." >&2
        .venv/bin/python3 -m pip install --quiet --disable-pip-version-check "selenium==4.50.0"
    fi
fi
