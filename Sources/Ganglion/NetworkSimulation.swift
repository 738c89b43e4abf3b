import Foundation

/// A timed change to some cells of a network.
public struct NetworkEvent: Sendable {
    /// What a network event does to each cell it addresses.
    public enum Action: Sendable {
        /// Any single-cell protocol action (block, current, DIC targets, set, sharp, Ca target…).
        case cell(ProtocolEvent.Action)
        /// Switches homeostasis on (the cell's pending controller from the request); the new m_X start at
        /// ḡ_X(0) (`initial`, as the authors' sharp network) or at the present ḡ_X.
        case startHomeostasis(mFromInitial: Bool)
    }
    /// Time (ms).
    public var time: Double
    /// Indices of the cells addressed.
    public var cells: [Int]
    /// What the event does.
    public var action: Action
    /// An event at `time` (ms) applying `action` to the cells with indices `cells`.
    public init(time: Double, cells: [Int], action: Action) {
        self.time = time
        self.cells = cells
        self.action = action
    }
}

/// Everything a network run needs besides the network.
public struct NetworkRequest: Sendable, SolverConfigured {
    /// The network to simulate: cells and synapses.
    public var network: NetworkDescription
    /// Duration (ms).
    public var duration: Double
    /// How the network is integrated (method, tolerance, step, linear solver, rates).
    public var solverSettings = SolverSettings()
    /// Output grid (ms): spikes are detected on it, the trace is written on it.
    public var outputInterval = 0.1
    /// Timed changes to cells, in time order, each within 0…`duration` ms.
    public var events: [NetworkEvent] = []
    /// Per cell: the homeostasis a `startHomeostasis` event switches on.
    public var pendingHomeostasis: [Homeostasis?] = []
    /// Per cell: the threshold V_th (mV) for sharp events (nil: the cell's grid threshold at t = 0).
    public var thresholds: [Double?] = []
    /// Trace file (CSV or NWB, `traceFormat`): t, then per cell V (mV) and the `record` states; `nil`: none.
    public var tracePath: String?
    /// The trace's format (CSV, or NWB with its session metadata), written directly while the run goes.
    public var traceFormat: TraceSinkFormat = .csv
    /// Part of the run written to the trace (ms); nil: all of it.
    public var traceWindow: ClosedRange<Double>?
    /// Extra per-cell states written to the trace (layout names such as `Ca`, `Na.m`).
    public var record: [String] = []
    /// Conductances in effect of every cell, every this many ms, to `conductancesPath`.
    public var conductanceInterval: Double?
    /// Conductance file (`conductancesFormat`), written when `conductanceInterval` is set too; `nil`: none.
    public var conductancesPath: String?
    /// The format of the conductances file: CSV (the default) or NWB.
    public var conductancesFormat: TraceSinkFormat = .csv
    /// Windows of the firing and phase analysis (ms); each gets its own results.
    public var windows: [ClosedRange<Double>]
    /// Times (ms) of firing-pattern snapshots of every cell: at each, the cell's conductances in effect are
    /// frozen and the plain cell is rerun alone from its family's standard initial conditions (as a single
    /// cell's snapshots are), for `snapshotDuration` ms, analysed over `snapshotWindow`.
    public var snapshotTimes: [Double] = []
    /// Duration of each snapshot rerun (ms) and its analysis window.
    public var snapshotDuration = 15000.0
    public var snapshotWindow: ClosedRange<Double> = 3000...15000
    /// How burst onsets are found for the phase analysis; default the half-range rule.
    public var onsetRule: BurstOnsetRule = .halfRange
    /// The cell whose cycle the phases refer to.
    public var referenceCell = 0
    /// Called with the simulated time (ms) about once per simulated second, for progress reports.
    public var progress: (@Sendable (Double) -> Void)?
    /// Polled at every output sample; returning true stops the run with a `SimulationError`, keeping
    /// the trace computed so far.
    public var shouldStop: (@Sendable () -> Bool)?
    /// Write a checkpoint to `checkpointPath` every so often (simulated ms); nil: none. Checkpoint times are
    /// segment boundaries of every run with the same interval, so a resumed run is identical to an
    /// uninterrupted one.
    public var checkpointInterval: Double?
    /// Checkpoint file, overwritten atomically at each checkpoint and once more at the end of the run, before
    /// the outputs are committed; the caller removes it once it has recorded the result.
    public var checkpointPath: String?
    /// Continue from this checkpoint file (written by an earlier run of the same request).
    public var resumeFrom: String?
    /// Whether an output's existing `<file>.partial` is this run's own unfinished file and may be replaced
    /// (a resumed run killed before its first checkpoint). Default false.
    public var replacesPartialOutputs = false

