import Foundation

/// One line of a panel: (x, y) points in data units.
public struct PlotSeries: Sendable {
    /// The line's name, shown in the legend when the panel has several lines.
    public var name: String
    /// (x, y) points in data units, joined in order; a non-finite y breaks the line.
    public var points: [(Double, Double)]
    /// A line named `name` through `points`.
    public init(name: String, points: [(Double, Double)]) {
        self.name = name
        self.points = points
    }
}

/// One panel: a y axis with its label and unit, lines, and vertical markers (protocol events).
public struct PlotPanel: Sendable {
    /// The y axis label, with its unit (`V (mV)`).
    public var yLabel: String
    /// The lines, drawn in palette order.
    public var series: [PlotSeries]
    /// Whether the y axis is logarithmic (decade ticks); values ≤ 0 are left out, breaking the line.
    public var logY: Bool
    /// Vertical markers at x (data units) with a label.
    public var markers: [(Double, String)]
    /// A panel with a linear y axis and no markers unless given.
    public init(yLabel: String, series: [PlotSeries], logY: Bool = false, markers: [(Double, String)] = []) {
        self.yLabel = yLabel
        self.series = series
        self.logY = logY
        self.markers = markers
    }
}

/// A figure of panels stacked on one shared x axis, rendered as a self-contained SVG: labelled axes with
/// units, ticks at round numbers (decades on log axes), a legend when a panel has several lines.
public struct SVGFigure: Sendable {
    /// The title above the panels.
    public var title: String
    /// The shared x axis label, with its unit (`t (ms)`).
    public var xLabel: String
    /// The panels, top to bottom.
    public var panels: [PlotPanel]
    /// Width of the figure (px).
    public var width = 960.0
    /// Height of each panel (px).
    public var panelHeight = 170.0

    /// A figure of `panels`, 960 px wide with 170 px per panel.
    public init(title: String, xLabel: String, panels: [PlotPanel]) {
        self.title = title
        self.xLabel = xLabel
        self.panels = panels
    }

    static let palette = ["#1f4e79", "#c0392b", "#27823b", "#8e44ad", "#d35400", "#2c3e50", "#16a085", "#7f6000", "#b03a84", "#4d4d4d"]

    /// Left margin (room for the y labels), top margin, gap between panels and bottom margin (px).
    static let left = 78.0, top = 34.0, gap = 26.0, bottom = 46.0
    /// Right margin: room for a legend when a panel has several lines.
    public var right: Double { panels.contains { $0.series.count > 1 } ? 150 : 30 }
    /// Legend room is kept when the figure is built before its panels (`TracePlot` sizes the decimation).
    public var legend = false

    /// The number of pixel columns of the plot area (for decimation).
    public var plotWidth: Double { width - Self.left - (legend ? 150 : right) }

    /// The figure as a self-contained SVG document.
    public func render() -> String {
        let height = Self.top + Double(panels.count) * (panelHeight + Self.gap) - Self.gap + Self.bottom
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(width / 2))" y="20" text-anchor="middle" font-size="14">\(escape(title))</text>

