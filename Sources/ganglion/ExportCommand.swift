import ArgumentParser
import Foundation
import Ganglion

/// The format of a written trace.
enum TraceFormat: String, ExpressibleByArgument, CaseIterable {
    /// Comma-separated values with a header of column names and units (`t_ms,V_mV,Ca,…`).
    case csv
    /// Neurodata Without Borders 2 (HDF5): one TimeSeries per column in `/acquisition`.
    case nwb

    /// The format asked for, else the one `path`'s extension names, else CSV.
    static func resolve(_ asked: TraceFormat?, path: String?) -> TraceFormat {
        asked ?? (path.map { $0.lowercased().hasSuffix(".nwb") } == true ? .nwb : .csv)
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a trace CSV (from Ganglion or another simulator) to NWB.",
        discussion: """
        Every column but the time column becomes a TimeSeries in /acquisition with its unit read from the column \
        name (V_mV → volts with conversion 1e-3, *_uA_cm2 → A/m^2, *_mS_cm2 → S/m^2); a time in s or a voltage \
        in V (t_s, V_V, or --units s,V) is converted to ms and mV first. A regular grid is stored as \
        starting_time + rate, anything else as timestamps. See Docs/nwb.md.
        """)

    @Argument(help: "Trace CSV with a time column naming its unit (t_ms, t_s), or use --units.") var trace: String
    @Option(help: "Output file (default: the trace with .nwb).") var out: String?
    @Option(help: "Output format (only nwb for now).") var format: TraceFormat = .nwb
    @Option(help: "Columns to export, comma-separated (default: all).") var columns: String?
    @Option(help: "Session description written into the file.") var description: String?
    @Option(help: "Units of the CSV's time and voltage columns when its header does not name them: TIME,VOLTAGE with s or ms and V or mV (e.g. s,V). Stored as ms and mV.")
    var units: TraceUnits?

    @OptionGroup var output: OutputOptions

    func run() throws {
        output.apply()
        guard format == .nwb else { throw fail("--format \(format.rawValue): export writes nwb (the trace already is CSV)") }
        let target = out ?? ((trace.hasSuffix(".csv") ? String(trace.dropLast(4)) : trace) + ".nwb")
        let name = URL(fileURLWithPath: trace).lastPathComponent
        OutputPolicy.protectInput(trace)
        try checkOutputs(target)
        let origin = RunFolderRecord(besideTrace: trace)
        var m = nwbMetadata(description: description ?? "Trace \(name) exported by Ganglion", model: origin.experiment,
                            protocol: origin.events.map { ["events": $0] }, solver: origin.solver, input: trace, started: Date())
        m.experimentDescription = "Trace table \(trace) converted to NWB by Ganglion; its columns are in /acquisition."
        m.subject.subjectID = URL(fileURLWithPath: trace).deletingPathExtension().lastPathComponent
        m.subject.description = "The subject of the trace table \(name), converted by Ganglion; a model neuron if the table comes from a simulator."
        let chosen = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let n: Int
        do {
            n = try NWBExport.convert(csv: trace, to: target, metadata: m, columns: chosen,
                                      source: "converted by `ganglion export` from \(name)", units: units)
        } catch { throw fail("\(error)") }
        printErr("wrote \(target) (\(n) samples)")
    }
}

/// What a Ganglion output folder says about a trace in it: the solver and the events of its `summary.json`
/// (a `run` cell or a `network` run) and the experiment file copied into the run folder (`experiment.json`,
/// two levels up for a population's cell). Each is nil when the folder does not hold it.
struct RunFolderRecord {
    var solver: Any?
    var events: Any?
    var experiment: Any?

    init(besideTrace trace: String) {
        let folder = URL(fileURLWithPath: trace).deletingLastPathComponent()
        func object(_ url: URL) -> [String: Any]? {
            FileManager.default.contents(atPath: url.path).flatMap { try? JSONInput.parse($0) as? [String: Any] }
        }
        if let summary = object(folder.appendingPathComponent("summary.json")) {
            solver = summary["solver"]
            events = summary["events"]
        }
        let population = folder.deletingLastPathComponent().lastPathComponent == "cells"
        let runFolder = population ? folder.deletingLastPathComponent().deletingLastPathComponent() : folder
        if solver != nil || population { experiment = object(runFolder.appendingPathComponent("experiment.json")) }
    }
}

/// The NWB session metadata of a Ganglion run: the model (notes), the protocol, the solver (data collection)
/// and the command line (source script).
func nwbMetadata(description: String, model: Any?, protocol protocolObject: Any?, solver: Any?, input: String?,
                 started: Date) -> NWBMetadata {
    var m = NWBMetadata(sessionDescription: description)
    m.sessionStartTime = started
    m.experimentDescription = "In-silico experiment: a conductance-based model simulated with Ganglion. No animal; "
        + "the series are the model's states. Model in general/notes, protocol in general/protocol, "
        + "solver in general/data_collection (JSON)."
    m.notes = model.map { JSONOutput.string($0, pretty: true) }
    m.protocolText = protocolObject.map { JSONOutput.string($0, pretty: true) }
    m.dataCollection = solver.map { JSONOutput.string($0, pretty: true) }
    m.sourceScript = JSONOutput.string(Provenance.current.jsonObject, pretty: true)
    m.sourceScriptFileName = input
    m.keywords = ["conductance-based model", "simulation", "Ganglion"]
    return m
}

/// An error message about a temporary CSV made from an NWB file, naming the NWB file instead.
func nwbMessage(_ error: Error, csv: String, nwb: String) -> String {
    "\(error)".replacingOccurrences(of: csv + ":", with: nwb + " (read as a trace):").replacingOccurrences(of: csv, with: nwb)
}

/// An NWB file's series as a temporary trace CSV (for `plot` and `analyze`); the caller deletes it.
func temporaryCSV(fromNWB path: String, series: [String]? = nil) throws(ExitCode) -> (csv: String, columns: [String]) {
    let csv = FileManager.default.temporaryDirectory.appendingPathComponent("ganglion-\(UUID().uuidString).csv").path
    do {
        let columns = try NWBReader.writeCSV(nwb: path, to: csv, series: series)
        return (csv, columns)
    } catch { throw fail(nwbMessage(error, csv: csv, nwb: path)) }
}

/// Whether `path` names an NWB file (by its extension).
func isNWB(_ path: String) -> Bool { path.lowercased().hasSuffix(".nwb") }

/// Warns when a fixed step exceeds the output interval: each output interval is split into equal steps
/// no longer than `dt`, so the steps are the output interval itself.
func noteStep(_ dt: Double?, outputInterval: Double) {
    if let dt, dt > outputInterval {
        printErr("note: --dt \(dt) ms exceeds the output interval \(outputInterval) ms: the fixed steps are \(outputInterval) ms")
    }
}
