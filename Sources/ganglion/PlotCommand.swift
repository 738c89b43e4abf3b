import ArgumentParser
import Foundation
import Ganglion

/// The figures `ganglion plot` draws.
enum PlotKind: String, ExpressibleByArgument, CaseIterable {
    case trace, box, violin, trajectories, raster
}

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Plot a trace, conductances, a population or a circuit as SVG, PNG or PDF.",
        discussion: """
            --kind chooses the figure (default: trace for a CSV, box for a summary.json or a sweep table):
              trace         one panel per voltage column (V_mV, <cell>.V_mV), calcium (model units), the conductances
                            on a log axis and the DICs at threshold; a network's conductances: one panel per channel,
                            the cells overlaid. Events, Ca_tgt and g_s*, g_u* come from the summary.json beside the file.
                            Long traces are decimated to the minimum and maximum of every pixel column: no spike is lost.
              box, violin   a population's frequency and burstiness per analysis window and snapshot (FILE: its
                            summary.json or its folder; box also takes a sweep's features CSV).
              trajectories  each cell's path in the (ḡ_X, ḡ_Y) plane (--pair X,Y; default A,CaS) from the population
                            folder's cells/<i>/conductances.csv; start open, end filled.
              raster        a network trace's spikes, burst onsets and mean phases (from the summary.json beside it).
            The format is --format, or the extension of --out (.svg, .png, .pdf); PNG and PDF are rendered by librsvg's
            rsvg-convert (Debian package librsvg2-bin; bash scripts/setup.sh installs it).
            """)

    @Argument(help: "CSV file with a t_ms column (a trace or conductances.csv), an NWB file (its voltage series), a sweep's features CSV, a population experiment's summary.json or output folder.") var file: String
    @Option(help: "The figure: trace, box, violin, trajectories or raster (default: trace for a CSV or NWB file, box for a summary.json, folder or sweep table).")
    var kind: PlotKind?
    @Option(help: "Columns to plot, comma-separated (one panel each).") var columns: String?
    @Option(help: "Time window START:END (ms).") var window: String?
    @Option(help: "Output file (.svg, .png or .pdf; default: the input's name with the format's extension).") var out: String?
    @Option(help: "Output format: svg, png or pdf (default: from --out, else svg).") var format: FigureFormat?
    @Option(help: "Figure title (default: the model, what was done to it and when, from the run's summary.json; else the file name).") var title: String?
    @Option(help: "With --kind trajectories: the two channels X,Y of the plane (default A,CaS).") var pair: String = "A,CaS"
    @Flag(inversion: .prefixedNo, help: "Log y axis (default: on for conductances only).") var log: Bool?
    @Flag(help: "Also write a PNG next to the figure (needs rsvg-convert).") var png = false
    @Option(help: "Units of the CSV's time and voltage columns when its header does not name them: TIME,VOLTAGE with s or ms and V or mV (e.g. s,V).")
    var units: TraceUnits?

    @OptionGroup var figure: FigureOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        output.apply()
        let style = try figure.style()
        var isDirectory: ObjCBool = false
        let folder = FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) && isDirectory.boolValue
        let sweep = file.hasSuffix(".csv") && (try? CSVTable.header(file))?.contains("population_size") == true
        let inferred: PlotKind = file.hasSuffix(".json") || folder || sweep ? .box : .trace
        let kind: PlotKind = self.kind ?? inferred
        let chosenFormat: FigureFormat = format ?? out.flatMap { FigureFormat(path: $0) } ?? .svg
        func defaultOut(_ stem: String) -> String { stem + "." + chosenFormat.rawValue }
        let trimmed: String = file.hasSuffix("/") ? String(file.dropLast()) : file
        let base: String? = folder ? trimmed + "/" : nil
        OutputPolicy.protectInput(file)
        if kind != .trace, !sweep, columns != nil || window != nil || log != nil || units != nil || png {
            throw fail("--columns, --window, --log, --units and --png apply to --kind trace, not --kind \(kind.rawValue)")
        }
        switch kind {
        case .box, .violin:
            if sweep {
                guard kind == .box, columns == nil, window == nil, !png, log == nil else {
                    throw fail("\(file) is a sweep table: it is drawn as box plots, with no --kind, --columns, --window, --png or --log")
                }
                let stem: String = String(file.dropLast(4))
            let output: String = out ?? defaultOut(stem)
                try checkOutputs(output)
                try writeSweepPlot(table: file, to: output, title: title, style: style, format: format)
                print("wrote \(output)")
                return
            }
            let summary = base.map { $0 + "summary.json" } ?? file
            guard summary.hasSuffix(".json") else { throw fail("--kind \(kind.rawValue) draws a population: give its summary.json or output folder") }
            let suffix: String = kind == .violin ? "-violin" : ""
            let stem: String = String(summary.dropLast(5)) + suffix
            let output: String = out ?? defaultOut(stem)
            try checkOutputs(output)
            try writePopulationPlot(summary: summary, to: output, title: title, shape: kind == .violin ? .violin : .box, style: style, format: format)
            print("wrote \(output)")
        case .trajectories:
            let parent: String = URL(fileURLWithPath: file).deletingLastPathComponent().path + "/"
            let root: String = base ?? parent
            let names = pair.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard names.count == 2, !names[0].isEmpty, !names[1].isEmpty else { throw fail("--pair '\(pair)': expected two channels X,Y (e.g. A,CaS)") }
            let stem: String = root + "trajectories-" + names[0] + "-" + names[1]
            let output: String = out ?? defaultOut(stem)
            try checkOutputs(output)
            try writeTrajectoryPlot(folder: String(root.dropLast()), x: names[0], y: names[1], to: output, title: title, style: style, format: format)
            print("wrote \(output)")
        case .raster:
            guard file.hasSuffix(".csv") else { throw fail("--kind raster draws a network trace: give its trace.csv") }
            let stem: String = String(file.dropLast(4)) + "-raster"
            let output: String = out ?? defaultOut(stem)
            try checkOutputs(output)
            try writeRaster(trace: file, to: output, title: title, style: style, format: format)
            print("wrote \(output)")
        case .trace:
            guard !folder, !file.hasSuffix(".json") else { throw fail("--kind trace draws a CSV or NWB file, not \(file)") }
            let stem: String = file.hasSuffix(".csv") || isNWB(file) ? String(file.dropLast(4)) : file
            let output: String = out ?? defaultOut(stem)
            try checkOutputs(output)
            var csv = file
            var chosen = columns.map { $0.split(separator: ",").map(String.init) }
            if isNWB(file) {
                // --columns names series (or their columns); the temporary CSV has their column names.
                let converted = try temporaryCSV(fromNWB: file, series: chosen)
                csv = converted.csv
                if chosen != nil { chosen = converted.columns }
            }
            defer { if csv != file { unlink(csv) } }
            let context: FigureContext? = FigureContext.beside(file)
            let fileName: String? = context == nil ? URL(fileURLWithPath: file).lastPathComponent : nil
            let written = try writePlot(csv: csv, to: output, columns: chosen, window: try parseWindow(window),
                                        title: title ?? fileName, log: log, png: png,
                                        readFrom: csv == file ? nil : file, units: csv == file ? units : nil, context: context,
                                        what: Self.what(file), style: style, format: format)
            print("wrote \(written.joined(separator: ", "))")
        }
    }

    /// What a run output file holds, for its title.
    static func what(_ file: String) -> String {
        URL(fileURLWithPath: file).lastPathComponent.hasPrefix("conductances") ? "conductances" : "membrane potential"
    }
}

