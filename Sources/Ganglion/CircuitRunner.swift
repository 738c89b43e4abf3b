import Foundation
import Synchronization

/// Runs a population of circuits into an output folder: the circuits in parallel (`jobs` at a time), each as
/// its own network into `circuits/<k>/` (`summary.json`, and the trace, conductances and checkpoint the network
/// file asks for), then `summary.json` with one row per circuit and the population statistics
/// (`CircuitStatistics`). `resume` keeps the circuits this run finished and continues the others from their
/// checkpoints, as `ExperimentRunner` does for cells.
public struct CircuitRunner: Sendable {
    /// The circuits.
    public var population: CircuitPopulation
    /// The output folder.
    public var folder: String
    /// Parallel workers (circuits at a time); default the number of cores.
    public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Keep the finished circuits (their summary carries `runID`) and continue the others; default false.
    public var resume = false
    /// This run's id, carried by every circuit summary (`run_id`).
    public var runID: String?
    /// Run only this shard's slice of the circuits (nil: all).
    public var shard: PopulationShard?
    /// The input file's path as the summaries name it.
    public var file: String
    /// Applied to each circuit before it runs, after its output paths are set in its folder (the command
    /// line's duration override and trace format).
    public var adjust: (@Sendable (inout NetworkExperiment) -> Void)?
    /// Called with (circuits finished, circuits to run).
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// Polled during each circuit's run and between circuits; true stops the run, leaving the unfinished circuits
    /// for `resume`.
    public var shouldStop: (@Sendable () -> Bool)?

    /// A runner writing `population` into `folder`; `file` is the network file's path.
    public init(population: CircuitPopulation, folder: String, file: String) {
        self.population = population
        self.folder = folder
        self.file = file
    }

    /// What a run produced: the summary, how many circuits failed, and whether it was stopped.
    public struct Outcome: Sendable {
        /// The summary object written to `folder/summary.json`.
        public var summary: [String: Any] { box.value }
        let box: ExperimentRunner.UncheckedBox
        /// Circuits that failed.
        public var failures: Int
        /// Whether `shouldStop` stopped the run before every circuit was done.
        public var interrupted: Bool
    }

    /// The folder of circuit `k`.
    public func circuitFolder(_ k: Int) -> String { "\(folder)/circuits/\(k)" }

    /// Runs circuit `k`; its summary object, as read back from the file it wrote.
    func runCircuit(_ k: Int) throws(SimulationError) -> [String: Any] {
        let dir = circuitFolder(k)
        let summaryPath = dir + "/summary.json", checkpoint = dir + "/checkpoint.json"
        if resume, let data = FileManager.default.contents(atPath: summaryPath),
           let done = try? JSONInput.parse(data) as? [String: Any], done["error"] == nil, done["run_id"] as? String == runID {
            if FileManager.default.fileExists(atPath: checkpoint) { unlink(checkpoint) }
            return done
        }
        var e: NetworkExperiment
        do { e = try population.circuit(k) } catch { throw SimulationError(message: "\(error)") }
        if let t = e.traceName { e.request.tracePath = dir + "/" + t }
        if e.writesConductances { e.request.conductancesPath = dir + "/conductances.csv" }
        if e.request.checkpointInterval != nil { e.request.checkpointPath = checkpoint }
        adjust?(&e)
        if resume {
            if FileManager.default.fileExists(atPath: checkpoint) { e.request.resumeFrom = checkpoint } else { e.request.replacesPartialOutputs = true }
        }
        e.request.shouldStop = shouldStop
        do { try OutputFolder.createFolders(dir, for: summaryPath) } catch { throw SimulationError(message: "\(error)") }
        let report = try simulateNetwork(e.request)
        var o = e.summaryObject(report: report, file: file, runID: runID)
        o["circuit"] = k
        o["population_cells"] = population.populationIndices(k)
        let text = JSONOutput.string(o, pretty: true) + "\n"
        do { try AtomicFileWriter.write(Data(text.utf8), to: summaryPath) } catch { throw SimulationError(message: "\(error)") }
        if e.request.checkpointPath != nil {
            FaultInjection.point()
            unlink(checkpoint)
        }
        return JSONInput.canonical(o)
    }

