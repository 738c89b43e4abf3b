#!/usr/bin/env python3
"""Draws Docs/images/stg-bursting.svg (the README's picture) from out/stg-bursting.csv, the trace of
`.build/release/ganglion simulate stg-bursting --duration 15000 --out out/stg-bursting.csv`.
Standard library only. Usage: python3 scripts/readme-figure.py"""
import csv

rows = [(float(r[0]), float(r[1])) for i, r in enumerate(csv.reader(open("out/stg-bursting.csv"))) if i > 0]
rows = [r for r in rows if 3000 <= r[0] <= 3600]
W, H = 800, 260
x0, x1, v0, v1 = 3000, 3600, -80, 40
X = lambda t: 50 + (t - x0) / (x1 - x0) * (W - 70)
Y = lambda v: 20 + (v1 - v) / (v1 - v0) * (H - 60)
pts = " ".join(f"{X(t):.1f},{Y(v):.1f}" for t, v in rows)
svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
       f'font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n'
       f'<text x="{W/2}" y="14" text-anchor="middle">stg-bursting, CVODE BDF: membrane potential, 3.0–3.6 s</text>\n'
       f'<polyline fill="none" stroke="#1f4e9a" stroke-width="1" points="{pts}"/>\n'
       f'<line x1="50" y1="{Y(v0)}" x2="{W-20}" y2="{Y(v0)}" stroke="black"/>\n'
       f'<line x1="50" y1="{Y(v0)}" x2="50" y2="{Y(v1)}" stroke="black"/>\n')
svg += "".join(f'<line x1="50" x2="45" y1="{Y(v)}" y2="{Y(v)}" stroke="black"/>'
               f'<text x="42" y="{Y(v)+4}" text-anchor="end">{v}</text>' for v in (-80, -40, 0, 40))
svg += "".join(f'<line y1="{Y(v0)}" y2="{Y(v0)+5}" x1="{X(t)}" x2="{X(t)}" stroke="black"/>'
               f'<text y="{Y(v0)+18}" x="{X(t)}" text-anchor="middle">{t}</text>' for t in range(3000, 3601, 100))
svg += (f'<text x="{W/2}" y="{H-8}" text-anchor="middle">t (ms)</text>'
        f'<text transform="translate(14,{H/2-10}) rotate(-90)" text-anchor="middle">V (mV)</text></svg>\n')
open("Docs/images/stg-bursting.svg", "w").write(svg)