    /// A request to simulate `network` for `duration` ms, analysed in `window` (ms);
    /// `nil`: from min(3000 ms, duration / 5) to the end.
    public init(network: NetworkDescription, duration: Double, window: ClosedRange<Double>? = nil) {
        self.network = network
        self.duration = duration
        windows = [window ?? (min(3000, duration / 5)...duration)]
    }
}

extension NetworkRequest {
    /// Cuts the run to `duration` ms: later events go, windows are clipped (those starting after it go;
    /// if none is left, the last fifth of the run is analysed).
    public mutating func shorten(to duration: Double) {
        guard duration < self.duration else { return }
        self.duration = duration
        events = events.filter { $0.time <= duration }
        windows = windows.filter { $0.lowerBound < duration }.map { $0.lowerBound...min($0.upperBound, duration) }
        if windows.isEmpty { windows = [(0.8 * duration)...duration] }
        if let w = traceWindow {
            traceWindow = w.lowerBound < duration ? w.lowerBound...min(w.upperBound, duration)
                : max(0, duration - (w.upperBound - w.lowerBound))...duration
        }
    }
}

/// What a network run measured: per analysis window and cell, firing features, burst onsets and phases.
public struct NetworkReport: Sendable, Codable {
    /// The results of one analysis window.
    public struct Window: Sendable, Codable {
        /// The window [start, end] (ms).
        public var window: [Double]
        /// Per cell, in network order.
        public var cells: [CellResult]
        enum CodingKeys: String, CodingKey { case window = "window_ms", cells }
    }
    /// One cell's results in one window.
    public struct CellResult: Sendable, Codable {
        /// The cell's name.
        public var name: String
        /// Firing features of the cell's spikes in the window.
        public var features: FiringFeatures
        /// Burst onset times in the window (ms), by the request's `onsetRule`.
        public var burstOnsets: [Double]
        /// Timing of the cell's burst onsets relative to the reference cell's cycle.
        public var phase: PhaseRelation
        enum CodingKeys: String, CodingKey { case name, features, burstOnsets = "burst_onsets_ms", phase }
    }
    /// One entry per `NetworkRequest.windows`, in order.
    public var windows: [Window]
    /// The results of the first window.
    public var cells: [CellResult] { windows[0].cells }
    /// Name of the cell whose cycle the phases refer to.
    public var referenceCell: String
    /// Solver work counters, summed over all segments of the run.
    public var statistics: SolverStatistics
    /// The solver used (`cvode-bdf`, `cvode-adams`, `exp-euler`, `rk4`).
    public var solver: String
    /// Wall-clock time of the run, trace writing included (ms).
    public var wallMilliseconds: Double
    /// The trace file, if one was written.
    public var tracePath: String?
    /// The conductance file, if one was written.
    public var conductancesPath: String?
    /// Names of the final state's entries, and the state.
    public var finalState: [String: Double]
    /// Per cell whose controller has the exact STG reference: the time (ms, checked every 10 ms) the
    /// reference spent at the closest approach past a fold of the exact problem.
    public var closestApproach: [String: Double] = [:]
    /// The snapshots (`NetworkRequest.snapshotTimes`): per time, one per cell in network order.
    public var snapshots: [CellSnapshot] = []
    /// One cell's snapshot.
    public struct CellSnapshot: Sendable, Codable {
        /// The cell's name.
        public var cell: String
        /// The snapshot (time, conductances in effect, the rerun's features and mean calcium, or its error).
        public var snapshot: Snapshot
    }
    enum CodingKeys: String, CodingKey {
        case windows, referenceCell = "reference_cell", statistics = "solver_statistics", solver,
             wallMilliseconds = "wall_ms", tracePath = "trace", conductancesPath = "conductances", finalState = "final_state",
             closestApproach = "reference_closest_approach_ms", snapshots
    }
}

