import ArgumentParser
import Foundation
import Ganglion

extension NetworkCommand {
    /// Runs a population of circuits (a network file with `circuits`): the circuits in parallel into
    /// `FOLDER/circuits/<k>/`, then `FOLDER/summary.json` with their rows and statistics.
    /// `saved`: the run record of the folder to resume (nil: a new run).
    func runCircuits(_ c: CircuitPopulation, file: String, text: String, saved: RunRecord?, claimed: OutputFolder?) throws {
        if plot { throw fail("--plot: not for a population of circuits (each circuit's trace is in its folder, circuits/<k>/)") }
        let first = c.first
        var record: RunRecord
        let folder: String
        let claim: OutputFolder
        if let saved, let claimed {
            record = saved
            folder = resumeFolder!
            claim = claimed
        } else {
            noteStep(solverOptions.dt, outputInterval: first.request.outputInterval)
            let shardToRun = try populationShard(shard)
            folder = out ?? "out/\(c.name)" + (shardToRun.map { "-shard-\($0.index)-of-\($0.count)" } ?? "")
            do { claim = try OutputFolder(claiming: folder) } catch { throw fail("\(error)") }
            if let interrupted = RunRecord.interruptedRun(in: folder) {
                guard output.force else {
                    throw fail("\(folder): holds an interrupted run (\(interrupted)); resume it with: ganglion network --resume \(folder) (or give --force to start it over)")
                }
                RunRecord.discardCheckpoints(in: folder)
            }
            for name in ["summary.json", RunRecord.name] {
                do { try OutputPolicy.check(folder + "/" + name) } catch { throw fail("\(error)") }
            }
            record = RunRecord(kind: .network, duration: duration, runID: UUID().uuidString.lowercased(), inputFile: file,
                               inputFolder: URL(fileURLWithPath: file).deletingLastPathComponent().standardizedFileURL.path,
                               inputText: text, profile: profile.flatMap(Profile.init(rawValue:)),
                               cells: nil, jobs: jobs, solverOverrides: solverOptions.overrides,
                               format: first.traceName.map { TraceFormat.resolve(format, path: $0) } ?? .csv, started: Date())
            record.shard = shardToRun
            do { try AtomicFileWriter.write(record.data, to: RunRecord.path(in: folder)) } catch { throw fail("\(error)") }
        }
        defer { withExtendedLifetime(claim) {} }   // one writer in the folder until everything is written
        // Every circuit has the file's solver block with the overrides (parsed into each circuit) and the duration;
        // with NWB, each circuit's trace is circuits/<k>/<trace name>.nwb, written directly while it runs.
        let shortened = record.duration
        let nwb = first.traceName != nil && record.format == .nwb
        if nwb { try checkNWBSeriesNames(first) }
        let inputText = record.inputText, inputFile = record.inputFile, started = record.started
        var runner = CircuitRunner(population: c, folder: folder, file: record.inputFile)
        runner.adjust = { e in
            if let shortened { e.request.shorten(to: shortened) }
            if nwb, let path = e.request.tracePath, let t = e.traceName {
                e.request.tracePath = URL(fileURLWithPath: path).deletingLastPathComponent().path + "/" + Self.nwbName(t)
                e.request.traceFormat = Self.nwbFormat(e, inputText: inputText, file: inputFile, started: started)
            }
        }
        runner.resume = saved != nil
        runner.runID = record.runID
        runner.shard = record.shard
        if let j = record.jobs { runner.jobs = j }
        runner.shouldStop = installInterruptHandler()
        let showProgress = !quiet && isatty(STDERR_FILENO) != 0
        if showProgress {
            let start = Date()
            runner.progress = { done, total in
                let elapsed = Date().timeIntervalSince(start)
                let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : .nan
                FileHandle.standardError.write(Data(String(format: "\r\u{1B}[K%d/%d circuits  %.0f s elapsed  ETA %@", done, total, elapsed,
                                                           eta.isFinite ? String(format: "%.0f s", eta) : "—").utf8))
            }
        }
        let outcome: CircuitRunner.Outcome
        do { outcome = try runner.run() } catch { throw fail("\(c.name): \(error.description)") }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let s = outcome.summary
        if outcome.interrupted {
            printErr("interrupted: \(s["finished"] ?? 0) of \(s["circuits"] ?? 0) circuits finished; resume with: ganglion network --resume \(folder)")
            throw ExitCode(130)
        }
        if json {
            print(JSONOutput.string(s))
        } else {
            let slice = record.shard.map { sh in " (shard \(sh.index)/\(sh.count): circuits \(sh.members(of: c.count).lowerBound)–\(sh.members(of: c.count).upperBound - 1) of \(c.count))" } ?? ""
            print("\(c.name): \(s["finished"] ?? 0) of \(s["circuits"] ?? 0) circuits\(slice); wrote \(folder)/summary.json")
            print(CircuitStatisticsText.lines(s["statistics"]).joined(separator: "\n"))
        }
        if outcome.failures > 0 {
            printErr("error: \(outcome.failures) circuit(s) failed: see the rows with \"error\" in \(folder)/summary.json (ganglion network --resume \(folder) retries them)")
            throw ExitCode(1)
        }
    }
}

/// The population statistics of circuits as text lines, one block per analysis window.
enum CircuitStatisticsText {
    static func lines(_ statistics: Any?) -> [String] {
        let windows = (statistics as? [String: Any])?["windows"] as? [[String: Any]] ?? []
        var out: [String] = []
        func f(_ x: Any?, _ d: Int) -> String { (x as? Double).map { String(format: "%.\(d)f", $0) } ?? "—" }
        for w in windows {
            let span = (w["window_ms"] as? [Double]).map { "\(f($0[0] / 1000, 1))–\(f($0[1] / 1000, 1)) s" } ?? "?"
            let p = w["period_ms"] as? [String: Any]
            out.append("window \(span): locked \(Proportion(json: w["fraction_locked"]).map { "\($0)" } ?? "—") of the circuits"
                       + (p.map { "; period of \(w["reference_cell"] ?? "the reference") median \(f($0["median"], 1)) ms (IQR \(f($0["q25"], 1))–\(f($0["q75"], 1)))" } ?? ""))
            out.append("  rhythms: " + PopulationStatistics.patternsText(w["rhythms"]))
            let cells = w["cells"] as? [String: Any] ?? [:]
            for name in cells.keys.sorted() {
                guard let c = cells[name] as? [String: Any] else { continue }
                var line = "  \(name): " + PopulationStatistics.patternsText(c["patterns"])
                if let ph = c["phase"] as? [String: Any] { line += "; phase \(f(ph["circular_mean"], 3)) (spread \(f(ph["spread"], 3)), \(ph["n"] ?? 0) circuits)" }
                if let l = Proportion(json: c["locked"]) { line += "; locked \(l)" }
                out.append(line)
            }
        }
        return out
    }
}
