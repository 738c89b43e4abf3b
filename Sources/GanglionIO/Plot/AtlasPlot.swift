import Foundation

/// The heatmaps of a firing-pattern atlas, side by side over the same grid: the dominant outcome at each
/// point (with its legend) and the fraction of cells bursting (with its colour bar). Axes are labelled with
/// their units; negative tick labels use the minus sign U+2212.
public enum AtlasPlot {
    /// One grid point: its position in the grid, its dominant outcome and its fraction of cells bursting.
    public struct Cell: Sendable {
        public var ix: Int, iy: Int
        public var dominant: String
        public var bursting: Double
        public init(ix: Int, iy: Int, dominant: String, bursting: Double) {
            self.ix = ix
            self.iy = iy
            self.dominant = dominant
            self.bursting = bursting
        }
    }

    /// The colour of each outcome (the atlas's outcome names).
    public static let outcomeColors: [(String, String)] = [
        ("bursting", "#c0392b"), ("tonic", "#1f4e79"), ("silent", "#c8c8c8"), ("irregular", "#8e44ad"),
        ("insufficient", "#e0b84a"), ("failed_compensation", "#4d4d4d"), ("failed_simulation", "#000000"),
    ]

    /// The colour scale of the fraction bursting, 0 to 1.
    static let scale: [(Double, Double, Double)] = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]

    /// The scale's colour at `v` ∈ [0, 1].
    static func color(_ v: Double) -> String {
        let t = min(max(v.isFinite ? v : 0, 0), 1) * Double(scale.count - 1)
        let k = min(Int(t), scale.count - 2), u = t - Double(k)
        let (a, b) = (scale[k], scale[k + 1])
        func c(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * u).rounded()) }
        return String(format: "#%02x%02x%02x", c(a.0, b.0), c(a.1, b.1), c(a.2, b.2))
    }

    /// A tick label with a true minus sign.
    static func label(_ x: Double) -> String { SVGFigure.label(x).replacingOccurrences(of: "-", with: "\u{2212}") }

    /// The figure as a self-contained SVG document; `xs`, `ys` are the grid's values, `cells` its computed points
    /// (points without an entry are left white).
    public static func svg(title: String, xLabel: String, yLabel: String, xs: [Double], ys: [Double], cells: [Cell]) -> String {
        let side = 340.0, top = 44.0, left = 86.0, gapToSecond = 230.0, width = left + side + gapToSecond + side + 130
        let height = top + side + 62
        func e(_ s: String) -> String { SVGFigure.escape(s) }
        func f(_ x: Double) -> String { x.isFinite ? String(format: "%.1f", x) : "0" }
        // Each value's cell is centred on it; a single value spans the whole side.
        func span(_ v: [Double]) -> ClosedRange<Double> {
            guard v.count > 1 else { return (v[0] - 0.5)...(v[0] + 0.5) }
            let h = (v[v.count - 1] - v[0]) / Double(v.count - 1) / 2
            return (v[0] - h)...(v[v.count - 1] + h)
        }
        let xr = span(xs), yr = span(ys)
        let cw = side / Double(xs.count), ch = side / Double(ys.count)
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(width / 2))" y="20" text-anchor="middle" font-size="14">\(e(title))</text>

        """
        let colorOf = Dictionary(uniqueKeysWithValues: outcomeColors)
        for (k, panel) in ["dominant outcome", "fraction of cells bursting"].enumerated() {
            let x0 = left + Double(k) * (side + gapToSecond)
            out += "<g class=\"panel\" data-label=\"\(panel)\">\n"
            out += "<text x=\"\(f(x0 + side / 2))\" y=\"\(f(top - 8))\" text-anchor=\"middle\">\(panel)</text>\n"
            for c in cells {
                let fill = k == 0 ? (colorOf[c.dominant] ?? "#ffffff") : color(c.bursting)
                let data = k == 0 ? c.dominant : DecimalFormatter.string(c.bursting)
                out += "<rect x=\"\(f(x0 + Double(c.ix) * cw))\" y=\"\(f(top + side - Double(c.iy + 1) * ch))\" width=\"\(f(cw + 0.3))\" height=\"\(f(ch + 0.3))\" fill=\"\(fill)\" data-value=\"\(data)\"/>\n"
            }
            out += "<rect x=\"\(f(x0))\" y=\"\(f(top))\" width=\"\(f(side))\" height=\"\(f(side))\" fill=\"none\" stroke=\"#444\" stroke-width=\"0.8\"/>\n"
            for t in SVGFigure.ticks(xr, log: false) {
                let x = x0 + (t - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * side
                out += "<line x1=\"\(f(x))\" y1=\"\(f(top + side))\" x2=\"\(f(x))\" y2=\"\(f(top + side + 4))\" stroke=\"#444\"/>"
                out += "<text x=\"\(f(x))\" y=\"\(f(top + side + 17))\" text-anchor=\"middle\">\(label(t))</text>\n"
            }
            for t in SVGFigure.ticks(yr, log: false) {
                let y = top + side - (t - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * side
                out += "<line x1=\"\(f(x0 - 4))\" y1=\"\(f(y))\" x2=\"\(f(x0))\" y2=\"\(f(y))\" stroke=\"#444\"/>"
                out += "<text x=\"\(f(x0 - 7))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label(t))</text>\n"
            }
            out += "<text x=\"\(f(x0 + side / 2))\" y=\"\(f(top + side + 38))\" text-anchor=\"middle\">\(e(xLabel))</text>\n"
            out += "<text transform=\"translate(\(f(x0 - 50)),\(f(top + side / 2))) rotate(-90)\" text-anchor=\"middle\">\(e(yLabel))</text>\n"
            let lx = x0 + side + 16
            if k == 0 {
                out += "<g class=\"legend\">\n"
                for (i, (name, fill)) in outcomeColors.enumerated() {
                    let ly = top + 6 + Double(i) * 20
                    out += "<rect x=\"\(f(lx))\" y=\"\(f(ly))\" width=\"14\" height=\"14\" fill=\"\(fill)\" stroke=\"#888\" stroke-width=\"0.5\"/>"
                    out += "<text x=\"\(f(lx + 20))\" y=\"\(f(ly + 11))\">\(name.replacingOccurrences(of: "_", with: " "))</text>\n"
                }
                out += "</g>\n"
            } else {
                out += "<g class=\"colorbar\">\n<defs><linearGradient id=\"bursting-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
                for (i, _) in scale.enumerated() {
                    let v = Double(i) / Double(scale.count - 1)
                    out += "<stop offset=\"\(f(100 * v))%\" stop-color=\"\(color(v))\"/>"
                }
                out += "</linearGradient></defs>\n"
                out += "<rect x=\"\(f(lx))\" y=\"\(f(top))\" width=\"16\" height=\"\(f(side))\" fill=\"url(#bursting-scale)\" stroke=\"#888\" stroke-width=\"0.5\"/>\n"
                for v in [0, 0.25, 0.5, 0.75, 1.0] {
                    let y = top + side - v * side
                    out += "<line x1=\"\(f(lx + 16))\" y1=\"\(f(y))\" x2=\"\(f(lx + 20))\" y2=\"\(f(y))\" stroke=\"#444\"/>"
                    out += "<text x=\"\(f(lx + 23))\" y=\"\(f(y + 4))\">\(String(format: "%g", v))</text>\n"
                }
                out += "<text transform=\"translate(\(f(lx + 64)),\(f(top + side / 2))) rotate(90)\" text-anchor=\"middle\">fraction bursting (0–1)</text>\n</g>\n"
            }
            out += "</g>\n"
        }
        return out + "</svg>\n"
    }
}