        """
        let xs = panels.flatMap { $0.series.flatMap { $0.points.map(\.0) } }
        let xRange = Self.range(xs, log: false)
        let xTicks = Self.ticks(xRange, log: false)
        for (k, panel) in panels.enumerated() {
            let y0 = Self.top + Double(k) * (panelHeight + Self.gap)
            let ys = panel.series.flatMap { $0.points.map(\.1) }.filter { !panel.logY || $0 > 0 }
            let yRange = Self.range(ys, log: panel.logY)
            func px(_ x: Double) -> Double { Self.left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * plotWidth }
            func py(_ y: Double) -> Double {
                let (a, b, v) = panel.logY ? (log10(yRange.lowerBound), log10(yRange.upperBound), log10(max(y, yRange.lowerBound)))
                                           : (yRange.lowerBound, yRange.upperBound, y)
                return y0 + panelHeight - (v - a) / (b - a) * panelHeight
            }
            out += "<g class=\"panel\" data-label=\"\(escape(panel.yLabel))\">\n"
            out += "<rect x=\"\(f(Self.left))\" y=\"\(f(y0))\" width=\"\(f(plotWidth))\" height=\"\(f(panelHeight))\" fill=\"none\" stroke=\"#888\" stroke-width=\"0.8\"/>\n"
            for t in Self.ticks(yRange, log: panel.logY) where py(t).isFinite {
                let y = py(t)
                out += "<line x1=\"\(f(Self.left - 4))\" y1=\"\(f(y))\" x2=\"\(f(Self.left))\" y2=\"\(f(y))\" stroke=\"#444\"/>"
                out += "<text x=\"\(f(Self.left - 7))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Self.label(t))</text>\n"
            }
            for t in xTicks where px(t).isFinite {
                let x = px(t)
                out += "<line x1=\"\(f(x))\" y1=\"\(f(y0 + panelHeight))\" x2=\"\(f(x))\" y2=\"\(f(y0 + panelHeight + 4))\" stroke=\"#444\"/>"
                if k == panels.count - 1 {
                    out += "<text x=\"\(f(x))\" y=\"\(f(y0 + panelHeight + 17))\" text-anchor=\"middle\">\(Self.label(t))</text>"
                }
                out += "\n"
            }
            out += "<text transform=\"translate(\(f(16)),\(f(y0 + panelHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(panel.yLabel))</text>\n"
            for (x, text) in panel.markers where xRange.contains(x) && px(x).isFinite {
                out += "<line class=\"marker\" x1=\"\(f(px(x)))\" y1=\"\(f(y0))\" x2=\"\(f(px(x)))\" y2=\"\(f(y0 + panelHeight))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
                out += "<text x=\"\(f(px(x) + 3))\" y=\"\(f(y0 + 11))\" font-size=\"10\" fill=\"#555\">\(escape(text))</text>\n"
            }
            for (i, s) in panel.series.enumerated() {
                let color = Self.palette[i % Self.palette.count]
                var d = ""
                d.reserveCapacity(s.points.count * 14)
                var move = true
                for (x, y) in s.points {
                    guard x.isFinite, y.isFinite, !panel.logY || y > 0 else { move = true; continue }
                    let X = px(x), Y = py(y)
                    guard X.isFinite, Y.isFinite else { move = true; continue }
                    d += (move ? "M" : "L") + f(X) + "," + f(Y)
                    move = false
                }
                out += "<path class=\"series\" data-name=\"\(escape(s.name))\" d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1\" stroke-linejoin=\"round\"/>\n"
                if panel.series.count > 1 {
                    let ly = y0 + 12 + Double(i) * 14
                    guard ly < y0 + panelHeight else { continue }
                    out += "<line x1=\"\(f(width - right + 10))\" y1=\"\(f(ly - 4))\" x2=\"\(f(width - right + 26))\" y2=\"\(f(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
                    out += "<text x=\"\(f(width - right + 30))\" y=\"\(f(ly))\">\(escape(s.name))</text>\n"
                }
            }
            out += "</g>\n"
        }
        out += "<text x=\"\(f(Self.left + plotWidth / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n</svg>\n"
        return out
    }

    /// A padded range covering the values (decade-aligned on a log axis).
    static func range(_ values: [Double], log: Bool) -> ClosedRange<Double> {
        let v = values.filter { $0.isFinite && (!log || $0 > 0) }
        guard var lo = v.min(), var hi = v.max() else { return log ? 1...10 : 0...1 }
        if log {
            lo = pow(10, floor(log10(lo)))
            hi = pow(10, ceil(log10(hi)))
            if hi <= lo { hi = lo * 10 }
            return lo...hi
        }
        if hi <= lo { lo -= 1; hi += 1 }
        let pad = 0.04 * (hi - lo)
        return (lo - pad)...(hi + pad)
    }

    /// Tick positions at round numbers (1, 2, 5 × 10ᵏ), or decades on a log axis.
    static func ticks(_ r: ClosedRange<Double>, log: Bool) -> [Double] {
        if log {
            var t: [Double] = []
            var x = r.lowerBound
            while x <= r.upperBound * 1.0001 { t.append(x); x *= 10 }
            return t
        }
        let raw = (r.upperBound - r.lowerBound) / 5
        let p = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * p }.first { $0 >= raw } ?? 10 * p
        var t: [Double] = []
        var x = ceil(r.lowerBound / step) * step
        while x <= r.upperBound + 1e-9 * step { t.append(abs(x) < 1e-12 * step ? 0 : x); x += step }
        return t
    }

    static func label(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e7 { return String(Int(x)) }
        return String(format: "%g", x)
    }

    /// A coordinate (px) with one decimal; a non-finite one (a range too wide for doubles) is written as 0,
    /// never as `nan` or `inf`.
    func f(_ x: Double) -> String { x.isFinite ? String(format: "%.1f", x) : "0" }
    func escape(_ s: String) -> String { Self.escape(s) }
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
