import Foundation

/// Figures of Ganglion's CSV outputs (and any CSV with a time column in ms): voltage traces, calcium, and
/// conductance trajectories on a log axis — decimated per pixel column so no spike is lost.
public enum TracePlot {
    /// Builds the figure of a CSV file. Without `columns` the panels are chosen from the header: one per
    /// voltage column (`V_mV`, `<cell>.V_mV`, each cell in its own colour), one for calcium (`Ca_au`,
    /// `Ca_average_au`, or `Ca`, `Ca_average` as older files name them; model units), the conductances
    /// (`g_<X>_mS_cm2`) on a log axis, and the DICs at threshold (`g_s_at_Vth`, `g_u_at_Vth`). A network's
    /// conductances file (`<cell>.<X>` columns) gives one log panel per channel with the cells overlaid, one
    /// colour per cell and one legend. Time is read in ms and voltages in mV, converted from the units of the
    /// header or of `units` (`TraceLayout`); `window` is in ms. `context` adds the protocol events as markers,
    /// Ca_tgt and g_s*, g_u* as reference lines, and the default title; `style` sets size and font.
    public static func figure(csv path: String, columns requested: [String]? = nil, window: ClosedRange<Double>? = nil,
                              title: String? = nil, logScale: Bool? = nil, markers: [(Double, String)] = [],
                              units: TraceUnits? = nil, context: FigureContext? = nil, what: String? = nil,
                              style: FigureStyle = FigureStyle()) throws(IOError) -> SVGFigure {
        let names = try CSVTable.header(path)
        let tIndex = names.firstIndex { TraceUnits.isTime(TraceUnits.split(column: $0).quantity) } ?? 0
        // Panels as lists of (column index, series name), with their reference lines and colours.
        var panels: [(label: String, log: Bool, columns: [(Int, String)], references: [ReferenceLine], colors: [String?])] = []
        if let requested {
            for c in requested {
                guard let i = names.firstIndex(of: c) else {
                    throw IOError(file: path, message: "no column '\(c)' (columns: \(names.joined(separator: ", ")))")
                }
                panels.append((axisLabel(c), logScale ?? false, [(i, c)], [], [nil]))
            }
        } else {
            let voltages = names.enumerated().filter { TraceUnits.isVoltage(TraceUnits.split(column: $0.element).quantity) }
            for (k, (i, n)) in voltages.enumerated() {
                let quantity = TraceUnits.split(column: n).quantity
                let network = quantity.contains(".")
                panels.append((network ? "\(quantity.dropLast(2)) V (mV)" : "V (mV)", false, [(i, n)], [],
                               [network ? SVGFigure.palette[k % SVGFigure.palette.count] : nil]))
            }
            for (i, n) in names.enumerated() where TraceColumns.isCalcium(n) {
                let average = n.hasPrefix("Ca_average")
                panels.append((average ? "Ca, 5 s average (model units)" : "Ca (model units)", false, [(i, n)],
                               context?.calciumReferences() ?? [], [nil]))
            }
            let single = names.enumerated().filter { $0.element.hasPrefix("g_") && $0.element.hasSuffix("_mS_cm2") }
            if !single.isEmpty {
                panels.append(("ḡ (mS/cm²)", logScale ?? true, single.map { ($0.offset, String($0.element.dropFirst(2).dropLast(7))) }, [],
                               single.map { _ in nil }))
            }
            let dics = names.enumerated().filter { $0.element == "g_s_at_Vth" || $0.element == "g_u_at_Vth" }
            if !dics.isEmpty {
                panels.append(("DIC at V_th (per g_leak)", false, dics.map { ($0.offset, $0.element == "g_s_at_Vth" ? "g_s" : "g_u") },
                               context?.dicReferences() ?? [], dics.map { $0.element == "g_s_at_Vth" ? "#c0392b" : "#27823b" }))
            }
            if panels.isEmpty {
                // A network conductances file: <cell>.<X> columns, one log panel per channel, the cells overlaid.
                var cells: [String] = []
                var byChannel: [(String, [(Int, String)])] = []
                for (i, n) in names.enumerated() where i != tIndex {
                    guard let dot = n.firstIndex(of: ".") else { continue }
                    let cell = String(n[..<dot]), channel = String(n[n.index(after: dot)...])
                    if !cells.contains(cell) { cells.append(cell) }
                    if let k = byChannel.firstIndex(where: { $0.0 == channel }) { byChannel[k].1.append((i, cell)) } else { byChannel.append((channel, [(i, cell)])) }
                }
                panels = byChannel.map { channel, columns in
                    ("ḡ_\(channel) (mS/cm²)", logScale ?? true, columns, [],
                     columns.map { SVGFigure.palette[(cells.firstIndex(of: $0.1) ?? 0) % SVGFigure.palette.count] })
                }
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
        let defaultTitle = context.map { $0.title(what ?? "recording") } ?? URL(fileURLWithPath: path).lastPathComponent
        var figure = SVGFigure(title: title ?? defaultTitle, xLabel: "time (s)", panels: [])
        figure.style = style
        if panels.count > 4 { figure.panelHeight = 130 }   // a circuit's channels or cells: a figure that fits a page
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
        let events = markers.isEmpty ? (context?.markers ?? []) : markers
        figure.panels = panels.enumerated().map { p, panel in
            PlotPanel(yLabel: panel.label, series: panel.columns.enumerated().map { k, c in
                decimators[p][k].finish()
                return PlotSeries(name: c.1, points: decimators[p][k].points.map { ($0.0 / 1000, $0.1) }, color: panel.colors[k])
            }, logY: panel.log, markers: events.map { ($0.0 / 1000, $0.1) }, references: panel.references)
        }
        return figure
    }

    static func axisLabel(_ column: String) -> String {
        let quantity = TraceUnits.split(column: column).quantity
        if TraceUnits.isVoltage(quantity) { return "\(quantity) (mV)" }
        if column.hasPrefix("g_"), column.hasSuffix("_mS_cm2") { return "ḡ_\(column.dropFirst(2).dropLast(7)) (mS/cm²)" }
        if TraceColumns.isCalcium(column) { return column.hasPrefix("Ca_average") ? "Ca, 5 s average (model units)" : "Ca (model units)" }
        if column == "g_s_at_Vth" || column == "g_u_at_Vth" { return "\(column.prefix(3)) at V_th (per g_leak)" }
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
