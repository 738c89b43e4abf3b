import ArgumentParser
import Foundation
import Ganglion

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an experiment file (cell or population, homeostasis, protocol, outputs); writes DIR/summary.json and the traces.",
        discussion: """
            Long runs checkpoint into their output folder; after Ctrl-C or a crash, `ganglion run --resume DIR`
            continues to the same result. A population experiment runs its cells in parallel (--jobs).
            """)

    @Argument(help: "Experiment file (JSON; Docs/experiment-files.md). Not with --resume.") var experiment: String?
    @Option(help: "Output folder (default out/<experiment name>).") var out: String?
    @Option(name: .customLong("resume"), help: "Continue the interrupted run in this output folder.") var resumeFolder: String?
    @Option(help: "Run only the first N cells of a population experiment.") var cells: Int?
    @Option(help: "Profile, replacing the file's: ganglion (the correct computations) or paper (the authors' choices; Docs/science/controllers.md §6).")
    var profile: String?
    @Option(help: "Cells simulated at a time (default: the number of cores).") var jobs: Int?
    @Option(help: "Run the I-th of N contiguous slices of a population (0-based), e.g. 2/8, into its own folder; join them with ganglion merge. Defaults from SLURM_ARRAY_TASK_ID/COUNT.")
    var shard: String?
    @OptionGroup var solverOptions: SolverOverride
    @Option(help: "Trace format: csv (trace.csv) or nwb (trace.nwb, Neurodata Without Borders 2); kept for --resume.")
    var format: TraceFormat?
    @Flag(help: "No progress on stderr.") var quiet = false
    @Flag(help: "Write figures next to the summary: trace.svg and conductances.svg (of each cell folder for a population).")
    var plot = false
    @OptionGroup var figureOptions: FigureOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if experiment == nil, resumeFolder == nil { throw ValidationError("give an experiment file, or --resume DIR") }
        if experiment != nil, resumeFolder != nil { throw ValidationError("give either an experiment file or --resume DIR, not both") }
        if let cells, cells < 1 { throw ValidationError("--cells must be ≥ 1") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1") }
        if let profile, Profile(rawValue: profile) == nil { throw ValidationError("--profile '\(profile)': known profiles are ganglion and paper") }
        if resumeFolder != nil, !solverOptions.isEmpty || profile != nil || format != nil || shard != nil {
            throw ValidationError("--resume continues with the run's own solver, profile, format and shard (run.json): no --solver, --dt, --exact-rates, --sundials-step-bounds, --local-steps, --profile, --format or --shard")
        }
    }

    func run() throws {
        output.apply()
        // The experiment and the folder: from the file, or from the run record kept in the folder to resume.
        var e: Experiment
        let folder: String
        let claim: OutputFolder
        var limit = cells
        var jobCount = jobs
        var traceFormat = format ?? .csv
        var started = Date()
        var shardToRun: PopulationShard?
        let runID: String
        if let dir = resumeFolder {
            folder = dir
            guard FileManager.default.fileExists(atPath: dir) else { throw fail("\(dir): no such folder: no run was started here") }
            do { claim = try OutputFolder(claiming: dir) } catch { throw fail("\(error)") }
            let record = RunRecord.path(in: dir)
            guard let data = FileManager.default.contents(atPath: record) else {
                throw fail("\(dir): no run was started here (no \(RunRecord.name): a run writes it before anything else); start the run again with ganglion run EXPERIMENT --out \(dir)")
            }
            let saved: RunRecord
            do { saved = try RunRecord(data, file: record) } catch { throw fail("\(error)") }
            guard saved.kind == .experiment else { throw fail("\(dir): holds a network run: resume it with ganglion network --resume \(dir)") }
            do {
                e = try Experiment.parse(Data(saved.inputText.utf8), file: saved.inputFile, folder: saved.inputFolder, profile: saved.profile,
                                         solver: saved.solverOverrides)
            } catch { throw fail("\(error)") }
            if !FileManager.default.fileExists(atPath: dir + "/experiment.json") {
                do { try AtomicFileWriter.write(Data(saved.inputText.utf8), to: dir + "/experiment.json") } catch { throw fail("\(error)") }
            }
            if limit == nil { limit = saved.cells }
            if jobCount == nil { jobCount = saved.jobs }
            traceFormat = saved.format
            started = saved.started
            shardToRun = saved.shard
            runID = saved.runID
        } else {
            let path = experiment!
            do { e = try Experiment.load(path, profile: profile.flatMap(Profile.init(rawValue:)), solver: solverOptions.overrides) } catch { throw fail("\(error)") }
            noteStep(solverOptions.dt, outputInterval: e.request.outputInterval)
            // A shard of a population (--shard, or a SLURM job array's task); a single cell ignores the array.
            if e.isPopulation { shardToRun = try populationShard(shard) } else if shard != nil {
                throw fail("--shard: the experiment '\(e.name)' is not a population experiment")
            }
            folder = out ?? "out/\(e.name)" + (shardToRun.map { "-shard-\($0.index)-of-\($0.count)" } ?? "")
            let text: Data
            do { text = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw fail("\(path): cannot read (\(error.localizedDescription))") }
            do { claim = try OutputFolder(claiming: folder) } catch { throw fail("\(error)") }
            // A folder holding an interrupted run is resumed, not overwritten (unless --force).
            if let interrupted = RunRecord.interruptedRun(in: folder) {
                guard output.force else {
                    throw fail("\(folder): holds an interrupted run (\(interrupted)); resume it with: ganglion run --resume \(folder) (or give --force to start it over)")
                }
                RunRecord.discardCheckpoints(in: folder)
            }
            for name in ["summary.json", RunRecord.name, "experiment.json"] {
                do { try OutputPolicy.check(folder + "/" + name) } catch { throw fail("\(error)") }
            }
            runID = UUID().uuidString.lowercased()
            var record = RunRecord(runID: runID, inputFile: path,
                                   inputFolder: URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path,
                                   inputText: String(decoding: text, as: UTF8.self), profile: profile.flatMap(Profile.init(rawValue:)),
                                   cells: cells, jobs: jobs, solverOverrides: solverOptions.overrides,
                                   format: traceFormat, started: started)
            record.shard = shardToRun
            do {
                // The run record first: it holds everything a resume needs (the experiment's text included).
                try AtomicFileWriter.write(record.data, to: RunRecord.path(in: folder))
                try AtomicFileWriter.write(text, to: folder + "/experiment.json")
            } catch { throw fail("\(error)") }
        }
        defer { withExtendedLifetime(claim) {} }   // the folder stays claimed until the run has written everything
        if resumeFolder != nil, RunRecord.interruptedRun(in: folder) == nil,
           let data = FileManager.default.contents(atPath: folder + "/summary.json"),
           let done = try? JSONInput.parse(data) as? [String: Any], done["run_id"] as? String == runID,
           done["error"] == nil, (done["failed"] as? Double ?? 0) == 0, done["interrupted"] as? Bool != true {
            print("\(e.name): the run in \(folder) is complete (summary.json, no checkpoint); nothing to resume")
            return
        }
        if let limit {
            guard e.isPopulation else { throw fail("--cells: the experiment '\(e.name)' is not a population experiment") }
            e.cells = Array(e.cells.prefix(limit))
        }
        var runner = ExperimentRunner(experiment: e, folder: folder)
        runner.resume = resumeFolder != nil
        runner.runID = runID
        runner.shard = shardToRun
        if let jobCount { runner.jobs = jobCount }
        runner.shouldStop = installInterruptHandler()
        if traceFormat == .nwb {
            // NWB is written directly while each cell runs; the solver and its statistics are added when it ends.
            let inputText = FileManager.default.contents(atPath: folder + "/experiment.json").flatMap { try? JSONInput.parse($0) }
            let events: [[String: Any]] = e.request.events.map { ["time_ms": $0.time, "action": $0.summary] }
            let base = nwbMetadata(description: "", model: inputText, protocol: ["events": events], solver: nil, input: experiment,
                                   started: started)
            let name = e.name, population = e.isPopulation, duration = e.request.duration
            runner.traceFormat = { k, dir in
                var m = base
                let cell = URL(fileURLWithPath: dir).lastPathComponent
                m.sessionDescription = "Ganglion: experiment \(name)" + (population ? ", cell \(cell)" : "") + ", \(duration) ms"
                m.subject.subjectID = population ? "\(name)-\(cell)" : name
                return .nwb(NWBTraceOptions(metadata: m))
            }
        }
        let showProgress = !quiet && isatty(STDERR_FILENO) != 0
        if showProgress {
            if e.isPopulation {
                let start = Date()
                runner.progress = { done, total, _ in
                    let elapsed = Date().timeIntervalSince(start)
                    let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : .nan
                    let text = String(format: "\r\u{1B}[K%d/%d cells  %.0f s elapsed  ETA %@", done, total, elapsed,
                                      eta.isFinite ? String(format: "%.0f s", eta) : "—")
                    FileHandle.standardError.write(Data(text.utf8))
                }
            } else {
                let report = progressReporter(duration: e.request.duration)
                runner.progress = { _, _, t in report(t) }
            }
        }
        let outcome: ExperimentRunner.Outcome
        do { outcome = try runner.run() } catch {
            if showProgress { printErr("") }
            if let stop = runner.shouldStop, stop() {
                printErr("interrupted; what was computed is kept in \(folder); resume with: ganglion run --resume \(folder)")
                throw ExitCode(130)
            }
            let hint = FileManager.default.fileExists(atPath: folder + "/checkpoint.json") ? "\n(resume with: ganglion run --resume \(folder))" : ""
            throw fail("\(e.name): \(error.description)\(hint)")
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let s = outcome.summary
        if outcome.interrupted {
            printErr("interrupted: \(s["finished"] ?? 0) of \(s["cells"] ?? 0) cells finished; resume with: ganglion run --resume \(folder)")
            throw ExitCode(130)
        }
        var figures: [String] = []
        // This run's folders (a folder reused with fewer cells keeps the others' files: leave them alone).
        let slice = shardToRun?.members(of: e.cells.count) ?? e.cells.indices
        let folders = e.isPopulation ? e.cells[slice].compactMap(\.index).map { "\(folder)/cells/\($0)" } : [folder]
        if plot {
            let style = try figureOptions.style()
            if e.isPopulation, FileManager.default.fileExists(atPath: folder + "/summary.json") {
                try writePopulationPlot(summary: folder + "/summary.json", to: folder + "/population.svg", style: style)
                figures.append(folder + "/population.svg")
            }
            for f in folders {
                let context: FigureContext? = FigureContext.beside(f + "/summary.json")
                let markers: [(Double, String)] = context != nil ? [] : e.request.events.map { (e: ProtocolEvent) -> (Double, String) in (e.time, e.label()) }
                for (file, name) in [("trace.csv", "membrane potential"), ("trace.nwb", "membrane potential"), ("conductances.csv", "conductances")]
                where FileManager.default.fileExists(atPath: f + "/" + file) {
                    // Figures are drawn from CSV: an NWB trace is read back into a temporary one.
                    let csv = isNWB(file) ? try temporaryCSV(fromNWB: f + "/" + file).csv : f + "/" + file
                    defer { if isNWB(file) { unlink(csv) } }
                    figures += try writePlot(csv: csv, to: f + "/" + (file.hasPrefix("trace") ? "trace.svg" : "conductances.svg"),
                                             title: context == nil ? e.name + ": " + name : nil, markers: markers,
                                             context: context, what: name, style: style)
                }
            }
        }
        if traceFormat == .nwb, !folders.contains(where: { FileManager.default.fileExists(atPath: $0 + "/trace.nwb") }) {
            printErr("note: --format nwb: this experiment writes no voltage trace (its outputs have no \"trace\"), so no NWB file")
        }
        let statistics = s["statistics"] as? [String: Any]
        func segmentLine(_ o: [String: Any], _ what: String) -> String {
            func sec(_ v: Any?) -> String { (v as? Double).map { String(format: "%g", $0 / 1000) } ?? "?" }
            let w = o["window_ms"] as? [Double]
            return "  \(sec(o["start_ms"]))–\(sec(o["end_ms"])) s after \(o["began"] ?? "?")"
                + (w.map { " (window \(sec($0[0]))–\(sec($0[1])) s)" } ?? "") + ": " + what
        }
        if e.isPopulation {
            let main = PopulationStatistics.patternsText((statistics?["main_window"] as? [String: Any])?["patterns"])
            let segments = statistics?["segments"] as? [[String: Any]] ?? []
            let what = segments.isEmpty ? "(\(main))" : "(last segment: \(main))"
            let part = shardToRun.map { " (shard \($0.index)/\($0.count): cells \(slice.lowerBound)–\(slice.upperBound - 1) of \(e.cells.count))" } ?? ""
            print("\(e.name): \(s["finished"] ?? 0) of \(s["cells"] ?? 0) cells\(part) \(what); wrote \(folder)/summary.json" + (figures.isEmpty ? "" : " and \(figures.count) figures"))
            for g in segments { print(segmentLine(g, PopulationStatistics.patternsText(g["patterns"]))) }
            if outcome.failures > 0 { printErr("error: \(outcome.failures) of \(slice.count) cell(s) failed: see the rows with \"error\" in \(folder)/summary.json (ganglion run --resume \(folder) retries them)") }
            if let p = Proportion(json: statistics?["reference_closest_approach"]), p.count > 0 {
                printErr("note: in \(p) of the cells the exact controller reference passed a fold (targets out of reach nearby; the closest approach was used): reference_closest_approach_ms in the rows, Docs/paper.md")
            }
        } else {
            let window = (s["window_ms"] as? [Double]).map { "\($0[0])–\($0[1]) ms" } ?? ""
            var files = ["\(folder)/summary.json"]
            if let t = s["trace"] as? String { files.append(t) }
            if let c = s["conductances_file"] as? String { files.append(c) }
            let segments = s["segments"] as? [[String: Any]] ?? []
            if segments.isEmpty {
                let rule = s["insufficient"] != nil ? (s["pattern_rule"] as? String).map { " (\($0))" } ?? "" : ""
                print("\(e.name): \(s["pattern"] ?? "?")\(rule) in \(window); wrote \((files + figures).joined(separator: ", "))")
            } else {
                print("\(e.name): per segment between protocol events; wrote \((files + figures).joined(separator: ", "))")
                for g in segments {
                    var what = "\(g["pattern"] ?? "?")"
                    if let f = g["frequency_hz"] as? Double { what += String(format: ", %.3g Hz", f) }
                    if let n = g["spikes_per_burst"] as? Int { what += ", \(n) spikes/burst" }
                    if let r = g["pattern_rule"] as? String, g["insufficient"] != nil { what += " (\(r))" }
                    print(segmentLine(g, what))
                }
            }
            if let ms = s["reference_closest_approach_ms"] as? Double, ms > 0, let first = s["reference_closest_approach_first_ms"] as? Double {
                printErr(String(format: "note: the exact controller reference passed a fold at %.1f s (targets out of reach nearby) and held the closest approach for %.1f s in all (summary.json: reference_closest_approach_ms; Docs/paper.md)", first / 1000, ms / 1000))
            }
        }
        if outcome.failures > 0 { throw ExitCode(1) }
    }
}