/// Runs a network: segments between events, one compiled network per segment, states carried by name.
public func simulateNetwork(_ request: NetworkRequest) throws(SimulationError) -> NetworkReport {
    try NetworkRun(request).run()
}

/// A circuit's run: checks the request, builds the circuit, its observers and the engine, and makes the report.
final class NetworkRun {
    let request: NetworkRequest
    let circuit: CircuitSubject
    let spikes: CircuitSpikes
    let fold: FoldMonitor
    let snapshots: SnapshotObserver
    let engine: RunEngine

    init(_ r: NetworkRequest) throws(SimulationError) {
        request = r
        func fail(_ m: String) -> SimulationError { SimulationError(message: m) }
        guard r.duration.isFinite, r.duration > 0 else { throw fail("duration = \(r.duration) ms: must be finite and > 0") }
        if let why = RunLimits.violation(duration: r.duration, outputInterval: r.outputInterval, step: r.solverSettings.fixedStep) {
            throw fail("run refused: \(why)")
        }
        guard !r.windows.isEmpty else { throw fail("no analysis window") }
        for w in r.windows where !(w.lowerBound >= 0 && w.upperBound <= r.duration && w.upperBound > w.lowerBound) {
            throw fail("analysis window \(w.lowerBound)…\(w.upperBound) ms must lie inside 0…\(r.duration) ms")
        }
        guard r.network.cells.indices.contains(r.referenceCell) else { throw fail("reference cell \(r.referenceCell) does not exist") }
        var thresholds = r.thresholds.count == r.network.cells.count ? r.thresholds : Array(repeating: nil, count: r.network.cells.count)
        // Events: known cells, in order, valid actions for each addressed cell.
        var previous = 0.0
        for (k, e) in r.events.enumerated() {
            let field = "protocol[\(k)] (at \(e.time) ms)"
            guard e.time.isFinite, e.time >= 0, e.time <= r.duration else { throw fail("\(field): the time must lie in 0…\(r.duration) ms") }
            guard e.time >= previous else { throw fail("\(field): out of order (the previous event is at \(previous) ms)") }
            previous = e.time
            guard !e.cells.isEmpty, e.cells.allSatisfy({ r.network.cells.indices.contains($0) }) else { throw fail("\(field): no cells or an unknown cell") }
            for c in e.cells {
                let name = r.network.cells[c].name
                switch e.action {
                case .cell(let a):
                    do { try ProtocolState.validate([ProtocolEvent(time: e.time, action: a)], for: r.network.cells[c].neuron, duration: r.duration) } catch {
                        throw fail("\(field), cell \(name): \(error.reason)")
                    }
                case .startHomeostasis:
                    guard r.pendingHomeostasis.indices.contains(c), r.pendingHomeostasis[c] != nil else {
                        throw fail("\(field), cell \(name): no homeostasis to start (give the network's \"homeostasis\" block)")
                    }
                    guard r.network.cells[c].neuron.homeostasis == nil else { throw fail("\(field), cell \(name): homeostasis is already on") }
                }
            }
        }
        for (i, c) in r.network.cells.enumerated() where thresholds[i] == nil {
            let needs = r.events.contains { e in
                guard e.cells.contains(i), case .cell(.sharp(let s)) = e.action else { return false }
                return s.voltage == nil
            }
            if needs {
                do { thresholds[i] = try DICCalculator(c.neuron.effective()).threshold(.grid).V } catch {
                    throw fail("cell \(c.name): sharp neuromodulation needs the cell's threshold: \(error)")
                }
            }
        }
        let circuit = try CircuitSubject(network: r.network, events: r.events, pendingHomeostasis: r.pendingHomeostasis, thresholds: thresholds)
        self.circuit = circuit
        // Recorded states by reference, per cell (resolved to indices again whenever an event recompiles).
        var recorded: [[StateReference]] = Array(repeating: [], count: circuit.compiled.cells.count)
        for name in r.record {
            for (i, c) in circuit.compiled.cells.enumerated() {
                guard let reference = c.reference(named: name) else {
                    throw fail("record: cell \(r.network.cells[i].name) has no state '\(name)' (it has: \(c.layout.names.joined(separator: ", ")))")
                }
                recorded[i].append(reference)
            }
        }
        if let c = r.checkpointInterval, let why = RunLimits.violation(duration: r.duration, outputInterval: r.outputInterval, checkpointInterval: c) {
            throw fail(why)
        }
        let resuming = r.resumeFrom != nil
        let replace = r.replacesPartialOutputs || OutputPolicy.replacesForeignFiles
        spikes = CircuitSpikes(subject: circuit)
        fold = FoldMonitor(subject: circuit)
        var observers: [any RunObserver] = [spikes, fold]
        if let dt = r.conductanceInterval, let path = r.conductancesPath {
            guard dt > 0, dt.isFinite else { throw fail("conductance interval \(dt) ms must be > 0") }
            let columns = ["t_ms"] + r.network.cells.indices.flatMap { i in
                circuit.compiled.cells[i].currentNames.map { "\(r.network.cells[i].name).\($0 == "leak" ? "leak" : $0)" }
            }
            observers.append(try CircuitConductanceSampler(subject: circuit, path: path, format: r.conductancesFormat, columns: columns,
                                                           interval: dt, duration: r.duration,
                                                           replacingPartial: replace, resuming: resuming))
        }
        if let path = r.tracePath {
            let columns = ["t_ms"] + r.network.cells.flatMap { c in ["\(c.name).V_mV"] + r.record.map { "\(c.name).\(TraceColumns.name(ofState: $0))" } }
            let names = r.network.cells.map(\.name)
            observers.append(try TraceObserver(key: "trace", path: path, format: r.traceFormat, columns: columns, window: r.traceWindow, duration: r.duration,
                                               subject: circuit, replacingPartial: replace, resuming: resuming) { subject throws(SimulationError) in
                var sources: [TraceSource] = []
                for (k, c) in subject.cells.enumerated() {
                    sources.append(.state(c.offset))
                    for reference in recorded[k] {
                        guard let i = c.compiled.index(of: reference) else {
                            throw SimulationError(message: "cell \(names[k]): the recorded state \(reference) is no longer in the cell")
                        }
                        sources.append(.state(c.offset + i))
                    }
                }
                return sources
            })
        }
        snapshots = SnapshotObserver(sampleTimes: [], snapshotTimes: r.snapshotTimes, duration: r.snapshotDuration, window: r.snapshotWindow,
                                     settings: r.solverSettings, shouldStop: r.shouldStop) { [unowned circuit] t in circuit.snapshotCells(at: t) }
        observers.append(snapshots)
        engine = try RunEngine(subject: circuit, observers: observers, settings: r.solverSettings, duration: r.duration,
                               outputInterval: r.outputInterval, cuts: r.snapshotTimes, checkpointInterval: r.checkpointInterval,
                               checkpointPath: r.checkpointPath, fingerprint: Self.fingerprint(r), progress: r.progress, shouldStop: r.shouldStop)
        if let from = r.resumeFrom { try engine.resume(from: from) }
    }

