import Foundation

/// Box plots of a population experiment's summary (`ganglion run` on a population): per condition — each
/// analysis window and each firing-pattern snapshot — the frequency and the burstiness of every cell
/// (dots), the box from the 25th to the 75th percentile with the median, whiskers from the 10th to the
/// 90th, and the fraction of cells bursting.
public enum PopulationPlot {
    /// One condition (an analysis window or a snapshot) with the values of every cell that has results in it.
    public struct Condition: Sendable {
        /// The label under the boxes (`3–15 s`, `snapshot 60 s`).
        public var label: String
        /// Spike frequencies (Hz), of the cells that have one.
        public var frequency: [Double]
        /// Burstiness (Hz²), of the bursting cells.
        public var burstiness: [Double]
        /// Cells bursting, and cells with results in this condition.
        public var bursting: Int, cells: Int

        public init(label: String, frequency: [Double], burstiness: [Double], bursting: Int, cells: Int) {
            self.label = label
            self.frequency = frequency
            self.burstiness = burstiness
            self.bursting = bursting
            self.cells = cells
        }
    }

    /// The one condition of a sweep's features table (`ganglion sweep --out F.csv`): the frequency and
    /// burstiness of every cell that ran (`status` ok).
    public static func condition(sweepTable path: String, label: String) throws(IOError) -> Condition {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw IOError(file: path, message: "cannot read")
        }
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(CSVTable.fields)
        guard let header = lines.first, let fi = header.firstIndex(of: "frequency_hz"), let bi = header.firstIndex(of: "burstiness_hz2"),
              let pi = header.firstIndex(of: "pattern"), let si = header.firstIndex(of: "status") else {
            throw IOError(file: path, message: "not a sweep table (no frequency_hz, burstiness_hz2, pattern and status columns)")
        }
        let rows = lines.dropFirst().filter { $0.count == header.count && $0[si] == "ok" }
        return Condition(label: label, frequency: rows.compactMap { Double($0[fi]) }, burstiness: rows.compactMap { Double($0[bi]) },
                         bursting: rows.filter { $0[pi] == "bursting" }.count, cells: rows.count)
    }

    /// The conditions of a population summary object (`rows` with `windows` and `snapshots`).
    public static func conditions(_ summary: [String: Any]) -> [Condition] {
        let rows = (summary["rows"] as? [[String: Any]] ?? []).filter { $0["error"] == nil }
        var out: [Condition] = []
        func collect(_ key: String, label: ([String: Any]) -> String) {
            let count = rows.map { ($0[key] as? [[String: Any]])?.count ?? 0 }.max() ?? 0
            for i in 0..<count {
                let entries = rows.compactMap { ($0[key] as? [[String: Any]]).flatMap { i < $0.count ? $0[i] : nil } }
                guard let first = entries.first else { continue }
                out.append(Condition(label: label(first),
                                     frequency: entries.compactMap { $0["frequency_hz"] as? Double },
                                     burstiness: entries.compactMap { $0["burstiness_hz2"] as? Double },
                                     bursting: entries.filter { $0["pattern"] as? String == "bursting" }.count, cells: entries.count))
            }
        }
        collect("windows") { e in
            let w = e["window_ms"] as? [Double] ?? [0, 0]
            return String(format: "%g–%g s", w[0] / 1000, w[1] / 1000)
        }
        collect("snapshots") { e in String(format: "snapshot %g s", (e["t_ms"] as? Double ?? 0) / 1000) }
        return out
    }

    /// Linear-interpolation quantile (NumPy's default) of sorted values.
    static func quantile(_ s: [Double], _ q: Double) -> Double {
        let h = q * Double(s.count - 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
    }

    /// How a condition's values are drawn.
    public enum Shape: String, Sendable, CaseIterable {
        /// A box from the 25th to the 75th percentile with the median, whiskers from the 10th to the 90th.
        case box
        /// A violin: the values' density (Gaussian kernel, Silverman's bandwidth; on a log axis, of the
        /// logarithms), mirrored, with the median and the quartiles marked.
        case violin
    }

    /// The horizontal offset of cell `index` inside its column, in [−0.5, 0.5): the SplitMix64 hash of the index
    /// scaled to the interval, so the dots are deterministic, keep their offset in every column, and follow no
    /// pattern in the index or the value (no diagonal stripes).
    public static func jitter(_ index: Int) -> Double {
        var z = UInt64(bitPattern: Int64(index)) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(UInt64(1) << 53) - 0.5
    }

    /// The box plots as a self-contained SVG: frequency (Hz, linear axis) above burstiness (Hz², log
    /// axis), one column per condition labelled with its fraction of cells bursting.
    public static func svg(title: String, conditions: [Condition], shape: Shape = .box, style: FigureStyle = FigureStyle()) -> String {
        let k = style.scale, fs = style.fontSize
        let width = style.width ?? max(520.0, 160 + 110 * Double(conditions.count)) * k
        let left = 84.0 * k, top = 36.0 * k + style.titleExtra(title, width: width), gap = 44.0 * k, bottom = 64.0 * k
        let panelHeight = style.height.map { max(($0 - top - gap - bottom) / 2, 40) } ?? 200.0 * k
        let plotWidth = width - left - 24 * k
        let height = style.height ?? top + 2 * panelHeight + gap + bottom
        func f(_ x: Double) -> String { SVGFigure.format(x) }   // never nan or inf in the SVG
        var out = style.open(width: width, height: height, title: title)
        let slot = plotWidth / Double(max(conditions.count, 1))
        for (p, (label, values, log)) in [("frequency (Hz)", conditions.map(\.frequency), false),
                                         ("burstiness (Hz²)", conditions.map(\.burstiness), true)].enumerated() {
            let y0 = top + Double(p) * (panelHeight + gap)
            let all = values.flatMap { $0 }.filter { $0.isFinite && (!log || $0 > 0) }
            let axis = Axis(values: all, log: log)
            let range = axis.range
            func py(_ v: Double) -> Double {
                let (a, b, x) = log ? (log10(range.lowerBound), log10(range.upperBound), log10(max(v, range.lowerBound)))
                                    : (range.lowerBound, range.upperBound, v)
                return y0 + panelHeight - (x - a) / (b - a) * panelHeight
            }
            out += "<g class=\"panel\" data-label=\"\(label)\">\n"
            out += "<rect x=\"\(f(left))\" y=\"\(f(y0))\" width=\"\(f(plotWidth))\" height=\"\(f(panelHeight))\" fill=\"none\" stroke=\"#888\" stroke-width=\"0.8\"/>\n"
            out += "<text class=\"ylabel\" transform=\"translate(\(f(fs * 1.2)),\(f(y0 + panelHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(label)</text>\n"
            for t in axis.ticks {
                out += "<line x1=\"\(f(left - 4 * k))\" y1=\"\(f(py(t)))\" x2=\"\(f(left))\" y2=\"\(f(py(t)))\" stroke=\"#444\"/><text class=\"ytick\" x=\"\(f(left - 7 * k))\" y=\"\(f(py(t) + fs / 3))\" text-anchor=\"end\">\(axis.label(t))</text>\n"
            }
            for (i, v) in values.enumerated() {
                let cx = left + slot * (Double(i) + 0.5)
                let kept = v.enumerated().filter { $0.element.isFinite && (!log || $0.element > 0) }
                let s = kept.map(\.element).sorted()
                if p == 1 {
                    let c = conditions[i]
                    out += "<text class=\"condition\" x=\"\(f(cx))\" y=\"\(f(y0 + panelHeight + 6 * k + fs))\" text-anchor=\"middle\">\(SVGFigure.escape(c.label))</text>"
                    out += "<text x=\"\(f(cx))\" y=\"\(f(y0 + panelHeight + 8 * k + 2.1 * fs))\" text-anchor=\"middle\" font-size=\"\(f(fs * 0.85))\" fill=\"#555\">\(c.bursting)/\(c.cells) bursting</text>\n"
                }
                guard !s.isEmpty else {
                    out += "<text x=\"\(f(cx))\" y=\"\(f(y0 + panelHeight / 2))\" text-anchor=\"middle\" fill=\"#777\">none</text>\n"
                    continue
                }
                let (q10, q25, q50, q75, q90) = (quantile(s, 0.1), quantile(s, 0.25), quantile(s, 0.5), quantile(s, 0.75), quantile(s, 0.9))
                let w = slot * 0.28
                switch shape {
                case .box:
                    out += "<g class=\"box\" data-median=\"\(q50)\" data-count=\"\(s.count)\">"
                    out += "<line x1=\"\(f(cx))\" y1=\"\(f(py(q10)))\" x2=\"\(f(cx))\" y2=\"\(f(py(q90)))\" stroke=\"#c0392b\"/>"
                    out += "<rect x=\"\(f(cx - w / 2))\" y=\"\(f(py(q75)))\" width=\"\(f(w))\" height=\"\(f(max(py(q25) - py(q75), 0.5)))\" fill=\"#c0392b\" fill-opacity=\"0.15\" stroke=\"#c0392b\"/>"
                    out += "<line x1=\"\(f(cx - w / 2))\" y1=\"\(f(py(q50)))\" x2=\"\(f(cx + w / 2))\" y2=\"\(f(py(q50)))\" stroke=\"#c0392b\" stroke-width=\"2\"/></g>\n"
                case .violin:
                    let transform: (Double) -> Double = log ? { log10($0) } : { $0 }
                    // The density inside the axis (its kernel tails beyond the data are cut at the panel's edges).
                    let (a, b) = (transform(range.lowerBound), transform(range.upperBound))
                    let density = Self.density(s.map(transform)).filter { $0.0 >= a && $0.0 <= b }
                    let peak = density.map(\.1).max() ?? 1
                    let half = slot * 0.4
                    var d = ""
                    for (j, (x, y)) in density.enumerated() {
                        let value = log ? pow(10, x) : x
                        d += (j == 0 ? "M" : "L") + f(cx + y / peak * half) + "," + f(py(value))
                    }
                    for (x, y) in density.reversed() {
                        let value = log ? pow(10, x) : x
                        d += "L" + f(cx - y / peak * half) + "," + f(py(value))
                    }
                    out += "<g class=\"violin\" data-median=\"\(q50)\" data-count=\"\(s.count)\">"
                    out += "<path d=\"\(d)Z\" fill=\"#c0392b\" fill-opacity=\"0.15\" stroke=\"#c0392b\" stroke-width=\"1\"/>"
                    out += "<line x1=\"\(f(cx))\" y1=\"\(f(py(q25)))\" x2=\"\(f(cx))\" y2=\"\(f(py(q75)))\" stroke=\"#c0392b\" stroke-width=\"\(f(4 * k))\"/>"
                    out += "<line x1=\"\(f(cx - w / 2))\" y1=\"\(f(py(q50)))\" x2=\"\(f(cx + w / 2))\" y2=\"\(f(py(q50)))\" stroke=\"#c0392b\" stroke-width=\"2\"/></g>\n"
                }
                for (index, x) in kept {
                    out += "<circle class=\"cell\" cx=\"\(f(cx + jitter(index) * slot * 0.5))\" cy=\"\(f(py(x)))\" r=\"\(f(1.8 * k))\" fill=\"#1f4e79\" fill-opacity=\"0.5\"/>"
                }
                out += "\n"
            }
            out += "</g>\n"
        }
        let legend = shape == .box ? "dots: cells; box: 25th–75th percentile and median; whiskers: 10th–90th"
                                   : "dots: cells; violin: density of the cells' values; bar: 25th–75th percentile; line: median"
        out += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 8 * k))\" text-anchor=\"middle\" font-size=\"\(f(fs * 0.85))\" fill=\"#555\">\(legend)</text>\n</svg>\n"
        return out
    }

    /// A Gaussian kernel density estimate of `values` on 60 points spanning them (± two bandwidths), with
    /// Silverman's rule-of-thumb bandwidth (a small fixed one when the values are all equal).
    static func density(_ values: [Double]) -> [(Double, Double)] {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / max(n - 1, 1)).squareRoot()
        let sorted = values.sorted()
        let iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25)
        var h = 0.9 * min(sd, iqr > 0 ? iqr / 1.34 : sd) * pow(n, -0.2)
        if !(h > 0) { h = max(abs(mean) * 0.02, 1e-3) }
        let lo = sorted.first! - 2 * h, hi = sorted.last! + 2 * h
        return (0..<60).map { j in
            let x = lo + (hi - lo) * Double(j) / 59
            let y = values.reduce(0) { $0 + exp(-0.5 * (x - $1) * (x - $1) / (h * h)) } / (n * h * (2 * Double.pi).squareRoot())
            return (x, y)
        }
    }
}
