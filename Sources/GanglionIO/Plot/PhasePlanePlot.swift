import Foundation

/// The phase plane of a trace: V (mV) against dV/dt (mV/ms, the `dVdt_mV_ms` column a run records from the
/// cell's right-hand side), one line through the samples in time order.
public enum PhasePlanePlot {
    /// The figure of the trace at `path` (a CSV with `t_ms`, `V_mV` and `dVdt_mV_ms`), the samples inside
    /// `window` (ms; nil: all). A sample is kept when it moves the line by at least `resolution` of the data's
    /// range on either axis, so a limit cycle traced many times costs what one trace costs.
    public static func figure(csv path: String, window: ClosedRange<Double>? = nil, title: String,
                              resolution: Double = 4e-3) throws(IOError) -> SVGFigure {
        let header = try CSVTable.header(path)
        guard let t = header.firstIndex(of: "t_ms"), let v = header.firstIndex(of: "V_mV"),
              let d = header.firstIndex(of: TraceColumns.voltageDerivative) else {
            throw IOError(file: path, message: "a phase plane needs the columns t_ms, V_mV and \(TraceColumns.voltageDerivative) (record dVdt)")
        }
        var samples: [(Double, Double)] = []
        let needed = header.indices.map { [t, v, d].contains($0) }
        try CSVTable.rows(path, count: header.count, needed: needed) { row in
            if let window, !window.contains(row[t]) { return }
            samples.append((row[v], row[d]))
        }
        let points = thinned(samples, resolution: resolution)
        var figure = SVGFigure(title: title, xLabel: "V (mV)",
                               panels: [PlotPanel(yLabel: "dV/dt (mV/ms)", series: [PlotSeries(name: "trajectory", points: points)])])
        figure.panelHeight = 480
        return figure
    }

    /// The samples that move the line by at least `resolution` × the data's range on one axis since the last
    /// one kept (the first and last always kept).
    static func thinned(_ samples: [(Double, Double)], resolution: Double) -> [(Double, Double)] {
        guard let first = samples.first else { return [] }
        let xs = samples.map(\.0), ys = samples.map(\.1)
        let dx = max((xs.max()! - xs.min()!) * resolution, .leastNormalMagnitude)
        let dy = max((ys.max()! - ys.min()!) * resolution, .leastNormalMagnitude)
        var kept = [first]
        var last = first
        for s in samples.dropFirst() where abs(s.0 - last.0) >= dx || abs(s.1 - last.1) >= dy {
            kept.append(s)
            last = s
        }
        if let end = samples.last, kept.count > 1 || samples.count > 1, kept.last! != end { kept.append(end) }
        return kept
    }
}
