#!/usr/bin/env bash
# The main job: set up, build in release, and run the default experiment — the spiking STG neuron under
# calcium homeostasis for 300 s of simulated time (examples/homeostasis-300s.json). It writes
# out/homeostasis-300s/summary.json (firing per minute, snapshots, conductances), trace.csv (the last 5 s)
# and conductances.csv (every second, with the 5 s calcium moving average).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release
.build/release/ganglion run examples/homeostasis-300s.json --out out/homeostasis-300s --plot "$@"
