import Foundation
import GanglionCore

/// A spike raster of a network trace: one row per cell, a tick per spike (Docs/science/analysis.md §1: crossing +10 mV),
/// each cell in its own colour, burst onsets drawn taller in black, and each cell's mean phase in the reference cell's cycle at the right.
public enum RasterPlot {
    /// Builds the raster from a trace with `<cell>.V_mV` columns. `phases` (cell → mean phase, fraction of a
    /// cycle) and `onsets` (cell → burst onset times, ms) annotate it when given.
    public static func svg(csv path: String, title: String, phases: [String: Double] = [:], onsets: [String: [Double]] = [:],
                           reference: String? = nil, style: FigureStyle = FigureStyle()) throws(IOError) -> String {
        let names = try CSVTable.header(path)
        let tIndex = names.firstIndex(of: "t_ms") ?? 0
        let cells = names.enumerated().filter { $0.element.hasSuffix(".V_mV") }.map { ($0.offset, String($0.element.dropLast(5))) }
        guard !cells.isEmpty else { throw IOError(file: path, message: "no <cell>.V_mV columns: not a network trace") }
        var detectors = Array(repeating: SpikeDetector(), count: cells.count)
        var first: Double?, last = 0.0
        var needed = Array(repeating: false, count: names.count)
        needed[tIndex] = true
        for c in cells { needed[c.0] = true }
        try CSVTable.rows(path, count: names.count, needed: needed) { v in
            let t = v[tIndex]
            if first == nil { first = t }
            last = t
            for (k, c) in cells.enumerated() { detectors[k].observe(t: t, V: v[c.0]) }
        }
        guard let t0 = first else { throw IOError(file: path, message: "no data rows") }
        let t1 = max(last, t0 + 1e-9)
        let k0 = style.scale, fs = style.fontSize
        let width = style.width ?? 960.0 * k0
        let left = 84.0 * k0, right = 120.0 * k0, top = 40.0 * k0 + style.titleExtra(title, width: width)
        let row = style.height.map { max(($0 - top - 48 * k0) / Double(cells.count), 8) } ?? 30.0 * k0
        let plotWidth = width - left - right
        let height = style.height ?? top + Double(cells.count) * row + 48 * k0
        let axis = Axis(range: (t0 / 1000)...(t1 / 1000), log: false, widen: false)
        func px(_ t: Double) -> Double { left + (t - t0) / (t1 - t0) * plotWidth }
        func f(_ x: Double) -> String { SVGFigure.format(x) }   // never nan or inf in the SVG
        var out = style.open(width: width, height: height, title: title)
        out += "<text x=\"\(f(width - right + 8 * k0))\" y=\"\(f(top - 6 * k0))\" font-size=\"\(f(fs * 0.9))\">mean phase\(reference.map { " (vs \(SVGFigure.escape($0)))" } ?? "")</text>\n"
        for (k, c) in cells.enumerated() {
            let y = top + Double(k) * row
            let name = SVGFigure.escape(c.1)
            let color = SVGFigure.palette[k % SVGFigure.palette.count]
            out += "<g class=\"row\" data-cell=\"\(name)\" data-spikes=\"\(detectors[k].spikeTimes.count)\">\n"
            out += "<text x=\"\(f(left - 8 * k0))\" y=\"\(f(y + row / 2 + fs / 3))\" text-anchor=\"end\" fill=\"\(color)\">\(name)</text>\n"
            var d = ""
            for t in detectors[k].spikeTimes { d += "M\(f(px(t))),\(f(y + 0.3 * row))V\(f(y + 0.7 * row))" }
            out += "<path class=\"spikes\" d=\"\(d)\" stroke=\"\(color)\" stroke-width=\"0.8\"/>\n"
            var b = ""
            for t in onsets[c.1] ?? [] where t >= t0 && t <= t1 { b += "M\(f(px(t))),\(f(y + 0.08 * row))V\(f(y + 0.92 * row))" }
            if !b.isEmpty { out += "<path class=\"onsets\" d=\"\(b)\" stroke=\"#222\" stroke-width=\"1.6\"/>\n" }
            if let p = phases[c.1] {
                out += "<text class=\"phase\" x=\"\(f(width - right + 8 * k0))\" y=\"\(f(y + row / 2 + fs / 3))\">\(String(format: "%.2f (%.0f°)", p, 360 * p))</text>\n"
            }
            out += "</g>\n"
        }
        let axisY = top + Double(cells.count) * row
        out += "<line x1=\"\(f(left))\" y1=\"\(f(axisY))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(axisY))\" stroke=\"#444\"/>\n"
        for t in axis.ticks {
            out += "<line x1=\"\(f(px(t * 1000)))\" y1=\"\(f(axisY))\" x2=\"\(f(px(t * 1000)))\" y2=\"\(f(axisY + 4 * k0))\" stroke=\"#444\"/>"
            out += "<text class=\"xtick\" x=\"\(f(px(t * 1000)))\" y=\"\(f(axisY + 6 * k0 + fs))\" text-anchor=\"middle\">\(axis.label(t))</text>\n"
        }
        out += "<text class=\"xlabel\" x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 10 * k0))\" text-anchor=\"middle\">time (s); short ticks: spikes; tall black ticks: burst onsets</text>\n</svg>\n"
        return out
    }

    /// The phases, burst onsets and reference cell of a network run's summary object (`summary.json`), from the
    /// analysis window that overlaps `span` (ms) most (nil: the last window).
    public static func annotations(summary o: [String: Any], span: ClosedRange<Double>? = nil)
        -> (phases: [String: Double], onsets: [String: [Double]], reference: String?) {
        let windows = o["windows"] as? [[String: Any]] ?? []
        func overlap(_ w: [String: Any]) -> Double {
            guard let span, let r = w["window_ms"] as? [Double], r.count == 2 else { return 0 }
            return max(0, min(r[1], span.upperBound) - max(r[0], span.lowerBound))
        }
        guard let best = span == nil ? windows.last : windows.max(by: { overlap($0) < overlap($1) }) else { return ([:], [:], nil) }
        var phases: [String: Double] = [:], onsets: [String: [Double]] = [:]
        for c in best["cells"] as? [[String: Any]] ?? [] {
            guard let name = c["name"] as? String else { continue }
            if let p = FigureContext.number(c["mean_phase"]) { phases[name] = p }
            onsets[name] = c["burst_onsets_ms"] as? [Double] ?? []
        }
        return (phases, onsets, o["reference_cell"] as? String)
    }
}
