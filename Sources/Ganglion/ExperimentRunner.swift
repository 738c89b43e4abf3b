import Foundation
import Synchronization

/// Runs an experiment into an output folder: one cell writes `summary.json` (and `trace.csv`,
/// `conductances.csv`); a population runs its cells in parallel, each into `cells/<index>/`, and writes
/// `summary.json` with per-cell rows and population statistics. Each cell checkpoints into its folder;
/// `resume` continues every unfinished cell from its checkpoint and keeps the finished ones.
public struct ExperimentRunner: Sendable {
    /// The experiment to run.
    public var experiment: Experiment
    /// The output folder: `summary.json` there, and for a population one `cells/<index>/` per cell.
    public var folder: String
    /// Parallel workers (cells at a time).
    public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Continue unfinished cells from their checkpoints and keep the finished ones; default false.
    public var resume = false
    /// Called with (cells finished, cells in all, simulated ms of the cell in progress for single runs).
    public var progress: (@Sendable (Int, Int, Double) -> Void)?
    /// Polled during each cell's run and between cells; returning true stops the run. A single cell's
    /// run then fails (its partial outputs kept); a population's unfinished cells are left for `resume`.
    public var shouldStop: (@Sendable () -> Bool)?
    /// Identifies this run (kept in the run record, `run.json`): every cell summary carries it as `run_id`,
    /// and `resume` keeps only the cells whose summary has this run's id (never a summary left by an earlier
    /// run in the same folder). Nil: cell summaries carry none and `resume` keeps any finished cell.
    public var runID: String?
    /// Run only this shard's slice of a population's cells (nil: every cell); the summary then has this
    /// slice's rows and statistics and says which slice it is (`shard`), for `ganglion merge`.
    public var shard: PopulationShard?
    /// The trace format of cell k (its index in the experiment) written into `folder` (nil: CSV): NWB is
    /// written directly while the cell runs, as `trace.nwb`.
    public var traceFormat: (@Sendable (_ cell: Int, _ folder: String) -> TraceSinkFormat)?

    /// A runner writing `experiment` into `folder`, one worker per core, not resuming.
    public init(experiment: Experiment, folder: String) {
        self.experiment = experiment
        self.folder = folder
    }

    /// What a run produced: the summary, how many cells failed, and whether it was stopped.
    public struct Outcome: Sendable {
        /// The summary object written to `folder/summary.json`.
        public var summary: [String: Any] { summaryBox.value }
        let summaryBox: UncheckedBox
        /// Cells that failed (a population's; a single cell's failure is thrown instead).
        public var failures: Int
        /// Whether `shouldStop` stopped a population run before every cell was done (false for a single cell).
        public var interrupted: Bool
    }

    final class UncheckedBox: @unchecked Sendable {
        let value: [String: Any]
        init(_ v: [String: Any]) { value = v }
    }

    func cellFolder(_ k: Int) -> String {
        guard experiment.isPopulation, let i = experiment.cells[k].index else { return folder }
        return "\(folder)/cells/\(i)"
    }