    /// A text that changes whenever something that changes the result changes.
    static func fingerprint(_ r: NetworkRequest) -> String {
        let events = r.events.map { "\($0.time):\($0.cells):" + StableDescription.of($0.action) }.joined(separator: ";")
        // The solver fields named each on its own, then (only when set) the settings without a field here.
        let s = r.solverSettings
        var extras = s
        extras.linearSolver = .structured
        extras.exactRates = false
        extras.sundialsStepBounds = false
        return [StableDescription.of(r.network), "T=\(r.duration)", s.method.rawValue, "rtol=\(s.rtol)", "dt=\(String(describing: s.dt))",
                "ls=\(s.linearSolver)", "exact=\(s.exactRates)", "bounds=\(s.sundialsStepBounds)", "dt_out=\(r.outputInterval)",
                "events=\(events)", "pending=" + StableDescription.of(r.pendingHomeostasis), "vth=\(r.thresholds)", "trace=\(String(describing: r.traceWindow))",
                "record=\(r.record)", "gdt=\(String(describing: r.conductanceInterval))", "ckpt=\(String(describing: r.checkpointInterval))"]
            .joined(separator: "|") + extras.fingerprintExtras + (s.atol.map { "|atol=\($0)" } ?? "")
            + (r.snapshotTimes.isEmpty ? "" : "|snap=\(r.snapshotTimes):\(r.snapshotDuration):\(r.snapshotWindow)") + (r.traceFormat.fileExtension == "nwb" ? "|trace=nwb" : "")
    }

