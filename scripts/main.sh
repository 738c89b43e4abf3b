#!/usr/bin/env bash
# The main job: set up, build in release, simulate the bursting STG neuron for 15 s,
# write its voltage trace to out/stg-bursting.csv and print its firing summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release
.build/release/ganglion simulate models/stg/stg-bursting.json --duration 15000 --out out/stg-bursting.csv "$@"
