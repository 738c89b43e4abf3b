import Foundation

/// One line of a panel: (x, y) points in data units.
public struct PlotSeries: Sendable {
    /// The line's name, shown in the legend when the panel has several lines.
    public var name: String
    /// (x, y) points in data units, joined in order; a non-finite y breaks the line.
    public var points: [(Double, Double)]
    /// The line's colour (CSS); nil: the palette's colour for its place in the panel.
    public var color: String?
    /// A dashed line (a reference or a target drawn as a series).
    public var dashed: Bool
    /// A line named `name` through `points`.
    public init(name: String, points: [(Double, Double)], color: String? = nil, dashed: Bool = false) {
        self.name = name
        self.points = points
        self.color = color
        self.dashed = dashed
    }
}

/// A horizontal reference line at a y value, over the whole x range or part of it: a target (labelled, dashed) or
/// zero (unlabelled, a thin solid line).
public struct ReferenceLine: Sendable, Equatable {
    /// The y value (data units).
    public var value: Double
    /// The label written above the line (`g_s* = −8`).
    public var label: String
    /// The x range the line spans (data units); nil: the whole axis.
    public var span: ClosedRange<Double>?
    /// A line at `value` labelled `label`, over `span` (nil: everywhere).
    public init(value: Double, label: String, span: ClosedRange<Double>? = nil) {
        self.value = value
        self.label = label
        self.span = span
    }
}

/// One panel: a y axis with its label and unit, lines, vertical markers (protocol events) and horizontal
/// reference lines (targets).
public struct PlotPanel: Sendable {
    /// The y axis label, with its unit (`V (mV)`).
    public var yLabel: String
    /// The lines, drawn in palette order.
    public var series: [PlotSeries]
    /// Whether the y axis is logarithmic (decade ticks); values ≤ 0 are left out, breaking the line.
    public var logY: Bool
    /// Vertical markers at x (data units) with a label.
    public var markers: [(Double, String)]
    /// Horizontal reference lines; the y range includes them.
    public var references: [ReferenceLine]
    /// A fixed y range (data units): lines are clipped to it and a line leaving it is noted in the panel.
    public var yRange: ClosedRange<Double>?
    /// A panel with a linear y axis and no markers unless given.
    public init(yLabel: String, series: [PlotSeries], logY: Bool = false, markers: [(Double, String)] = [],
                references: [ReferenceLine] = [], yRange: ClosedRange<Double>? = nil) {
        self.yLabel = yLabel
        self.series = series
        self.logY = logY
        self.markers = markers
        self.references = references
        self.yRange = yRange
    }
}

/// A figure of panels stacked on one shared x axis, rendered as a self-contained SVG: labelled axes with
/// units, 5–8 ticks at round numbers (decades on log axes, `Axis`), reference lines, event markers, and one
/// legend — at the first panel when every panel has the same lines, else at each panel with several lines.
public struct SVGFigure: Sendable {
    /// The title above the panels.
    public var title: String
    /// The shared x axis label, with its unit (`t (ms)`).
    public var xLabel: String
    /// The panels, top to bottom.
    public var panels: [PlotPanel]
    /// Width of the figure (px).
    public var width = 960.0
    /// Height of each panel (px); a style with a height sets it from the figure's height.
    public var panelHeight = 170.0
    /// Font size and, when given, the figure's width and height.
    public var style = FigureStyle()
    /// A fixed x range (data units); nil: the data's.
    public var xRange: ClosedRange<Double>?

    /// A figure of `panels`, 960 px wide with 170 px per panel.
    public init(title: String, xLabel: String, panels: [PlotPanel]) {
        self.title = title
        self.xLabel = xLabel
        self.panels = panels
    }

    static let palette = ["#1f4e79", "#c0392b", "#27823b", "#8e44ad", "#d35400", "#2c3e50", "#16a085", "#7f6000", "#b03a84", "#4d4d4d"]