/// Plots a CSV to a figure file (SVG, or PNG/PDF by `format` or the path's extension), and optionally also a
/// PNG next to it; returns the files written.
@discardableResult
func writePlot(csv: String, to path: String, columns: [String]? = nil, window: ClosedRange<Double>? = nil, title: String? = nil,
               log: Bool? = nil, markers: [(Double, String)] = [], png: Bool = false, readFrom source: String? = nil,
               units: TraceUnits? = nil, context: FigureContext? = nil, what: String? = nil, style: FigureStyle = FigureStyle(),
               format: FigureFormat? = nil) throws(ExitCode) -> [String] {
    let figure: SVGFigure
    do {
        figure = try TracePlot.figure(csv: csv, columns: columns, window: window, title: title, logScale: log, markers: markers, units: units,
                                      context: context, what: what, style: style)
    } catch {
        throw fail(source.map { nwbMessage(error, csv: csv, nwb: $0) } ?? "\(error)")
    }
    let svg = figure.render()
    try writeFigure(svg, to: path, format: format)
    var files = [path]
    if png, (format ?? FigureFormat(path: path)) != .png {
        let target = replacingExtension(path, with: .png)
        try writeFigure(svg, to: target, format: .png)
        files.append(target)
    }
    return files
}

/// Box or violin plots of a population summary.json (frequency and burstiness per window and snapshot).
func writePopulationPlot(summary path: String, to output: String, title: String? = nil, shape: PopulationPlot.Shape = .box,
                         style: FigureStyle = FigureStyle(), format: FigureFormat? = nil) throws(ExitCode) {
    guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(path): cannot read the file (does it exist?)") }
    let parsed: Any
    do { parsed = try JSONInput.parse(data) } catch { throw fail("\(path):\(error)") }
    guard let object = parsed as? [String: Any] else { throw fail("\(path): must be a JSON object (a summary.json), got \(describeJSON(parsed))") }
    let conditions = PopulationPlot.conditions(object)
    guard !conditions.isEmpty else { throw fail("\(path): no population rows with windows or snapshots (is it a population experiment's summary.json?)") }
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let name = object["experiment"] as? String ?? URL(fileURLWithPath: folder).lastPathComponent
    let cells = FigureContext.number(object["cells"]).map(Int.init) ?? conditions[0].cells
    let context = populationContext(folder: folder, summary: object)
    let fallback: String = "\(name): \(cells) cells"
    let heading: String = title ?? context?.populationTitle(cells: cells) ?? fallback
    let text = PopulationPlot.svg(title: heading, conditions: conditions, shape: shape, style: style)
    try writeFigure(text, to: output, format: format)
}