    /// Runs the circuits (this shard's) and writes the summary; a failed circuit is a row with its error and
    /// the others go on.
    public func run() throws(SimulationError) -> Outcome {
        let start = DispatchTime.now().uptimeNanoseconds
        let positions = shard?.members(of: population.count) ?? 0..<population.count
        let total = positions.count
        let this = self
        let (byPosition, failureCount) = PopulationWorkers.run(
            positions: positions, jobs: jobs, shouldStop: shouldStop,
            member: { k throws in try this.runCircuit(k) },
            failed: { k, error in
                var failed: [String: Any] = ["circuit": k, "error": "\(error)"]
                if let id = this.runID { failed["run_id"] = id }
                let text = JSONOutput.string(failed.merging(["provenance": Provenance.current.jsonObject]) { a, _ in a }, pretty: true) + "\n"
                try? AtomicFileWriter.write(Data(text.utf8), to: this.circuitFolder(k) + "/summary.json")
                return failed
            },
            progress: { this.progress?($0, total) })
        let interrupted = shouldStop?() ?? false
        let p = Self.populationSummary(positions: positions, members: byPosition)
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        var summary: [String: Any] = [
            "network": population.name, "profile": population.first.profile.rawValue, "circuits": total,
            "finished": p.finished, "failed": p.failed, "interrupted": interrupted, "stride": population.stride,
            "duration_ms": (adjusted(population.first)).request.duration, "rows": p.rows, "statistics": p.statistics,
            "wall_ms": wall, "jobs": jobs, "provenance": Provenance.current.jsonObject,
        ]
        if let shard { summary["shard"] = shard.jsonObject(total: population.count) }
        if let runID { summary["run_id"] = runID }
        if !interrupted { summary["circuits_per_minute"] = Double(p.finished) / (wall / 60000) }
        do {
            try AtomicFileWriter.write(Data((JSONOutput.string(summary, pretty: true) + "\n").utf8), to: folder + "/summary.json")
        } catch { throw SimulationError(message: "\(error)") }
        return Outcome(box: ExperimentRunner.UncheckedBox(summary), failures: failureCount, interrupted: interrupted)
    }

    func adjusted(_ e: NetworkExperiment) -> NetworkExperiment {
        var x = e
        adjust?(&x)
        return x
    }

    /// The rows and statistics of the circuits at `positions` from their summaries by position (a finished
    /// circuit's summary, a failed one's `{"error": …}`, none for a circuit not run), in position order.
    public static func populationSummary(positions: Range<Int>, members: [Int: [String: Any]])
        -> (rows: [[String: Any]], statistics: [String: Any], finished: Int, failed: Int) {
        var rows: [[String: Any]] = []
        var ordered: [[String: Any]?] = []
        var failed = 0
        for k in positions {
            guard let o = members[k] else { continue }
            if let e = o["error"] {
                rows.append(["circuit": k, "error": e])
                ordered.append(nil)
                failed += 1
                continue
            }
            var row: [String: Any] = ["circuit": k, "population_cells": o["population_cells"] as Any]
            row["windows"] = (o["windows"] as? [[String: Any]])?.map { w -> [String: Any] in
                ["window_ms": w["window_ms"] as Any,
                 "cells": (w["cells"] as? [[String: Any]] ?? []).map { c -> [String: Any] in
                     ["name": c["name"] as Any, "pattern": c["pattern"] as Any, "onset_period_ms": c["onset_period_ms"] as Any,
                      "mean_phase": c["mean_phase"] as Any, "phase_spread": c["phase_spread"] as Any,
                      "locking": (c["locking"] as? [String: Any])?["verdict"] as Any]
                 }]
            }
            rows.append(row)
            ordered.append(o)
        }
        return (rows, ["windows": CircuitStatistics.summarize(ordered)], ordered.count - failed, failed)
    }
}
