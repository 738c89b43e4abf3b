import ArgumentParser
import Foundation
import Ganglion

struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Run a network file (cells, synapses, gap junctions, controllers, protocol); writes DIR/summary.json and the traces.",
        discussion: """
            One right-hand side for the whole network, integrated by CVODE with the network's own Newton solver
            (or a fixed-step method). The summary has, per analysis window and cell, the firing features, burst
            onsets, the period and the phase relative to the reference cell (Docs/network-files.md).
            """)

    @Argument(help: "Network file (JSON; Docs/network-files.md). Not with --resume.") var networkFile: String?
    @Option(help: "Output folder (default out/<network name>).") var out: String?
    @Option(name: .customLong("resume"), help: "Continue the interrupted network run in this output folder (from its last checkpoint).")
    var resumeFolder: String?
    @Option(help: "Profile, replacing the file's: ganglion or paper (Docs/science/controllers.md §6).") var profile: String?
    @OptionGroup var solverOptions: SolverOverride
    @Option(parsing: .unconditional, help: "Simulate only this long (ms); events and windows after it are dropped, windows that straddle it are cut.")
    var duration: Double?
    @Option(help: "Trace format: csv (trace.csv) or nwb (trace.nwb, Neurodata Without Borders 2); default from the file's trace name, else csv.")
    var format: TraceFormat?
    @Option(help: "A population of circuits (the file's \"circuits\"): circuits simulated at a time (default: the number of cores).") var jobs: Int?
    @Option(help: "A population of circuits: run the I-th of N contiguous slices (0-based), e.g. 2/8, into its own folder; join them with ganglion merge. Defaults from SLURM_ARRAY_TASK_ID/COUNT.")
    var shard: String?
    @Flag(help: "Print the summary as JSON on stdout.") var json = false
    @Flag(help: "No progress on stderr.") var quiet = false
    @Flag(help: "Write the figures next to the summary: trace.svg (one panel per cell) and conductances.svg.") var plot = false
    @OptionGroup var figureOptions: FigureOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let profile, Profile(rawValue: profile) == nil { throw ValidationError("--profile '\(profile)': known profiles are ganglion and paper") }
        if let duration, !(duration > 0 && duration.isFinite) { throw ValidationError("--duration \(duration): must be a finite number of ms > 0") }
        if networkFile == nil, resumeFolder == nil { throw ValidationError("give a network file, or --resume DIR") }
        if networkFile != nil, resumeFolder != nil { throw ValidationError("give either a network file or --resume DIR, not both") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1") }
        if resumeFolder != nil, !solverOptions.isEmpty || profile != nil || format != nil || duration != nil || out != nil || shard != nil || jobs != nil {
            throw ValidationError("--resume continues with the run's own settings (run.json): no --out, --solver, --dt, --exact-rates, --sundials-step-bounds, --local-steps, --profile, --format, --duration, --jobs or --shard")
        }
    }

    func run() throws {
        output.apply()
        var started = Date()
        var e: NetworkExperiment
        let folder: String
        let claim: OutputFolder
        let file: String
        var traceFormat: TraceFormat
        var record: RunRecord
        if let dir = resumeFolder {
            // The network and the command's settings from the run record kept in the folder.
            folder = dir
            guard FileManager.default.fileExists(atPath: dir) else { throw fail("\(dir): no such folder: no run was started here") }
            do { claim = try OutputFolder(claiming: dir) } catch { throw fail("\(error)") }
            let path = RunRecord.path(in: dir)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw fail("\(dir): no run was started here (no \(RunRecord.name): a run writes it before anything else); start the run again with ganglion network FILE --out \(dir)")
            }
            do { record = try RunRecord(data, file: path) } catch { throw fail("\(error)") }
            guard record.kind == .network else { throw fail("\(dir): holds an experiment run: resume it with ganglion run --resume \(dir)") }
            let circuits: CircuitPopulation?
            do {
                circuits = try CircuitPopulation.parse(Data(record.inputText.utf8), file: record.inputFile, folder: record.inputFolder,
                                                       profile: record.profile, solver: record.solverOverrides)
            } catch { throw fail("\(error)") }
            if let circuits { return try runCircuits(circuits, file: record.inputFile, text: record.inputText, saved: record, claimed: claim) }
            do {
                e = try NetworkExperiment.parse(Data(record.inputText.utf8), file: record.inputFile, folder: record.inputFolder, profile: record.profile,
                                                solver: record.solverOverrides)
            } catch { throw fail("\(error)") }
            if let d = record.duration { e.request.shorten(to: d) }
            traceFormat = record.format
            started = record.started
            file = record.inputFile
        } else {
            file = networkFile!
            let circuits: CircuitPopulation?
            do { circuits = try CircuitPopulation.load(file, profile: profile.flatMap(Profile.init(rawValue:)), solver: solverOptions.overrides) } catch { throw fail("\(error)") }
            if let circuits {
                let text: Data
                do { text = try Data(contentsOf: URL(fileURLWithPath: file)) } catch { throw fail("\(file): cannot read (\(error.localizedDescription))") }
                return try runCircuits(circuits, file: file, text: String(decoding: text, as: UTF8.self), saved: nil, claimed: nil)
            }
            if jobs != nil || shard != nil { throw fail("--jobs and --shard are for a population of circuits (a network file with \"circuits\")") }
            do { e = try NetworkExperiment.load(file, profile: profile.flatMap(Profile.init(rawValue:)), solver: solverOptions.overrides) } catch { throw fail("\(error)") }
            noteStep(solverOptions.dt, outputInterval: e.request.outputInterval)
            if let duration { e.request.shorten(to: duration) }
            folder = out ?? "out/\(e.name)"
            traceFormat = TraceFormat.resolve(format, path: e.traceName)
            let text: Data
            do { text = try Data(contentsOf: URL(fileURLWithPath: file)) } catch { throw fail("\(file): cannot read (\(error.localizedDescription))") }
            do { claim = try OutputFolder(claiming: folder) } catch { throw fail("\(error)") }
            if let interrupted = RunRecord.interruptedRun(in: folder) {
                guard output.force else {
                    throw fail("\(folder): holds an interrupted run (\(interrupted)); resume it with: ganglion network --resume \(folder) (or give --force to start it over)")
                }
                RunRecord.discardCheckpoints(in: folder)
            }
            record = RunRecord(kind: .network, duration: duration, runID: UUID().uuidString.lowercased(),
                               inputFile: file,
                               inputFolder: URL(fileURLWithPath: file).deletingLastPathComponent().standardizedFileURL.path,
                               inputText: String(decoding: text, as: UTF8.self), profile: profile.flatMap(Profile.init(rawValue:)),
                               cells: nil, jobs: nil, solverOverrides: solverOptions.overrides,
                               format: traceFormat, started: started)
        }
        defer { withExtendedLifetime(claim) {} }   // one writer in the folder until everything is written
        var nwbPath: String?
        if let t = e.traceName {
            if traceFormat == .nwb {
                // NWB is written directly while the run goes; the solver and its statistics are added when it ends.
                nwbPath = folder + "/" + Self.nwbName(t)
                e.request.tracePath = nwbPath
                try checkNWBSeriesNames(e)
            } else {
                e.request.tracePath = folder + "/" + t
            }
        }
        let checkpoint = folder + "/checkpoint.json"
        if e.request.checkpointInterval != nil { e.request.checkpointPath = checkpoint }
        if resumeFolder != nil {
            if FileManager.default.fileExists(atPath: checkpoint) {
                e.request.resumeFrom = checkpoint
            } else if let data = FileManager.default.contents(atPath: folder + "/summary.json"),
                      let done = try? JSONInput.parse(data) as? [String: Any], done["run_id"] as? String == record.runID {
                print("\(e.name): the run in \(folder) is complete (summary.json); nothing to resume")
                return
            } else {
                e.request.replacesPartialOutputs = true
            }
        } else {
            for output in [e.request.tracePath, folder + "/summary.json", RunRecord.path(in: folder)].compactMap({ $0 }) {
                do { try OutputPolicy.check(output) } catch { throw fail("\(error)") }
            }
            // The run record first: it holds everything --resume needs.
            do { try AtomicFileWriter.write(record.data, to: RunRecord.path(in: folder)) } catch { throw fail("\(error)") }
        }
        if e.writesConductances { e.request.conductancesPath = folder + "/conductances.csv" }
        if nwbPath != nil { e.request.traceFormat = Self.nwbFormat(e, inputText: record.inputText, file: file, started: started) }
        e.request.shouldStop = installInterruptHandler()
        let showProgress = !quiet && isatty(STDERR_FILENO) != 0
        if showProgress { e.request.progress = progressReporter(duration: e.request.duration) }
        let report: NetworkReport
        do { report = try simulateNetwork(e.request) } catch {
            if showProgress { printErr("") }
            let resumable = FileManager.default.fileExists(atPath: checkpoint)
            let hint = resumable ? "; resume with: ganglion network --resume \(folder)" : ""
            if interruptRequested.load(ordering: .relaxed) {
                printErr("interrupted\(error.partialTracePath.map { "; the trace computed so far is in \($0)" } ?? "")\(hint)")
                throw ExitCode(130)
            }
            throw fail("\(e.name): \(error.description)\(resumable ? "\n(\(hint.dropFirst(2)))" : "")")
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let summary = e.summaryObject(report: report, file: file, runID: record.runID)
        let text = JSONOutput.string(summary, pretty: true) + "\n"
        do { try AtomicFileWriter.write(Data(text.utf8), to: folder + "/summary.json") } catch { throw fail("\(folder)/summary.json: \(error)") }
        if e.request.checkpointPath != nil {
            // The result is recorded: the checkpoint (written at the end of the run) is no longer needed.
            FaultInjection.point()
            unlink(checkpoint)
        }
        var figures: [String] = []
        if plot {
            let style = try figureOptions.style()
            let names: [String] = e.request.network.cells.map(\.name)
            let markers: [(Double, String)] = e.request.events.map { (event: NetworkEvent) -> (Double, String) in (event.time, Self.label(event, names)) }
            let events = Self.eventText(markers)
            if let trace = report.tracePath {
                // Figures are drawn from CSV: an NWB trace is read back into a temporary one.
                let t = nwbPath != nil ? try temporaryCSV(fromNWB: trace).csv : trace
                defer { if t != trace { unlink(t) } }
                figures += try writePlot(csv: t, to: folder + "/trace.svg", title: "\(e.name): membrane potential\(events)", markers: markers, style: style)
                // The raster of the trace's span, annotated with the analysis window that overlaps it most.
                try writeRaster(trace: t, to: folder + "/raster.svg", title: "\(e.name): spikes, burst onsets and phases\(events)",
                                span: e.request.traceWindow ?? 0...e.request.duration, summary: folder + "/summary.json", style: style)
                figures.append(folder + "/raster.svg")
            }
            if let c = report.conductancesPath {
                figures += try writePlot(csv: c, to: folder + "/conductances.svg", title: "\(e.name): conductances\(events)", markers: markers, style: style)
            }
        }
        if json {
            print(JSONOutput.string(summary))
        } else {
            print(report.table)
            let rate = e.request.duration / report.wallMilliseconds
            print(String(format: "%@: %.1f s simulated in %.2f s (%.0f× real time), %d steps; wrote %@/summary.json%@", e.name,
                         e.request.duration / 1000, report.wallMilliseconds / 1000, rate, report.statistics.steps, folder,
                         report.tracePath.map { ", \($0)" } ?? "") + figures.map { ", " + $0 }.joined())
        }
    }

    /// A circuit event's label: the cells it addresses (when not all) and what it did (`c4, c5: g_s* → −8`).
    static func label(_ event: NetworkEvent, _ names: [String]) -> String {
        let who: String = event.cells.map { $0 < names.count ? names[$0] : "#\($0)" }.joined(separator: ", ")
        let prefix: String = event.cells.count == names.count ? "" : who + ": "
        switch event.action {
        case let .cell(action): return prefix + ProtocolEvent(time: event.time, action: action).label()
        case .startHomeostasis: return prefix + "homeostasis on"
        }
    }

    /// The events of a circuit's protocol for its figures' titles (`; g_s* → −8 at 50 s`).
    static func eventText(_ markers: [(Double, String)]) -> String {
        let parts: [String] = markers.map { (t: Double, label: String) -> String in label + " at " + Axis.label(t / 1000) + " s" }
        return parts.isEmpty ? "" : "; " + parts.joined(separator: ", ")
    }
}

