#!/usr/bin/env bash
# Set up, build in release (the tests run the built `ganglion` tool too) and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
swift build -c release
swift test -c release
# The Python package against this build (its source here, not an older installed copy), the notebooks, and
# `ganglion explore` in headless Chromium (python/tests/test_explore.py; screenshot in .build/test-artifacts/).
GANGLION_EXECUTABLE="$PWD/.build/release/ganglion" PYTHONPATH="$PWD/python/src" .venv/bin/python -m pytest -q python/tests
# A fixed sample of generated inputs (Docs/testing.md): no crash, hang, unclear error or non-finite output.
python3 Tests/fuzz/fuzz.py --cases 500 --seed 1 --jobs 2 --timeout 20
