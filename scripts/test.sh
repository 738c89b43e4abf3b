#!/usr/bin/env bash
# Set up, build in release (the tests run the built `ganglion` tool too) and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
swift build -c release
swift test -c release
