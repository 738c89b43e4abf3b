#!/usr/bin/env bash
# Regenerates every figure of Docs/images/ from the runs that make them (Docs/plots.md, "The documentation's
# figures"). About 10 minutes on 2 cores; the runs go to out/figures/ (started afresh each time).
# Usage: bash scripts/figures.sh            (from anywhere; builds nothing: run `swift build -c release` first)
#        FIGURES_FORMAT=png bash scripts/figures.sh   also writes a PNG of every figure next to it (needs rsvg-convert)
set -euo pipefail
cd "$(dirname "$0")/.."
G=.build/release/ganglion
[ -x "$G" ] || { echo "figures: build first (swift build -c release)" >&2; exit 1; }
OUT=out/figures
IMG=Docs/images
rm -rf "$OUT"
mkdir -p "$OUT" "$IMG"
plot() { "$G" plot --force "$@" >/dev/null; }
run() { echo "figures: $*" >&2; "$G" "$@" >/dev/null; }

# The README's picture: the bursting STG cell, 3.0–3.6 s.
run simulate stg-bursting --duration 15000 --out "$OUT/stg-bursting.csv"
plot "$OUT/stg-bursting.csv" --columns V_mV --window 3000:3600 --size 800x280 \
    --title "stg-bursting: membrane potential, 3.0–3.6 s (CVODE BDF)" --out "$IMG/stg-bursting.svg"

# Dynamic input conductances of the spiking STG cell, with the paper's bursting targets.
run dics stg-spiking --curve -80:-30:0.25 --out "$OUT/stg-spiking-dics.csv" --plot --target gs=-8,gu=4
cp "$OUT/stg-spiking-dics.svg" "$IMG/stg-spiking-dics.svg"

# Fig. 2: the V2 cell, controlled.
run run examples/paper/v2-controlled.json --profile paper --out "$OUT/v2-controlled"
plot "$OUT/v2-controlled/trace.csv" --window 148000:154000 --size 960x400 --out "$IMG/paper-v2-controlled-trace.svg"
plot "$OUT/v2-controlled/conductances.csv" --out "$IMG/paper-v2-controlled-conductances.svg"

# Fig. 2/3: the controlled population; Fig. 3: sharp neuromodulation.
for e in controlled sharp; do
    run run "examples/paper/$e.json" --cells 20 --profile paper --out "$OUT/$e"
    plot "$OUT/$e" --out "$IMG/paper-$e-population.svg"
    plot "$OUT/$e" --kind violin --out "$IMG/paper-$e-violin.svg"
    plot "$OUT/$e" --kind trajectories --pair A,CaS --out "$IMG/paper-$e-trajectories.svg"
    plot "$OUT/$e/cells/0/conductances.csv" --out "$IMG/paper-$e-cell0-conductances.svg"
done

# Fig. 5: KCa blockade; supplementary: the dopaminergic population.
run run examples/paper/blockade-KCa.json --cells 10 --profile paper --out "$OUT/blockade-KCa"
plot "$OUT/blockade-KCa" --out "$IMG/paper-blockade-KCa-population.svg"
run run examples/paper/da-controlled.json --cells 10 --profile paper --out "$OUT/da-controlled"
plot "$OUT/da-controlled" --out "$IMG/paper-da-population.svg"

# Networks: the half-center oscillator, and the five-cell circuit (Fig. 6).
run network examples/networks/hco.json --out "$OUT/hco"
plot "$OUT/hco/trace.csv" --window 25000:30000 --size 960x400 --title "hco: half-center oscillator, membrane potential, 25–30 s" \
    --out "$IMG/hco-trace.svg"
run network examples/networks/five-cell-controlled.json --profile paper --out "$OUT/five-cell-controlled" --plot
plot "$OUT/five-cell-controlled/trace.csv" --window 140000:150000 \
    --title "five-cell-controlled (paper profile): membrane potential, 140–150 s" --out "$IMG/five-cell-controlled-paper-trace.svg"
cp "$OUT/five-cell-controlled/conductances.svg" "$IMG/five-cell-controlled-paper-conductances.svg"   # with the event marked
plot "$OUT/five-cell-controlled/trace.csv" --kind raster --out "$IMG/five-cell-controlled-paper-raster.svg"

# The explorer's screenshot (Debian's headless Chromium and selenium, from `bash scripts/setup.sh --test`).
if [ -x .venv/bin/python ] && .venv/bin/python -c "import selenium" 2>/dev/null && [ -x /usr/bin/chromium ]; then
    echo "figures: explore (screenshot)" >&2
    .venv/bin/python scripts/explore-screenshot.py "$IMG/explore.png"
else
    echo "figures: explore.png left as it is (needs bash scripts/setup.sh --test for Chromium and selenium)" >&2
fi

if [ "${FIGURES_FORMAT:-svg}" != svg ]; then
    for f in "$IMG"/*.svg; do rsvg-convert -f "$FIGURES_FORMAT" -o "${f%.svg}.$FIGURES_FORMAT" "$f"; done
fi
rm -f "$IMG/.ganglion-outputs"   # the figures are the repository's files, not a run's outputs
echo "figures: wrote $(ls "$IMG"/*.svg | wc -l) figures in $IMG" >&2
