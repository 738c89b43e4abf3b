import Foundation
import GanglionCore

/// A spike raster of a network trace: one row per cell, a tick per spike (Docs/science/analysis.md §1: crossing +10 mV),
/// burst onsets drawn taller, and each cell's mean phase in the reference cell's cycle at the right.
public enum RasterPlot {
    /// Builds the raster from a trace with `<cell>.V_mV` columns. `phases` (cell → mean phase, fraction of a
    /// cycle) and `onsets` (cell → burst onset times, ms) annotate it when given.
    public static func svg(csv path: String, title: String, phases: [String: Double] = [:], onsets: [String: [Double]] = [:],
                           reference: String? = nil) throws(IOError) -> String {
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
        let left = 78.0, right = 120.0, top = 34.0, row = 30.0, width = 960.0
        let plotWidth = width - left - right
        let height = top + Double(cells.count) * row + 46
        func px(_ t: Double) -> Double { left + (t - t0) / (t1 - t0) * plotWidth }
        func f(_ x: Double) -> String { x.isFinite ? String(format: "%.1f", x) : "0" }   // never nan or inf in the SVG
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(width / 2))" y="20" text-anchor="middle" font-size="14">\(SVGFigure.escape(title))</text>
        <text x="\(f(width - right + 8))" y="\(f(top - 6))" font-size="11">phase\(reference.map { " (vs \(SVGFigure.escape($0)))" } ?? "")</text>

        """
        for (k, c) in cells.enumerated() {
            let y = top + Double(k) * row
            let name = SVGFigure.escape(c.1)
            out += "<g class=\"row\" data-cell=\"\(name)\" data-spikes=\"\(detectors[k].spikeTimes.count)\">\n"
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(y + row / 2 + 4))\" text-anchor=\"end\">\(name)</text>\n"
            var d = ""
            for t in detectors[k].spikeTimes { d += "M\(f(px(t))),\(f(y + 9))V\(f(y + row - 9))" }
            out += "<path class=\"spikes\" d=\"\(d)\" stroke=\"#1f4e79\" stroke-width=\"0.8\"/>\n"
            var b = ""
            for t in onsets[c.1] ?? [] where t >= t0 && t <= t1 { b += "M\(f(px(t))),\(f(y + 3))V\(f(y + row - 3))" }
            if !b.isEmpty { out += "<path class=\"onsets\" d=\"\(b)\" stroke=\"#c0392b\" stroke-width=\"1.6\"/>\n" }
            if let p = phases[c.1] {
                out += "<text x=\"\(f(width - right + 8))\" y=\"\(f(y + row / 2 + 4))\">\(String(format: "%.2f (%.0f°)", p, 360 * p))</text>\n"
            }
            out += "</g>\n"
        }
        let axisY = top + Double(cells.count) * row
        out += "<line x1=\"\(f(left))\" y1=\"\(f(axisY))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(axisY))\" stroke=\"#444\"/>\n"
        for t in SVGFigure.ticks((t0 / 1000)...(t1 / 1000), log: false) {
            out += "<line x1=\"\(f(px(t * 1000)))\" y1=\"\(f(axisY))\" x2=\"\(f(px(t * 1000)))\" y2=\"\(f(axisY + 4))\" stroke=\"#444\"/>"
            out += "<text x=\"\(f(px(t * 1000)))\" y=\"\(f(axisY + 17))\" text-anchor=\"middle\">\(SVGFigure.label(t))</text>\n"
        }
        out += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">time (s); red: burst onsets</text>\n</svg>\n"
        return out
    }
}