    /// Runs one cell; returns its summary object (also written to its folder).
    func runCell(_ k: Int) throws(SimulationError) -> [String: Any] {
        let dir = cellFolder(k)
        let summaryPath = dir + "/summary.json"
        let checkpoint = dir + "/checkpoint.json"
        // A cell whose summary this run wrote is finished (a kill may have come before its checkpoint was removed).
        if resume, let data = FileManager.default.contents(atPath: summaryPath),
           let done = try? JSONInput.parse(data) as? [String: Any], done["error"] == nil, done["run_id"] as? String == runID {
            if FileManager.default.fileExists(atPath: checkpoint) { unlink(checkpoint) }
            return done
        }
        var e = experiment
        e.request.shouldStop = shouldStop   // the preparatory and reference runs stop on a signal too
        var request = try e.request(forCell: k)
        if experiment.traceInterval != nil {
            let format = traceFormat?(k, dir) ?? .csv
            request.traceFormat = format
            request.tracePath = dir + "/trace." + format.fileExtension
        }
        if request.conductanceInterval != nil { request.conductancesPath = dir + "/conductances.csv" }
        if request.checkpointInterval != nil { request.checkpointPath = checkpoint }
        if resume {
            if FileManager.default.fileExists(atPath: checkpoint) { request.resumeFrom = checkpoint } else { request.replacesPartialOutputs = true }
        }
        request.shouldStop = shouldStop
        if !experiment.isPopulation, let p = progress { request.progress = { t in p(0, 1, t) } }
        let report = try simulate(request)
        var o = report.experimentObject
        o["experiment"] = experiment.name
        o["profile"] = experiment.profile.rawValue
        if let i = experiment.cells[k].index { o["cell_index"] = i }
        o["events"] = request.events.map { ["t_ms": $0.time, "event": $0.summary] as [String: Any] }
        if let m = request.neuron.neuromodulation {
            o["neuromodulation"] = ["conductances": m.conductances, "V_th": m.thresholdVoltage, "g_s": m.gs, "g_u": m.gu,
                                    "alpha": m.alpha, "beta": m.beta, "K_p": m.kp, "K_i": m.ki, "K_t": m.kt, "u_max": m.uMax,
                                    "anti_windup": m.antiWindup, "integrator_start": m.integratorStart.rawValue,
                                    "variant": m.variant.rawValue] as [String: Any]
        }
        if let h = request.neuron.homeostasis {
            o["homeostasis"] = ["Ca_target": h.calciumTarget, "tau_g_ms": h.tauG, "tau_ms": h.timeConstants,
                                "allow_negative": h.allowsNegativeConductance] as [String: Any]
        }
        if let runID { o["run_id"] = runID }
        try write(o, to: summaryPath)
        // The result is recorded: the checkpoint (written at the end of the run) is no longer needed.
        if request.checkpointPath != nil {
            FaultInjection.point()
            unlink(checkpoint)
        }
        return o
    }

    /// Writes a summary object (with the run's provenance) to `path`.
    func write(_ o: [String: Any], to path: String) throws(SimulationError) {
        var o = o
        o["provenance"] = Provenance.current.jsonObject
        do {
            try AtomicFileWriter.write(Data((JSONOutput.string(o, pretty: true) + "\n").utf8), to: path)
        } catch { throw SimulationError(message: "\(error)") }
    }

    /// Runs every cell and writes the summary. A single cell's failure is thrown (its partial outputs
    /// kept); in a population a failed cell is a row with its error and the others go on.
    public func run() throws(SimulationError) -> Outcome {
        let start = DispatchTime.now().uptimeNanoseconds
        if !experiment.isPopulation {
            let o = try runCell(0)
            return Outcome(summaryBox: UncheckedBox(o), failures: 0, interrupted: false)
        }
        let positions = shard?.members(of: experiment.cells.count) ?? 0..<experiment.cells.count
        let total = positions.count
        let this = self
        let (byPosition, failureCount) = PopulationWorkers.run(
            positions: positions, jobs: jobs, shouldStop: shouldStop,
            // The statistics see each cell's summary as read back from its file (the same numbers a merge of shards reads).
            member: { k throws in JSONInput.canonical(try this.runCell(k)) },
            failed: { k, error in
                var failed: [String: Any] = ["cell_index": this.experiment.cells[k].index ?? k, "error": "\(error)"]
                if let id = this.runID { failed["run_id"] = id }
                try? this.write(failed, to: this.cellFolder(k) + "/summary.json")
                return ["error": "\(error)"]
            },
            progress: { this.progress?($0, total, 0) })
        let interrupted = shouldStop?() ?? false
        let p = Self.populationSummary(experiment: experiment, positions: positions, members: byPosition)
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        var summary: [String: Any] = [
            "experiment": experiment.name, "profile": experiment.profile.rawValue, "cells": total,
            "finished": p.finished, "failed": p.failed, "interrupted": interrupted,
            "duration_ms": experiment.request.duration, "rows": p.rows, "statistics": p.statistics,
            "wall_ms": wall, "jobs": jobs,
        ]
        if let shard { summary["shard"] = shard.jsonObject(total: experiment.cells.count) }
        if let runID { summary["run_id"] = runID }
        if !interrupted { summary["cells_per_minute"] = Double(p.finished) / (wall / 60000) }
        try write(summary, to: folder + "/summary.json")
        return Outcome(summaryBox: UncheckedBox(summary), failures: failureCount, interrupted: interrupted)
    }