extension NetworkCommand {
    /// The NWB format of a network's trace: its metadata (the network file, its events, where it came from).
    /// The solver and its statistics are added when the run ends.
    static func nwbFormat(_ e: NetworkExperiment, inputText: String, file: String, started: Date) -> TraceSinkFormat {
        let networkText = try? JSONInput.parse(Data(inputText.utf8))
        let events = e.request.events.map(e.describe)
        var m = nwbMetadata(description: "Ganglion: network \(e.name) (\(e.request.network.cells.count) cells) simulated for \(e.request.duration) ms",
                            model: networkText, protocol: ["events": events], solver: nil, input: file, started: started)
        m.subject.subjectID = e.name
        m.subject.description = "In-silico subject: a network of \(e.request.network.cells.count) conductance-based model neurons ("
            + e.request.network.cells.map(\.name).joined(separator: ", ") + ") simulated by Ganglion, not an animal."
        return .nwb(NWBTraceOptions(metadata: m, cells: Set(e.request.network.cells.map(\.name))))
    }

    /// Refuses cells whose names give the same NWB series name.
    func checkNWBSeriesNames(_ e: NetworkExperiment) throws {
        let names = e.request.network.cells.map { NWBExport.series(forColumn: "\($0.name).V_mV", source: "").name }
        if let clash = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw fail("--format nwb: two cells get the NWB series name '\(clash)' (NWB names allow letters, digits, '_' and '-'); rename a cell")
        }
    }

    /// A trace name with the NWB extension (`trace.csv` → `trace.nwb`).
    static func nwbName(_ t: String) -> String {
        (t.lowercased().hasSuffix(".nwb") || t.lowercased().hasSuffix(".csv") ? String(t.dropLast(4)) : t) + ".nwb"
    }
}
