import Foundation

/// A population's conductance trajectories in a plane of two maximal conductances (the paper's (ḡ_A, ḡ_CaS)
/// plane): each cell a line through its `conductances.csv` samples in time order, its start marked by an open
/// circle and its end by a filled one.
public enum TrajectoryPlot {
    /// One cell's trajectory: (x, y) in mS/cm², in time order.
    public struct Cell: Sendable {
        /// The cell's name (its folder under `cells/`).
        public var name: String
        /// (ḡ_x, ḡ_y) samples (mS/cm²).
        public var points: [(Double, Double)]
        public init(name: String, points: [(Double, Double)]) {
            self.name = name
            self.points = points
        }
    }

    /// The trajectories of the cells of a population run folder (`DIR/cells/<i>/conductances.csv`), in the
    /// plane of the channels `x` and `y` (`A`, `CaS`), in cell order.
    public static func cells(folder: String, x: String, y: String) throws(IOError) -> [Cell] {
        let root = folder + "/cells"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root) else {
            throw IOError(file: folder, message: "no cells/ folder: not a population run's output folder")
        }
        let names = entries.filter { Int($0) != nil }.sorted { Int($0)! < Int($1)! }
        var out: [Cell] = []
        for name in names {
            let path = root + "/" + name + "/conductances.csv"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let header = try CSVTable.header(path)
            guard let i = header.firstIndex(of: "g_\(x)_mS_cm2"), let j = header.firstIndex(of: "g_\(y)_mS_cm2") else {
                throw IOError(file: path, message: "no columns g_\(x)_mS_cm2 and g_\(y)_mS_cm2 (columns: \(header.joined(separator: ", ")))")
            }
            var points: [(Double, Double)] = []
            try CSVTable.rows(path, count: header.count, needed: header.indices.map { $0 == i || $0 == j }) { v in
                points.append((v[i], v[j]))
            }
            out.append(Cell(name: name, points: points))
        }
        guard !out.isEmpty else { throw IOError(file: folder, message: "no cells/<i>/conductances.csv (does the experiment record conductances?)") }
        return out
    }

    /// The figure: one line per cell (one colour each), starts as open circles and ends as filled ones.
    public static func svg(title: String, cells: [Cell], x: String, y: String, style: FigureStyle = FigureStyle()) -> String {
        let k = style.scale, fs = style.fontSize
        let width = style.width ?? 660 * k, height = style.height ?? 580 * k
        let left = 84.0 * k, top = 36.0 * k + style.titleExtra(title, width: width), right = 24.0 * k, bottom = 64.0 * k
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let xAxis = Axis(values: cells.flatMap { $0.points.map(\.0) }, log: false)
        let yAxis = Axis(values: cells.flatMap { $0.points.map(\.1) }, log: false)
        func px(_ v: Double) -> Double { left + (v - xAxis.range.lowerBound) / (xAxis.range.upperBound - xAxis.range.lowerBound) * plotWidth }
        func py(_ v: Double) -> Double { top + plotHeight - (v - yAxis.range.lowerBound) / (yAxis.range.upperBound - yAxis.range.lowerBound) * plotHeight }
        func f(_ v: Double) -> String { SVGFigure.format(v) }
        var out = style.open(width: width, height: height, title: title)
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#888\" stroke-width=\"0.8\"/>\n"
        for t in xAxis.ticks {
            out += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotHeight + 4 * k))\" stroke=\"#444\"/>"
            out += "<text class=\"xtick\" x=\"\(f(px(t)))\" y=\"\(f(top + plotHeight + 6 * k + fs))\" text-anchor=\"middle\">\(xAxis.label(t))</text>\n"
        }
        for t in yAxis.ticks {
            out += "<line x1=\"\(f(left - 4 * k))\" y1=\"\(f(py(t)))\" x2=\"\(f(left))\" y2=\"\(f(py(t)))\" stroke=\"#444\"/>"
            out += "<text class=\"ytick\" x=\"\(f(left - 7 * k))\" y=\"\(f(py(t) + fs / 3))\" text-anchor=\"end\">\(yAxis.label(t))</text>\n"
        }
        out += "<text class=\"xlabel\" x=\"\(f(left + plotWidth / 2))\" y=\"\(f(top + plotHeight + 10 * k + 2.2 * fs))\" text-anchor=\"middle\">ḡ_\(SVGFigure.escape(x)) (mS/cm²)</text>\n"
        out += "<text class=\"ylabel\" transform=\"translate(\(f(fs * 1.2)),\(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">ḡ_\(SVGFigure.escape(y)) (mS/cm²)</text>\n"
        for (i, c) in cells.enumerated() {
            let color = SVGFigure.palette[i % SVGFigure.palette.count]
            let finite = c.points.filter { $0.0.isFinite && $0.1.isFinite }
            guard let first = finite.first, let last = finite.last else { continue }
            var d = ""
            for (j, p) in finite.enumerated() { d += (j == 0 ? "M" : "L") + f(px(p.0)) + "," + f(py(p.1)) }
            out += "<g class=\"trajectory\" data-cell=\"\(SVGFigure.escape(c.name))\" data-points=\"\(finite.count)\">"
            out += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(f(1.1 * k))\" stroke-opacity=\"0.8\"/>"
            out += "<circle class=\"start\" cx=\"\(f(px(first.0)))\" cy=\"\(f(py(first.1)))\" r=\"\(f(3 * k))\" fill=\"white\" stroke=\"\(color)\" stroke-width=\"1.2\"/>"
            out += "<circle class=\"end\" cx=\"\(f(px(last.0)))\" cy=\"\(f(py(last.1)))\" r=\"\(f(3 * k))\" fill=\"\(color)\"/></g>\n"
        }
        out += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 8 * k))\" text-anchor=\"middle\" font-size=\"\(f(fs * 0.85))\" fill=\"#555\">one line per cell; open circle: start; filled circle: end</text>\n</svg>\n"
        return out
    }
}