    /// The rows and population statistics of a population experiment's cells at `positions` (indices into
    /// `experiment.cells`), from their summaries by position: a finished cell's summary object, a failed
    /// cell's `{"error": …}`, none for a cell not run. Cells are taken in position order, so the same summaries
    /// give the same numbers however they were run (in one run, or in shards joined by `ganglion merge`).
    public static func populationSummary(experiment: Experiment, positions: Range<Int>, members: [Int: [String: Any]])
        -> (rows: [[String: Any]], statistics: [String: Any], finished: Int, failed: Int) {
        var cellRows: [[String: Any]] = []
        var main: [[String: Any]?] = []
        var finished: [[String: Any]?] = []
        var failed = 0
        for k in positions {
            let index = experiment.cells[k].index ?? k
            guard let o = members[k] else { continue }
            if let e = o["error"] {
                cellRows.append(["cell_index": index, "error": e])
                main.append(nil)
                failed += 1
                continue
            }
            var row: [String: Any] = ["cell_index": index, "name": experiment.cells[k].neuron.name]
            for key in ["pattern", "insufficient", "frequency_hz", "burstiness_hz2", "spikes_per_burst", "mean_ca", "zero_at_ms", "clamped_ms",
                        "reference_closest_approach_ms", "reference_closest_approach_first_ms"] { row[key] = o[key] }
            row["windows"] = (o["windows"] as? [[String: Any]])?.map { compact($0) }
            if let segments = o["segments"] as? [[String: Any]] { row["segments"] = segments.map { compact($0) } }
            row["snapshots"] = (o["snapshots"] as? [[String: Any]])?.map { compact($0) }
            cellRows.append(row)
            main.append(o)
            finished.append(o)
        }
        var statistics: [String: Any] = ["main_window": PopulationStatistics.summarize(main)]
        let windowCount = experiment.request.extraWindows.count
        statistics["windows"] = (0..<windowCount).map { i -> [String: Any] in
            var s = PopulationStatistics.summarize(main.map { ($0?["windows"] as? [[String: Any]])?[i] })
            let w = experiment.request.extraWindows[i]
            s["window_ms"] = [w.lowerBound, w.upperBound]
            return s
        }
        // With protocol events: per segment between events (the same segments for every cell).
        let segments = protocolSegments(events: experiment.request.events, duration: experiment.request.duration,
                                        settling: experiment.request.segmentSettling)
        if !segments.isEmpty {
            statistics["segments"] = segments.indices.map { i -> [String: Any] in
                var s = PopulationStatistics.summarize(main.map { ($0?["segments"] as? [[String: Any]])?[i] })
                s["start_ms"] = segments[i].span.lowerBound
                s["end_ms"] = segments[i].span.upperBound
                s["began"] = segments[i].began
                s["window_ms"] = [segments[i].window.lowerBound, segments[i].window.upperBound]
                return s
            }
        }
        statistics["snapshots"] = experiment.request.snapshotTimes.indices.map { i -> [String: Any] in
            var s = PopulationStatistics.summarize(main.map { ($0?["snapshots"] as? [[String: Any]])?[i] })
            s["t_ms"] = experiment.request.snapshotTimes[i]
            return s
        }
        // The cells in which each regulated conductance reached zero ("crashed"), of the cells finished.
        var zero: [String: Any] = [:]
        let regulated = Set(finished.compactMap { ($0?["clamped_ms"] as? [String: Any])?.keys }.flatMap { $0 })
        for n in regulated.sorted() {
            let hit = finished.filter { (($0?["zero_at_ms"] as? [String: Any])?[n]) != nil }.count
            zero[n] = Proportion(hit, of: finished.count).jsonObject
        }
        if !zero.isEmpty { statistics["reached_zero"] = zero }
        // With the exact STG reference: the cells whose reference passed a fold (closest approach).
        let approach = finished.compactMap { $0?["reference_closest_approach_ms"] as? Double }
        if !approach.isEmpty {
            statistics["reference_closest_approach"] = Proportion(approach.filter { $0 > 0 }.count, of: approach.count).jsonObject
        }
        return (cellRows, statistics, finished.count, failed)
    }

    static func compact(_ o: [String: Any]) -> [String: Any] {
        var r: [String: Any] = [:]
        for k in ["t_ms", "start_ms", "end_ms", "began", "window_ms", "pattern", "insufficient", "frequency_hz", "burstiness_hz2",
                  "spikes_per_burst", "mean_ca", "error"] where o[k] != nil { r[k] = o[k] }
        return r
    }
}