    func run() throws(SimulationError) -> NetworkReport {
        let outcome = try engine.run()
        let system = circuit.compiled
        let windows = request.windows.map { w in
            let onsets = spikes.detectors.map { request.onsetRule.onsets($0.spikeTimes.filter { w.contains($0) }) }
            let ref = onsets[request.referenceCell]
            let results = system.cellNames.enumerated().map { i, name in
                NetworkReport.CellResult(name: name, features: FiringFeatures(spikeTimes: spikes.detectors[i].spikeTimes.filter { w.contains($0) }),
                                         burstOnsets: onsets[i], phase: PhaseRelation(onsets: onsets[i], reference: ref))
            }
            return NetworkReport.Window(window: [w.lowerBound, w.upperBound], cells: results)
        }
        return NetworkReport(windows: windows, referenceCell: system.cellNames[request.referenceCell],
                             statistics: outcome.statistics, solver: request.solverSettings.integrator(for: system).name,
                             wallMilliseconds: outcome.wallMilliseconds,
                             tracePath: request.tracePath, conductancesPath: request.conductanceInterval != nil ? request.conductancesPath : nil,
                             finalState: Dictionary(uniqueKeysWithValues: zip(system.layout.names, circuit.state)),
                             closestApproach: Dictionary(uniqueKeysWithValues: system.cells.indices.filter { system.cells[$0].controllerReferenceCanFold }
                                                            .map { (system.cellNames[$0], fold.saved.time[$0]) }),
                             snapshots: snapshots.saved.snapshots.map { NetworkReport.CellSnapshot(cell: $0.cell ?? "", snapshot: $0.snapshot) })
    }

}

