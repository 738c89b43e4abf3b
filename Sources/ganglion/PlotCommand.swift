import ArgumentParser
import Foundation
import Ganglion

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Plot a trace or conductances CSV as SVG (and PNG when a converter is installed).",
        discussion: """
            Without --columns: one panel per voltage column (V_mV, <cell>.V_mV), calcium, and the conductances on a
            log axis. Long traces are decimated to the minimum and maximum of every pixel column, so no spike is lost.
            """)

    @Argument(help: "CSV file with a t_ms column (a trace or conductances.csv), an NWB file (its voltage series), a sweep's features CSV or a population experiment's summary.json (box plots).") var file: String
    @Option(help: "Columns to plot, comma-separated (one panel each).") var columns: String?
    @Option(help: "Time window START:END (ms).") var window: String?
    @Option(help: "Output SVG (default: the CSV's name with .svg).") var out: String?
    @Option(help: "Figure title (default: the file name).") var title: String?
    @Flag(inversion: .prefixedNo, help: "Log y axis (default: on for conductances only).") var log: Bool?
    @Flag(help: "Also write a PNG next to the SVG when ImageMagick's convert or rsvg-convert is installed.") var png = false
    @Option(help: "Units of the CSV's time and voltage columns when its header does not name them: TIME,VOLTAGE with s or ms and V or mV (e.g. s,V).")
    var units: TraceUnits?

    @OptionGroup var output: OutputOptions

    func run() throws {
        output.apply()
        if file.hasSuffix(".json") {
            let output = out ?? String(file.dropLast(5)) + ".svg"
            OutputPolicy.protectInput(file)
            try checkOutputs(output)
            try writePopulationPlot(summary: file, to: output, title: title)
            print("wrote \(output)")
            return
        }
        let output = out ?? (file.hasSuffix(".csv") || isNWB(file) ? String(file.dropLast(4)) : file) + ".svg"
        OutputPolicy.protectInput(file)
        try checkOutputs(output)
        if file.hasSuffix(".csv"), (try? CSVTable.header(file))?.contains("population_size") == true {
            guard columns == nil, window == nil, !png, log == nil else {
                throw fail("\(file) is a sweep table: its box plots take no --columns, --window, --png or --log")
            }
            try writeSweepPlot(table: file, to: output, title: title)
            print("wrote \(output)")
            return
        }
        var csv = file
        var chosen = columns.map { $0.split(separator: ",").map(String.init) }
        if isNWB(file) {
            // --columns names series (or their columns); the temporary CSV has their column names.
            let converted = try temporaryCSV(fromNWB: file, series: chosen)
            csv = converted.csv
            if chosen != nil { chosen = converted.columns }
        }
        defer { if csv != file { unlink(csv) } }
        let written = try writePlot(csv: csv, to: output, columns: chosen, window: try parseWindow(window),
                                    title: title ?? URL(fileURLWithPath: file).lastPathComponent, log: log, png: png,
                                    readFrom: csv == file ? nil : file, units: csv == file ? units : nil)
        print("wrote \(written.joined(separator: ", "))")
    }
}

/// Plots a CSV to an SVG (written atomically) and optionally a PNG; returns the files written.
@discardableResult
func writePlot(csv: String, to svg: String, columns: [String]? = nil, window: ClosedRange<Double>? = nil, title: String? = nil,
               log: Bool? = nil, markers: [(Double, String)] = [], png: Bool = false, readFrom source: String? = nil,
               units: TraceUnits? = nil) throws(ExitCode) -> [String] {
    let figure: SVGFigure
    do { figure = try TracePlot.figure(csv: csv, columns: columns, window: window, title: title, logScale: log, markers: markers, units: units) } catch {
        throw fail(source.map { nwbMessage(error, csv: csv, nwb: $0) } ?? "\(error)")
    }
    do { try AtomicFileWriter.write(Data(figure.render().utf8), to: svg) } catch { throw fail("\(svg): \(error)") }
    var files = [svg]
    if png, let converter = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert", "/usr/bin/convert", "/usr/local/bin/convert"]
        .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
        let target = String(svg.dropLast(4)) + ".png"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: converter)
        p.arguments = converter.hasSuffix("rsvg-convert") ? ["-o", target, svg] : ["-density", "110", svg, target]
        p.standardError = FileHandle.nullDevice
        if (try? p.run()) != nil {
            p.waitUntilExit()
            if p.terminationStatus == 0 { files.append(target) } else { printErr("warning: \(converter) could not convert \(svg) to PNG") }
        }
    }
    return files
}

/// Box plots of a population summary.json (frequency and burstiness per window and snapshot).
func writePopulationPlot(summary path: String, to svg: String, title: String? = nil) throws(ExitCode) {
    guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(path): cannot read the file (does it exist?)") }
    let parsed: Any
    do { parsed = try JSONInput.parse(data) } catch { throw fail("\(path):\(error)") }
    guard let object = parsed as? [String: Any] else { throw fail("\(path): must be a JSON object (a summary.json), got \(describeJSON(parsed))") }
    let conditions = PopulationPlot.conditions(object)
    guard !conditions.isEmpty else { throw fail("\(path): no population rows with windows or snapshots (is it a population experiment's summary.json?)") }
    let name = object["experiment"] as? String ?? URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
    let text = PopulationPlot.svg(title: title ?? "\(name): \(conditions[0].cells) cells", conditions: conditions)
    do { try AtomicFileWriter.write(Data(text.utf8), to: svg) } catch { throw fail("\(svg): \(error)") }
}

/// Box plots of a sweep's features table (frequency, burstiness of the bursting cells).
func writeSweepPlot(table path: String, to svg: String, title: String? = nil) throws(ExitCode) {
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    let condition: PopulationPlot.Condition
    do { condition = try PopulationPlot.condition(sweepTable: path, label: name) } catch { throw fail("\(error)") }
    guard condition.cells > 0 else { throw fail("\(path): no cell ran (every row failed or the table is empty)") }
    let text = PopulationPlot.svg(title: title ?? "\(name): \(condition.cells) cells", conditions: [condition])
    do { try AtomicFileWriter.write(Data(text.utf8), to: svg) } catch { throw fail("\(svg): \(error)") }
}