    var s: Double { style.scale }
    /// Left margin (room for the y labels and the widest tick label, at 0.64 em per character), top margin, gap
    /// between panels and bottom margin (px).
    var left: Double {
        let widest = panels.map { p in Self.yAxis(p).ticks.map { Self.yAxis(p).label($0).count }.max() ?? 0 }.max() ?? 0
        return max(84 * s, 1.8 * style.fontSize + 0.64 * style.fontSize * Double(widest) + 11 * s)
    }
    var top: Double { (panels.contains { !$0.markers.isEmpty } ? 50 : 36) * s + style.titleExtra(title, width: totalWidth) }
    var gap: Double { 22 * s }
    var bottom: Double { 48 * s }
    /// The figure's width (px): the style's, or `width`.
    var totalWidth: Double { style.width ?? width }
    /// Whether one legend serves every panel (the panels with several lines all have the same names).
    var sharedLegend: Bool {
        let named = panels.filter { $0.series.filter { !$0.dashed }.count > 1 }.map { $0.series.map(\.name) }
        return named.count > 1 && Set(named.map { $0.joined(separator: "\u{1}") }).count == 1
    }
    /// Right margin: room for a legend when a panel has several lines.
    public var right: Double {
        guard legend || panels.contains(where: { $0.series.count > 1 }) else { return 24 * s }
        let longest = panels.flatMap { $0.series.map(\.name.count) }.max() ?? 4
        return (40 + 7.2 * Double(min(max(longest, 4), 24))) * s
    }
    /// Legend room is kept when the figure is built before its panels (`TracePlot` sizes the decimation).
    public var legend = false

    /// The number of pixel columns of the plot area (for decimation).
    public var plotWidth: Double { max(totalWidth - left - right, 50) }
    /// The panels' height (px): from the style's figure height, or `panelHeight`.
    var effectivePanelHeight: Double {
        guard let h = style.height, !panels.isEmpty else { return panelHeight }
        let n = Double(panels.count)
        return max((h - top - bottom - gap * (n - 1)) / n, 30)
    }

    /// The x axis of the figure's data (or of `xRange`).
    public var xAxis: Axis {
        Axis(values: panels.flatMap { $0.series.flatMap { $0.points.map(\.0) } }, log: false, fixed: xRange)
    }

    /// The y axis of a panel: its data and reference lines, or its fixed range.
    public static func yAxis(_ panel: PlotPanel) -> Axis {
        let ys = panel.series.flatMap { $0.points.map(\.1) } + panel.references.map(\.value)
        return Axis(values: ys, log: panel.logY, fixed: panel.yRange)
    }