extension NetworkReport {
    /// The report as JSON: per window and cell the firing features, burst onsets, period and phase.
    public var jsonObject: [String: Any] {
        [
            "reference_cell": referenceCell,
            "windows": windows.map { w in
                [
                    "window_ms": w.window,
                    "cells": w.cells.map { c in
                        var o = c.features.jsonObject
                        o["name"] = c.name
                        o["burst_onsets_ms"] = c.burstOnsets
                        o["onset_period_ms"] = c.phase.period as Any
                        o["mean_phase"] = c.phase.meanPhase as Any
                        o["phase_spread"] = c.phase.spread as Any
                        o["phases"] = c.phase.phases
                        o["phases_deg"] = c.phase.gaitDegrees
                        o["locked_to_reference"] = c.phase.locked
                        o["locking"] = c.phase.jsonObject
                        o["period_ratio"] = (c.phase.period.flatMap { p in c.phase.referencePeriod.map { p / $0 } }) as Any
                        return o
                    },
                ] as [String: Any]
            },
            "solver": statistics.jsonObject.merging(["name": solver]) { $1 },
            "wall_ms": wallMilliseconds,
            "trace": tracePath as Any,
            "conductances": conductancesPath as Any,
            "reference_closest_approach_ms": closestApproach,
            "snapshots": snapshots.map { s -> [String: Any] in
                var f = s.snapshot.features.jsonObject
                f["cell"] = s.cell
                f["t_ms"] = s.snapshot.time
                f["mean_ca"] = s.snapshot.meanCalcium as Any
                f["conductances"] = s.snapshot.conductances
                if let e = s.snapshot.error { f["error"] = e }
                return f
            },
            "provenance": Provenance.current.jsonObject,
        ]
    }

    /// A readable table per window: pattern, frequency, spikes per burst, onset period, phase, R, Rayleigh p,
    /// cycles and the locking verdict; then the criterion.
    public var table: String {
        func f(_ x: Double?, _ d: Int) -> String { x.map { String(format: "%.\(d)f", $0) } ?? "—" }
        func p(_ x: Double?) -> String { x.map { $0 < 1e-4 ? "<1e-4" : String(format: "%.4f", $0) } ?? "—" }
        var lines: [String] = []
        for w in windows {
            lines.append("window \(f(w.window[0] / 1000, 1))–\(f(w.window[1] / 1000, 1)) s (phases relative to \(referenceCell)):")
            lines.append("  cell        pattern       f (Hz)  spikes/burst  period (ms)  phase      R   Rayleigh p  cycles  locked")
            for c in w.cells {
                var verdict = c.phase.verdict.rawValue
                if c.phase.verdict == .insufficient { verdict += " (\(c.phase.cycles) of \(c.phase.criterion.minimumCycles) cycles)" }
                lines.append("  " + [c.name.padding(toLength: 10, withPad: " ", startingAt: 0),
                                     c.features.pattern.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0),
                                     f(c.features.frequency, 2).leftPad(7), (c.features.spikesPerBurst.map(String.init) ?? "—").leftPad(13),
                                     f(c.phase.period, 1).leftPad(12), f(c.phase.meanPhase, 3).leftPad(6), f(c.phase.resultantLength, 3).leftPad(6),
                                     p(c.phase.rayleighP).leftPad(11), String(c.phase.cycles).leftPad(7), " " + verdict].joined(separator: " "))
            }
        }
        let k = LockingCriterion()
        lines.append("locked: ≥ \(k.minimumCycles) cycles, Rayleigh p < \(k.significance), R ≥ \(k.minimumResultantLength), "
                     + "phase drift (trend of the phases per cycle × cycles) < \(k.maximumDrift) cycle")
        return lines.joined(separator: "\n")
    }
}

extension PhaseRelation {
    /// The locking measure as JSON: verdict, R, Rayleigh p, cycles, periods, drift and the criterion.
    public var jsonObject: [String: Any] {
        [
            "verdict": verdict.rawValue,
            "resultant_length": resultantLength as Any,
            "rayleigh_p": rayleighP as Any,
            "cycles": cycles,
            "period_ms": period as Any,
            "reference_period_ms": referencePeriod as Any,
            "drift_cycles": drift as Any,
            "criterion": ["minimum_cycles": criterion.minimumCycles, "rayleigh_p_below": criterion.significance,
                          "resultant_length_at_least": criterion.minimumResultantLength,
                          "drift_cycles_below": criterion.maximumDrift] as [String: Any],
        ]
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