/// The context of a population run: its first cell's summary.json (the events, targets and regulation every cell shares).
func populationContext(folder: String, summary: [String: Any]) -> FigureContext? {
    let rows = summary["rows"] as? [[String: Any]] ?? []
    for index in rows.compactMap({ FigureContext.number($0["cell_index"]).map(Int.init) }) {
        if var c = FigureContext.beside(folder + "/cells/\(index)/summary.json") {
            c.experiment = summary["experiment"] as? String ?? c.experiment
            return c
        }
    }
    return nil
}

/// Box plots of a sweep's features table (frequency, burstiness of the bursting cells).
func writeSweepPlot(table path: String, to output: String, title: String? = nil, style: FigureStyle = FigureStyle(),
                    format: FigureFormat? = nil) throws(ExitCode) {
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    let condition: PopulationPlot.Condition
    do { condition = try PopulationPlot.condition(sweepTable: path, label: name) } catch { throw fail("\(error)") }
    guard condition.cells > 0 else { throw fail("\(path): no cell ran (every row failed or the table is empty)") }
    let text = PopulationPlot.svg(title: title ?? "\(name): \(condition.cells) cells", conditions: [condition], style: style)
    try writeFigure(text, to: output, format: format)
}

/// The (ḡ_x, ḡ_y) trajectories of a population run's cells.
func writeTrajectoryPlot(folder: String, x: String, y: String, to output: String, title: String? = nil,
                         style: FigureStyle = FigureStyle(), format: FigureFormat? = nil) throws(ExitCode) {
    let cells: [TrajectoryPlot.Cell]
    do { cells = try TrajectoryPlot.cells(folder: folder, x: x, y: y) } catch { throw fail("\(error)") }
    let summary = FileManager.default.contents(atPath: folder + "/summary.json").flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    let context = summary.flatMap { populationContext(folder: folder, summary: $0) }
    let what: String = "ḡ_\(x)–ḡ_\(y) trajectories"
    let fallback: String = URL(fileURLWithPath: folder).lastPathComponent + ": " + what + ", \(cells.count) cells"
    let heading: String = title ?? context?.populationTitle(cells: cells.count, what) ?? fallback
    let text = TrajectoryPlot.svg(title: heading, cells: cells, x: x, y: y, style: style)
    try writeFigure(text, to: output, format: format)
}

/// The raster of a network trace, annotated from the summary.json beside it (phases, burst onsets, reference cell).
func writeRaster(trace: String, to output: String, title: String? = nil, span: ClosedRange<Double>? = nil, summary summaryFile: String? = nil,
                 style: FigureStyle = FigureStyle(), format: FigureFormat? = nil) throws(ExitCode) {
    let summaryPath = summaryFile ?? URL(fileURLWithPath: trace).deletingLastPathComponent().appendingPathComponent("summary.json").path
    let summary = FileManager.default.contents(atPath: summaryPath).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    let (phases, onsets, reference) = summary.map { RasterPlot.annotations(summary: $0, span: span) } ?? ([:], [:], nil)
    let folderName: String = URL(fileURLWithPath: trace).deletingLastPathComponent().lastPathComponent
    let name: String = summary?["network"] as? String ?? folderName
    let text: String
    do {
        let heading: String = title ?? name + ": spikes, burst onsets and phases"
        text = try RasterPlot.svg(csv: trace, title: heading, phases: phases, onsets: onsets,
                                  reference: reference, style: style)
    } catch { throw fail("\(error)") }
    try writeFigure(text, to: output, format: format)
}