    /// The figure as a self-contained SVG document.
    public func render() -> String {
        let ph = effectivePanelHeight, width = totalWidth, fs = style.fontSize
        let left = self.left, plotWidth = self.plotWidth
        let height = style.height ?? (top + Double(panels.count) * (ph + gap) - gap + bottom)
        var out = style.open(width: width, height: height, title: title)
        let xAxis = self.xAxis
        let xr = xAxis.range
        let shared = sharedLegend
        func px(_ x: Double) -> Double { left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * plotWidth }
        for (k, panel) in panels.enumerated() {
            let y0 = top + Double(k) * (ph + gap)
            let yAxis = Self.yAxis(panel)
            let yr = yAxis.range
            func py(_ y: Double) -> Double {
                let (a, b, v) = panel.logY ? (log10(yr.lowerBound), log10(yr.upperBound), log10(max(y, yr.lowerBound * 1e-3)))
                                           : (yr.lowerBound, yr.upperBound, y)
                return y0 + ph - (v - a) / (b - a) * ph
            }
            let clip = "clip\(k)"
            let bounds = yr.lowerBound.isFinite && yr.upperBound.isFinite ? " data-ymin=\"\(yr.lowerBound)\" data-ymax=\"\(yr.upperBound)\"" : ""
            out += "<g class=\"panel\" data-label=\"\(escape(panel.yLabel))\"\(bounds)>\n"
            out += "<clipPath id=\"\(clip)\"><rect x=\"\(f(left))\" y=\"\(f(y0))\" width=\"\(f(plotWidth))\" height=\"\(f(ph))\"/></clipPath>\n"
            out += "<rect x=\"\(f(left))\" y=\"\(f(y0))\" width=\"\(f(plotWidth))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#888\" stroke-width=\"0.8\"/>\n"
            for t in yAxis.ticks where py(t).isFinite {
                let y = py(t)
                out += "<line x1=\"\(f(left - 4 * s))\" y1=\"\(f(y))\" x2=\"\(f(left))\" y2=\"\(f(y))\" stroke=\"#444\"/>"
                out += "<text class=\"ytick\" x=\"\(f(left - 7 * s))\" y=\"\(f(y + fs / 3))\" text-anchor=\"end\">\(yAxis.label(t))</text>\n"
            }
            for t in xAxis.ticks where px(t).isFinite {
                let x = px(t)
                out += "<line x1=\"\(f(x))\" y1=\"\(f(y0 + ph))\" x2=\"\(f(x))\" y2=\"\(f(y0 + ph + 4 * s))\" stroke=\"#444\"/>"
                if k == panels.count - 1 {
                    out += "<text class=\"xtick\" x=\"\(f(x))\" y=\"\(f(y0 + ph + 6 * s + fs))\" text-anchor=\"middle\">\(xAxis.label(t))</text>"
                }
                out += "\n"
            }
            out += "<text class=\"ylabel\" transform=\"translate(\(f(fs * 1.2)),\(f(y0 + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(panel.yLabel))</text>\n"
            for (x, text) in panel.markers where xr.contains(x) && px(x).isFinite {
                out += "<line class=\"marker\" x1=\"\(f(px(x)))\" y1=\"\(f(y0))\" x2=\"\(f(px(x)))\" y2=\"\(f(y0 + ph))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
                if k == 0 {
                    out += "<text class=\"marker-label\" x=\"\(f(px(x)))\" y=\"\(f(y0 - 4 * s))\" text-anchor=\"middle\" font-size=\"\(f(fs * 0.85))\" fill=\"#555\">\(escape(text))</text>"
                }
                out += "\n"
            }
            var placed: [(x0: Double, x1: Double, y: Double)] = []
            for r in panel.references where yr.contains(r.value) {
                let a = max(r.span?.lowerBound ?? xr.lowerBound, xr.lowerBound), b = min(r.span?.upperBound ?? xr.upperBound, xr.upperBound)
                guard b > a else { continue }
                let y = py(r.value)
                // An unlabelled reference (zero) is a thin solid line; a labelled one (a target) is dashed.
                let look = r.label.isEmpty ? "stroke=\"#bbb\" stroke-width=\"0.8\"" : "stroke=\"#666\" stroke-width=\"1\" stroke-dasharray=\"6 3\""
                out += "<line class=\"reference\" data-value=\"\(r.value)\" x1=\"\(f(px(a)))\" y1=\"\(f(y))\" x2=\"\(f(px(b)))\" y2=\"\(f(y))\" \(look)/>"
                guard !r.label.isEmpty else { out += "\n"; continue }
                // The label sits above its line, or below it when another label is already there.
                let x1 = px(b) - 3 * s, x0 = x1 - Double(r.label.count) * fs * 0.5
                var ly = y - 3 * s
                if placed.contains(where: { $0.x0 < x1 && x0 < $0.x1 && abs($0.y - ly) < fs }) { ly = y + fs * 0.9 }
                placed.append((x0, x1, ly))
                out += "<text class=\"reference-label\" x=\"\(f(x1))\" y=\"\(f(ly))\" text-anchor=\"end\" font-size=\"\(f(fs * 0.85))\" fill=\"#444\">\(escape(r.label))</text>\n"
            }
            out += "<g clip-path=\"url(#\(clip))\">\n"
            var notes: [String] = []
            for (i, series) in panel.series.enumerated() {
                let color = series.color ?? Self.palette[i % Self.palette.count]
                var d = ""
                d.reserveCapacity(series.points.count * 14)
                var move = true
                var low = Double.infinity, high = -Double.infinity
                var nonPositive: Double?
                for (x, y) in series.points {
                    if panel.logY, y <= 0, x.isFinite, nonPositive == nil { nonPositive = x }
                    guard x.isFinite, y.isFinite, !panel.logY || y > 0 else { move = true; continue }
                    low = min(low, y)
                    high = max(high, y)
                    let X = px(x), Y = py(y)
                    guard X.isFinite, Y.isFinite else { move = true; continue }
                    d += (move ? "M" : "L") + f(X) + "," + f(Y)
                    move = false
                }
                if let x = nonPositive {
                    let unit = xLabel.hasSuffix("(s)") ? " s" : xLabel.hasSuffix("(ms)") ? " ms" : ""
                    notes.append("\(series.name) reaches 0 at \(Axis.label(Self.round3(x)))\(unit) (not drawn on the log axis)")
                }
                if panel.yRange != nil, low.isFinite {
                    if low < yr.lowerBound { notes.append("\(series.name) leaves the axis below (min \(Axis.label(Self.round3(low))))") }
                    if high > yr.upperBound { notes.append("\(series.name) leaves the axis above (max \(Axis.label(Self.round3(high))))") }
                }
                out += "<path class=\"series\" data-name=\"\(escape(series.name))\" d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(f(1.1 * max(s, 1)))\" stroke-linejoin=\"round\"\(series.dashed ? " stroke-dasharray=\"5 3\"" : "")/>\n"
            }
            out += "</g>\n"
            for (i, note) in notes.enumerated() {
                out += "<text class=\"note\" x=\"\(f(left + 6 * s))\" y=\"\(f(y0 + ph - 6 * s - Double(notes.count - 1 - i) * fs))\" font-size=\"\(f(fs * 0.85))\" fill=\"#555\">\(escape(note))</text>\n"
            }
            if panel.series.count > 1, !shared || k == panels.firstIndex(where: { $0.series.count > 1 }) {
                out += "<g class=\"legend\">\n"
                for (i, series) in panel.series.enumerated() {
                    let color = series.color ?? Self.palette[i % Self.palette.count]
                    let ly = y0 + fs + Double(i) * fs * 1.2
                    guard shared || ly < y0 + ph else { continue }
                    out += "<line x1=\"\(f(width - right + 10 * s))\" y1=\"\(f(ly - fs / 3))\" x2=\"\(f(width - right + 28 * s))\" y2=\"\(f(ly - fs / 3))\" stroke=\"\(color)\" stroke-width=\"2\"\(series.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
                    out += "<text x=\"\(f(width - right + 32 * s))\" y=\"\(f(ly))\">\(escape(series.name))</text>\n"
                }
                out += "</g>\n"
            }
            out += "</g>\n"
        }
        out += "<text class=\"xlabel\" x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 10 * s))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n</svg>\n"
        return out
    }

    /// Three significant digits (for notes).
    static func round3(_ x: Double) -> Double {
        guard x != 0, x.isFinite else { return x }
        let p = pow(10, 2 - floor(log10(abs(x))))
        return (x * p).rounded() / p
    }

    /// A padded range covering the values (decade-aligned on a log axis), widened to 5–8 round ticks.
    static func range(_ values: [Double], log: Bool) -> ClosedRange<Double> { Axis(values: values, log: log).range }

    /// Tick positions at round numbers (1, 2, 5 × 10ᵏ; 5–8 of them), or decades on a log axis.
    static func ticks(_ r: ClosedRange<Double>, log: Bool) -> [Double] { Axis(range: r, log: log, widen: false).ticks }

    /// A number's label with the true minus sign.
    static func label(_ x: Double) -> String { Axis.label(x) }

    /// A coordinate (px) with one decimal; a non-finite one (a range too wide for doubles) is written as 0,
    /// never as `nan` or `inf`.
    func f(_ x: Double) -> String { Self.format(x) }
    static func format(_ x: Double) -> String { x.isFinite ? String(format: "%.1f", x) : "0" }
    func escape(_ s: String) -> String { Self.escape(s) }
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
