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
    @Option(help: "Profile, replacing the file's: ganglion (the correct computations) or paper (the authors' choices; control.md §6).")
    var profile: String?
    @Option(help: "Cells simulated at a time (default: the number of cores).") var jobs: Int?
    @OptionGroup var solverOptions: SolverOverride
    @Option(help: "Trace format: csv (trace.csv) or nwb (trace.nwb, Neurodata Without Borders 2); kept for --resume.")
    var format: TraceFormat?
    @Flag(help: "No progress on stderr.") var quiet = false
    @Flag(help: "Write figures next to the summary: trace.svg and conductances.svg (of each cell folder for a population).")
    var plot = false

    func validate() throws {
        if experiment == nil, resumeFolder == nil { throw ValidationError("give an experiment file, or --resume DIR") }
        if experiment != nil, resumeFolder != nil { throw ValidationError("give either an experiment file or --resume DIR, not both") }
        if let cells, cells < 1 { throw ValidationError("--cells must be ≥ 1") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1") }
        if let profile, Profile(rawValue: profile) == nil { throw ValidationError("--profile '\(profile)': known profiles are ganglion and paper") }
        if resumeFolder != nil, !solverOptions.isEmpty || profile != nil || format != nil {
            throw ValidationError("--resume continues with the run's own solver, profile and format (run.json): no --solver, --dt, --exact-rates, --sundials-step-bounds, --profile or --format")
        }
    }

    func run() throws {
        // The experiment and the folder: from the file, or from the copy kept in the folder to resume.
        var e: Experiment
        let folder: String
        var limit = cells
        var traceFormat = format ?? .csv
        var started = Date()
        if let dir = resumeFolder {
            folder = dir
            guard let data = FileManager.default.contents(atPath: dir + "/run.json"),
                  let run = try? JSONInput.parse(data) as? [String: Any],
                  let file = run["experiment_file"] as? String, let source = run["experiment_folder"] as? String,
                  let text = FileManager.default.contents(atPath: dir + "/experiment.json") else {
                throw fail("\(dir): not a resumable run folder (run.json or experiment.json missing)")
            }
            let saved = (run["profile"] as? String).flatMap(Profile.init(rawValue:))
            do { e = try Experiment.parse(text, file: file, folder: source, profile: saved) } catch { throw fail("\(error)") }
            if limit == nil, let n = run["cells"] as? Double { limit = Int(n) }
            if let name = run["solver"] as? String, let c = SolverChoice(rawValue: name) { e.request.solver = c }
            if let step = run["dt"] as? Double { e.request.dt = step }
            if run["exact_rates"] as? Bool == true { e.request.exactRates = true }
            if run["sundials_step_bounds"] as? Bool == true { e.request.sundialsStepBounds = true }
            if let f = (run["format"] as? String).flatMap(TraceFormat.init(rawValue:)) { traceFormat = f }
            if let t = run["started"] as? String, let d = ISO8601DateFormatter().date(from: t) { started = d }
        } else {
            let path = experiment!
            do { e = try Experiment.load(path, profile: profile.flatMap(Profile.init(rawValue:))) } catch { throw fail("\(error)") }
            folder = out ?? "out/\(e.name)"
            let source = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
            var run: [String: Any] = ["experiment_file": URL(fileURLWithPath: path).standardizedFileURL.path, "experiment_folder": source]
            if let cells { run["cells"] = cells }
            if let profile { run["profile"] = profile }
            if let message = solverOptions.apply(solver: &e.request.solver, dt: &e.request.dt, exactRates: &e.request.exactRates,
                                                 sundialsStepBounds: &e.request.sundialsStepBounds,
                                                 outputInterval: e.request.outputInterval) {
                throw fail(message)
            }
            if let solver = solverOptions.solver { run["solver"] = solver.rawValue }
            if let dt = solverOptions.dt { run["dt"] = dt }
            if solverOptions.exactRates { run["exact_rates"] = true }
            if solverOptions.sundialsStepBounds { run["sundials_step_bounds"] = true }
            if traceFormat == .nwb { run["format"] = traceFormat.rawValue }
            run["started"] = ISO8601DateFormatter().string(from: started)
            do {
                try AtomicFileWriter.write(try Data(contentsOf: URL(fileURLWithPath: path)), to: folder + "/experiment.json")
                try AtomicFileWriter.write(Data((JSONOutput.string(run, pretty: true) + "\n").utf8), to: folder + "/run.json")
            } catch { throw fail("\(folder): \(error)") }
        }
        if let limit {
            guard e.isPopulation else { throw fail("--cells: the experiment '\(e.name)' is not a population experiment") }
            e.cells = Array(e.cells.prefix(limit))
        }
        if resumeFolder != nil, !e.isPopulation, !FileManager.default.fileExists(atPath: folder + "/checkpoint.json"),
           FileManager.default.fileExists(atPath: folder + "/summary.json") {
            print("\(e.name): the run in \(folder) is complete (summary.json, no checkpoint); nothing to resume")
            return
        }
        var runner = ExperimentRunner(experiment: e, folder: folder)
        runner.resume = resumeFolder != nil
        if let jobs { runner.jobs = jobs }
        runner.shouldStop = installInterruptHandler()
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
        var s = outcome.summary
        if outcome.interrupted {
            printErr("interrupted: \(s["finished"] ?? 0) of \(s["cells"] ?? 0) cells finished; resume with: ganglion run --resume \(folder)")
            throw ExitCode(130)
        }
        var figures: [String] = []
        // This run's folders (a folder reused with fewer cells keeps the others' files: leave them alone).
        let folders = e.isPopulation ? e.cells.compactMap(\.index).map { "\(folder)/cells/\($0)" } : [folder]
        if plot {
            let events = e.request.events.map { ($0.time, $0.summary) }
            if e.isPopulation, FileManager.default.fileExists(atPath: folder + "/summary.json") {
                try writePopulationPlot(summary: folder + "/summary.json", to: folder + "/population.svg", title: "\(e.name): \(e.cells.count) cells")
                figures.append(folder + "/population.svg")
            }
            for f in folders {
                for (csv, name) in [("trace.csv", "membrane potential"), ("conductances.csv", "conductances")]
                where FileManager.default.fileExists(atPath: f + "/" + csv) {
                    figures += try writePlot(csv: f + "/" + csv, to: f + "/" + csv.replacingOccurrences(of: ".csv", with: ".svg"),
                                             title: "\(e.name): \(name)", markers: events)
                }
            }
        }
        if traceFormat == .nwb {
            if !folders.contains(where: { FileManager.default.fileExists(atPath: $0 + "/trace.csv") }) {
                printErr("note: --format nwb: this experiment writes no voltage trace (its outputs have no \"trace\"), so no NWB file")
            }
            let experimentText = FileManager.default.contents(atPath: folder + "/experiment.json").flatMap { try? JSONInput.parse($0) }
            let events: [[String: Any]] = e.request.events.map { ["time_ms": $0.time, "action": $0.summary] }
            for f in folders where FileManager.default.fileExists(atPath: f + "/trace.csv") {
                let cell = URL(fileURLWithPath: f).lastPathComponent
                var m = nwbMetadata(description: "Ganglion: experiment \(e.name)" + (e.isPopulation ? ", cell \(cell)" : "")
                                        + ", \(e.request.duration) ms",
                                    model: experimentText, protocol: ["events": events], solver: s["solver"], input: experiment,
                                    started: started)
                m.subject.subjectID = e.isPopulation ? "\(e.name)-\(cell)" : e.name
                try finishNWB(scratch: f + "/trace.csv", to: f + "/trace.nwb", metadata: m)
                try repointTrace(inSummary: f + "/summary.json", to: f + "/trace.nwb")
            }
            if !e.isPopulation, s["trace"] is String { s["trace"] = folder + "/trace.nwb" }
        }
        if e.isPopulation {
            let stats = (s["statistics"] as? [String: Any])?["main_window"] as? [String: Any]
            let patterns = (stats?["patterns"] as? [String: Double] ?? [:]).sorted { $0.key < $1.key }
                .map { String(format: "%@ %.0f%%", $0.key, 100 * $0.value) }.joined(separator: ", ")
            print("\(e.name): \(s["finished"] ?? 0) of \(s["cells"] ?? 0) cells (\(patterns)); wrote \(folder)/summary.json" + (figures.isEmpty ? "" : " and \(figures.count) figures"))
            if outcome.failures > 0 { printErr("\(outcome.failures) cell(s) failed: see the rows with \"error\" in \(folder)/summary.json") }
            if let f = (s["statistics"] as? [String: Any])?["reference_closest_approach_fraction"] as? Double, f > 0 {
                printErr(String(format: "note: in %.0f%% of the cells the exact controller reference passed a fold (targets out of reach nearby; the closest approach was used): reference_closest_approach_ms in the rows, Docs/paper.md", 100 * f))
            }
        } else {
            let window = (s["window_ms"] as? [Double]).map { "\($0[0])–\($0[1]) ms" } ?? ""
            var files = ["\(folder)/summary.json"]
            if let t = s["trace"] as? String { files.append(t) }
            if let c = s["conductances_file"] as? String { files.append(c) }
            print("\(e.name): \(s["pattern"] ?? "?") in \(window); wrote \((files + figures).joined(separator: ", "))")
            if let ms = s["reference_closest_approach_ms"] as? Double, ms > 0, let first = s["reference_closest_approach_first_ms"] as? Double {
                printErr(String(format: "note: the exact controller reference passed a fold at %.1f s (targets out of reach nearby) and held the closest approach for %.1f s in all (summary.json: reference_closest_approach_ms; Docs/paper.md)", first / 1000, ms / 1000))
            }
        }
    }
}
