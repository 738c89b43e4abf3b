import Foundation

/// Figures of Ganglion's CSV outputs (and any CSV with a time column in ms): voltage traces, calcium, and
/// conductance trajectories on a log axis — decimated per pixel column so no spike is lost.
public enum TracePlot {
    /// Builds the figure of a CSV file. Without `columns` the panels are chosen from the header: one per
    /// voltage column (`V_mV`, `<cell>.V_mV`), one for calcium (`Ca_au`, `Ca_average_au`, or `Ca`, `Ca_average` as older files name them), and the conductances
    /// (`g_<X>_mS_cm2`, or `<cell>.<X>` in a network's conductances file) on a log axis, one panel per cell.
    /// Time is read in ms and voltages in mV, converted from the units of the header or of `units`
    /// (`TraceLayout`); `window` is in ms.
    public static func figure(csv path: String, columns requested: [String]? = nil, window: ClosedRange<Double>? = nil,
                              title: String? = nil, logScale: Bool? = nil, markers: [(Double, String)] = [],
                              units: TraceUnits? = nil) throws(IOError) -> SVGFigure {
        let names = try CSVTable.header(path)
        let tIndex = names.firstIndex { TraceUnits.isTime(TraceUnits.split(column: $0).quantity) } ?? 0
        // Panels as lists of (column index, series name).
        var panels: [(label: String, log: Bool, columns: [(Int, String)])] = []
        if let requested {
            for c in requested {
                guard let i = names.firstIndex(of: c) else {
                    throw IOError(file: path, message: "no column '\(c)' (columns: \(names.joined(separator: ", ")))")
                }
                panels.append((axisLabel(c), logScale ?? false, [(i, c)]))
            }
        } else {
            for (i, n) in names.enumerated() where TraceUnits.isVoltage(TraceUnits.split(column: n).quantity) {
                let quantity = TraceUnits.split(column: n).quantity
                panels.append((quantity.contains(".") ? "\(quantity.dropLast(2)) V (mV)" : "V (mV)", false, [(i, n)]))
            }
            for (i, n) in names.enumerated() where TraceColumns.isCalcium(n) {
                panels.append((n.hasPrefix("Ca_average") ? "Ca, 5 s average" : "Ca", false, [(i, n)]))
            }
            let single = names.enumerated().filter { $0.element.hasPrefix("g_") && $0.element.hasSuffix("_mS_cm2") }
            if !single.isEmpty {
                panels.append(("ḡ (mS/cm²)", logScale ?? true, single.map { ($0.offset, String($0.element.dropFirst(2).dropLast(7))) }))
            }
            if panels.isEmpty {
                // A network conductances file: <cell>.<X> columns, one log panel per cell.
                var byCell: [(String, [(Int, String)])] = []
                for (i, n) in names.enumerated() where i != tIndex {
                    guard let dot = n.firstIndex(of: ".") else { continue }
                    let cell = String(n[..<dot]), channel = String(n[n.index(after: dot)...])
                    if let k = byCell.firstIndex(where: { $0.0 == cell }) { byCell[k].1.append((i, channel)) } else { byCell.append((cell, [(i, channel)])) }
                }
                panels = byCell.map { ("\($0.0) ḡ (mS/cm²)", logScale ?? true, $0.1) }
            }
            guard !panels.isEmpty else {
                throw IOError(file: path, message: "nothing to plot automatically; name columns (columns: \(names.joined(separator: ", ")))")
            }
        }
        // Units: time to ms, the plotted voltage columns to mV.
        let voltages = Set(panels.flatMap { $0.columns.map(\.0) }).filter { TraceUnits.isVoltage(TraceUnits.split(column: names[$0]).quantity) }
        let layout = try TraceLayout(names: names, file: path, voltages: voltages.sorted(), units: units)
        let tScale = layout.timeScale
        var scales = Array(repeating: 1.0, count: names.count)
        for (i, k) in layout.voltageScales { scales[i] = k }
        // Time range: the window, or the file's first and last times (the last line read from the end).
        var range = window
        if range == nil {
            guard let (a, b) = try timeSpan(path, column: tIndex, count: names.count) else { throw IOError(file: path, message: "no data rows") }
            range = a * tScale...max(b * tScale, a * tScale + 1e-9)
        }
        let r = range!
        var figure = SVGFigure(title: title ?? URL(fileURLWithPath: path).lastPathComponent, xLabel: "time (s)", panels: [])
        figure.legend = panels.contains { $0.columns.count > 1 }
        let pixels = Int(figure.plotWidth)
        var decimators = panels.map { $0.columns.map { _ in MinMaxDecimator(range: r, columns: pixels) } }
        var needed = Array(repeating: false, count: names.count)
        needed[tIndex] = true
        for p in panels { for c in p.columns { needed[c.0] = true } }
        var checks = Dictionary(uniqueKeysWithValues: voltages.map { ($0, VoltageRangeCheck()) })
        var seen = 0
        try CSVTable.rows(path, count: names.count, needed: needed) { v in
            let t = v[tIndex] * tScale
            guard r.contains(t) else { return }
            seen += 1
            for i in voltages { checks[i]!.observe(v[i] * scales[i]) }
            for p in panels.indices {
                for (k, c) in panels[p].columns.enumerated() { decimators[p][k].add(t, v[c.0] * scales[c.0]) }
            }
        }
        if seen > 0 {
            for (i, check) in checks.sorted(by: { $0.key < $1.key }) { try check.verify(file: path, column: names[i], scale: scales[i]) }
        }
        figure.panels = panels.enumerated().map { p, panel in
            PlotPanel(yLabel: panel.label, series: panel.columns.enumerated().map { k, c in
                decimators[p][k].finish()
                return PlotSeries(name: c.1, points: decimators[p][k].points.map { ($0.0 / 1000, $0.1) })
            }, logY: panel.log, markers: markers.map { ($0.0 / 1000, $0.1) })
        }
        return figure
    }

    static func axisLabel(_ column: String) -> String {
        let quantity = TraceUnits.split(column: column).quantity
        if TraceUnits.isVoltage(quantity) { return "\(quantity) (mV)" }
        if column.hasPrefix("g_"), column.hasSuffix("_mS_cm2") { return "ḡ_\(column.dropFirst(2).dropLast(7)) (mS/cm²)" }
        return column
    }

    /// The times of the first and the last data row (the last found by reading the file's tail).
    static func timeSpan(_ path: String, column: Int, count: Int) throws(IOError) -> (Double, Double)? {
        var first: Double?
        try CSVTable.rows(path, count: count, limit: 1) { first = $0[column] }
        guard let first else { return nil }
        OutputPolicy.protectInput(path)
        guard let fp = fopen(path, "r") else { throw IOError(file: path, message: "cannot open") }
        defer { fclose(fp) }
        fseeko(fp, 0, SEEK_END)
        let size = ftello(fp)
        let chunk = min(size, 65536)
        fseeko(fp, size - chunk, SEEK_SET)
        var bytes = [CChar](repeating: 0, count: Int(chunk) + 1)
        let n = fread(&bytes, 1, Int(chunk), fp)
        let text = String(cString: Array(bytes[0..<n]) + [0])
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let lastLine = lines.last else { return (first, first) }
        let fields = lastLine.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == count, let last = Double(fields[column].trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw IOError(file: path, message: "the last line does not have \(count) numeric fields")
        }
        return (first, last)
    }

}
