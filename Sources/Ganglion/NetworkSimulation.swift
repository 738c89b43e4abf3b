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
    /// Trace file (CSV): t, then per cell V (mV) and the `record` states; `nil`: none.
    public var tracePath: String?
    /// Part of the run written to the trace (ms); nil: all of it.
    public var traceWindow: ClosedRange<Double>?
    /// Extra per-cell states written to the trace (layout names such as `Ca`, `Na.m`).
    public var record: [String] = []
    /// Conductances in effect of every cell, every this many ms, to `conductancesPath`.
    public var conductanceInterval: Double?
    /// Conductance file (CSV), written when `conductanceInterval` is set too; `nil`: none.
    public var conductancesPath: String?
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

/// Everything a network checkpoint holds: the time, the state, what the protocol changed, the analyses so far.
struct NetworkProgress: Codable {
    var version = 1
    /// Identifies the request (a checkpoint of another request is refused).
    var fingerprint: String
    var time: Double
    var nextEvent: Int
    var state: [Double]
    /// Per cell: the protocol's changes, and whether a `startHomeostasis` event switched homeostasis on.
    var records: [ProtocolState.Record]
    var homeostasisStarted: [Bool]
    var detectors: [SpikeDetector]
    var statistics: SolverStatistics
    var nextConductanceTime: Double
    var nextProgressTime: Double
    var closestApproach: [Double]
    var nextReferenceCheck: Double
    var traceBytes: Int?
    var conductanceBytes: Int?
    var wallMilliseconds: Double
    /// The snapshots taken so far (nil in checkpoints of runs without snapshots).
    var snapshots: [NetworkReport.CellSnapshot]?
}

final class NetworkRun {
    let request: NetworkRequest
    var cells: [ProtocolState]
    var system: CompiledNetwork
    var state: [Double]
    var initialGbar: [[String: Double]]
    var thresholds: [Double?]
    var detectors: [SpikeDetector]
    var statistics = SolverStatistics()
    var writer: CSVTraceWriter?
    var conductanceWriter: CSVTraceWriter?
    var traceColumns: [Int] = []
    var nextConductanceTime = 0.0
    /// Progress is reported about once per simulated second, whatever the output grid.
    var nextProgressTime = 0.0
    /// Per cell, the time its reference spent past a fold, and the next check (every
    /// `SimulationRun.referenceCheckInterval`).
    var closestApproach: [Double] = []
    var nextReferenceCheck = 0.0
    /// Per cell: whether a `startHomeostasis` event has switched its homeostasis on.
    var homeostasisStarted: [Bool] = []
    /// Checkpoint times (ms), and where a resumed run starts (time, next event, wall time before).
    var checkpointTimes: Set<Double> = []
    var resumed: (time: Double, nextEvent: Int, wall: Double)?
    /// The snapshots taken so far.
    var snapshots: [NetworkReport.CellSnapshot] = []

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
        do { system = try r.network.compile() } catch { throw fail("\(error)") }
        cells = r.network.cells.map { ProtocolState($0.neuron) }
        initialGbar = r.network.cells.map { c in
            Dictionary(uniqueKeysWithValues: c.neuron.conductanceNames.map { ($0, c.neuron.gbar($0)!) })
        }
        thresholds = r.thresholds.count == r.network.cells.count ? r.thresholds : Array(repeating: nil, count: r.network.cells.count)
        state = system.initialState()
        detectors = Array(repeating: SpikeDetector(), count: r.network.cells.count)
        closestApproach = Array(repeating: 0, count: r.network.cells.count)
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
        for name in r.record {
            for (i, c) in system.cells.enumerated() where c.layout.index(of: name) == nil {
                throw fail("record: cell \(r.network.cells[i].name) has no state '\(name)' (it has: \(c.layout.names.joined(separator: ", ")))")
            }
        }
        homeostasisStarted = Array(repeating: false, count: r.network.cells.count)
        if let c = r.checkpointInterval {
            guard c.isFinite, c > 0 else { throw fail("checkpoint interval \(c) ms must be > 0") }
            guard r.checkpointPath != nil else { throw fail("a checkpoint interval needs a checkpoint path") }
            if let why = RunLimits.violation(duration: r.duration, outputInterval: r.outputInterval, checkpointInterval: c) { throw fail(why) }
            let count = Int(checking: (r.duration / c).rounded(.up)) ?? 1
            checkpointTimes = Set((1..<max(1, count)).map { Double($0) * c }.filter { $0 < r.duration })
        }
        var conductanceColumns: [String]?
        if let dt = r.conductanceInterval, r.conductancesPath != nil {
            guard dt > 0, dt.isFinite else { throw fail("conductance interval \(dt) ms must be > 0") }
            conductanceColumns = ["t_ms"] + r.network.cells.indices.flatMap { i in
                system.cells[i].currentNames.map { "\(r.network.cells[i].name).\($0 == "leak" ? "leak" : $0)" }
            }
        }
        let traceColumnNames = ["t_ms"] + r.network.cells.flatMap { c in ["\(c.name).V_mV"] + r.record.map { "\(c.name).\(TraceColumns.name(ofState: $0))" } }
        if let from = r.resumeFrom {
            try resume(from, traceColumns: traceColumnNames, conductanceColumns: conductanceColumns)
        } else {
            let replace = r.replacesPartialOutputs || OutputPolicy.replacesForeignFiles
            if let p = r.conductancesPath, let columns = conductanceColumns {
                do { conductanceWriter = try CSVTraceWriter(path: p, columns: columns, replacingPartial: replace) } catch { throw fail("\(error)") }
            }
            if let p = r.tracePath {
                do { writer = try CSVTraceWriter(path: p, columns: traceColumnNames, replacingPartial: replace) } catch { throw fail("\(error)") }
            }
        }
        mapTraceColumns()
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
            + (r.snapshotTimes.isEmpty ? "" : "|snap=\(r.snapshotTimes):\(r.snapshotDuration):\(r.snapshotWindow)")
    }

    /// Takes a run back to a checkpoint: the protocol's changes, the compiled network, the analyses, the outputs.
    func resume(_ path: String, traceColumns: [String], conductanceColumns: [String]?) throws(SimulationError) {
        let saved: NetworkProgress
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimulationError(message: "\(path): cannot read the checkpoint; every file is left as it is")
        }
        do { saved = try JSONInput.decode(NetworkProgress.self, from: data) } catch {
            throw SimulationError(message: "\(path): cannot read the checkpoint (\(error)); every file is left as it is")
        }
        guard saved.fingerprint == Self.fingerprint(request) else {
            throw SimulationError(message: "\(path): the checkpoint belongs to a different run (network, protocol, solver or outputs changed); every file is left as it is")
        }
        guard saved.records.count == cells.count, saved.homeostasisStarted.count == cells.count, saved.detectors.count == cells.count else {
            throw SimulationError(message: "\(path): the checkpoint's cells do not match the network; every file is left as it is")
        }
        var d = request.network
        for i in cells.indices {
            if saved.homeostasisStarted[i] {
                var n = cells[i].neuron
                n.homeostasis = request.pendingHomeostasis[i]
                cells[i] = ProtocolState(n)
            }
            cells[i].restore(saved.records[i])
            d.cells[i].neuron = cells[i].neuron
        }
        do { system = try d.compile() } catch { throw SimulationError(message: "\(path): \(error)") }
        guard saved.state.count == system.layout.names.count else {
            throw SimulationError(message: "\(path): the checkpoint's state does not match the network; every file is left as it is")
        }
        state = saved.state
        homeostasisStarted = saved.homeostasisStarted
        detectors = saved.detectors
        statistics = saved.statistics
        nextConductanceTime = saved.nextConductanceTime
        nextProgressTime = saved.nextProgressTime
        closestApproach = saved.closestApproach
        nextReferenceCheck = saved.nextReferenceCheck
        resumed = (saved.time, saved.nextEvent, saved.wallMilliseconds)
        snapshots = saved.snapshots ?? []
        let complete = saved.time >= request.duration
        if let p = request.tracePath { writer = try reopenOutput(p, columns: traceColumns, size: saved.traceBytes, checkpoint: path, complete: complete) }
        if let p = request.conductancesPath, let columns = conductanceColumns {
            conductanceWriter = try reopenOutput(p, columns: columns, size: saved.conductanceBytes, checkpoint: path, complete: complete)
        }
    }

    func writeCheckpoint(time: Double, nextEvent: Int, wall: Double) throws(SimulationError) {
        guard let path = request.checkpointPath else { return }
        do {
            let p = NetworkProgress(fingerprint: Self.fingerprint(request), time: time, nextEvent: nextEvent, state: state,
                                    records: cells.map(\.record), homeostasisStarted: homeostasisStarted, detectors: detectors,
                                    statistics: statistics, nextConductanceTime: nextConductanceTime, nextProgressTime: nextProgressTime,
                                    closestApproach: closestApproach, nextReferenceCheck: nextReferenceCheck,
                                    traceBytes: try writer?.synchronize(), conductanceBytes: try conductanceWriter?.synchronize(),
                                    wallMilliseconds: wall, snapshots: request.snapshotTimes.isEmpty ? nil : snapshots)
            try AtomicFileWriter.write(try JSONEncoder().encode(p), to: path)
        } catch {
            throw SimulationError(message: "cannot write the checkpoint \(path): \(error)")
        }
    }

    func mapTraceColumns() {
        traceColumns = system.cells.indices.flatMap { i in
            [system.offsets[i]] + request.record.map { system.offsets[i] + system.cells[i].layout.index(of: $0)! }
        }
    }

    func run() throws(SimulationError) -> NetworkReport {
        let clock = ContinuousClock.now
        let integratorFor = { (s: CompiledNetwork) in
            self.request.solverSettings.integrator(for: s)
        }
        var boundaries = Set(request.events.map(\.time)).union(checkpointTimes).union(request.snapshotTimes)
        boundaries.insert(request.duration)
        boundaries.remove(0)
        var nextEvent = resumed?.nextEvent ?? 0
        var t = resumed?.time ?? 0.0
        let wallBefore = resumed?.wall ?? 0
        func wallNow() -> Double {
            let w = ContinuousClock.now - clock
            return wallBefore + Double(w.components.seconds) * 1000 + Double(w.components.attoseconds) / 1e15
        }
        var values = Array(repeating: 0.0, count: traceColumns.count)
        func keepPartial() -> String? {
            try? writer?.keepPartial()
        }
        do {
            for end in boundaries.sorted() where end > t {
                while nextEvent < request.events.count && request.events[nextEvent].time <= t {
                    try apply(request.events[nextEvent]); nextEvent += 1
                }
                try takeSnapshots(at: t)
                // Boundaries closer than a billionth of their time are one instant: no integration between them.
                if end - t <= 1e-9 * max(1, abs(end)) {
                    t = end
                    if checkpointTimes.contains(end) { try writeCheckpoint(time: end, nextEvent: nextEvent, wall: wallNow()) }
                    continue
                }
                var problem: ODEProblem
                do { problem = try ODEProblem(system: system, initialState: state, startTime: t, endTime: end,
                                              outputInterval: request.outputInterval, outputOrigin: 0) } catch {
                    throw SimulationError(message: "\(error)")
                }
                problem.shouldStop = request.shouldStop
                let first = t
                let solution = try integratorFor(system).solve(problem) { time, y in
                    if time == first && first > 0 { return }   // the boundary sample was taken by the last segment
                    for (i, o) in self.system.offsets.enumerated() { self.detectors[i].observe(t: time, V: y[o]) }
                    if let w = self.writer, self.request.traceWindow.map({ $0.contains(time) }) ?? true {
                        for (k, c) in self.traceColumns.enumerated() { values[k] = y[c] }
                        try values.withUnsafeBufferPointer { try w.write(time: time, values: $0) }
                    }
                    if let cw = self.conductanceWriter, let dt = self.request.conductanceInterval, time >= self.nextConductanceTime - 1e-9 {
                        try self.writeConductances(cw, time, y)
                        self.nextConductanceTime += dt
                    }
                    if time >= self.nextProgressTime { self.request.progress?(time); self.nextProgressTime = time + 1000 }
                    if time >= self.nextReferenceCheck {
                        for (i, c) in self.system.cells.enumerated() where c.controllerReferenceCanFold
                            && !c.controllerReferenceIsExact(state: y.baseAddress! + self.system.offsets[i]) {
                            self.closestApproach[i] += SimulationRun.referenceCheckInterval
                        }
                        self.nextReferenceCheck += SimulationRun.referenceCheckInterval
                    }
                    if self.request.shouldStop?() == true { throw CancellationError() }
                }
                statistics += solution.statistics
                state = solution.finalState
                t = end
                if checkpointTimes.contains(end) { try writeCheckpoint(time: end, nextEvent: nextEvent, wall: wallNow()) }
            }
            if request.snapshotTimes.contains(t) {
                // A snapshot at the end sees the events at the end, as one at any other time does.
                while nextEvent < request.events.count && request.events[nextEvent].time <= t {
                    try apply(request.events[nextEvent]); nextEvent += 1
                }
                try takeSnapshots(at: t)
            }
            // The end: a last checkpoint with the outputs' final sizes before they are committed, so a run killed
            // from here on resumes to the same files. The caller removes it once the summary is written.
            if request.checkpointPath != nil, (resumed?.time ?? 0) < request.duration {
                try writeCheckpoint(time: request.duration, nextEvent: nextEvent, wall: wallNow())
            }
            try writer?.commit()
            try conductanceWriter?.commit()
        } catch let e as SolverError {
            throw SimulationError(message: "network \(system.cellNames.joined(separator: ", ")): \(e)", partialTracePath: keepPartial(), solverError: e)
        } catch let e as SimulationError {
            var e = e
            e.partialTracePath = keepPartial()
            throw e
        } catch {
            throw SimulationError(message: "\(error)", partialTracePath: keepPartial())
        }
        let wall = wallNow()
        let windows = request.windows.map { w in
            let onsets = detectors.map { request.onsetRule.onsets($0.spikeTimes.filter { w.contains($0) }) }
            let ref = onsets[request.referenceCell]
            let results = system.cellNames.enumerated().map { i, name in
                NetworkReport.CellResult(name: name, features: FiringFeatures(spikeTimes: detectors[i].spikeTimes.filter { w.contains($0) }),
                                         burstOnsets: onsets[i], phase: PhaseRelation(onsets: onsets[i], reference: ref))
            }
            return NetworkReport.Window(window: [w.lowerBound, w.upperBound], cells: results)
        }
        return NetworkReport(windows: windows, referenceCell: system.cellNames[request.referenceCell],
                             statistics: statistics, solver: request.solverSettings.method.rawValue,
                             wallMilliseconds: wall,
                             tracePath: request.tracePath, conductancesPath: request.conductanceInterval != nil ? request.conductancesPath : nil,
                             finalState: Dictionary(uniqueKeysWithValues: zip(system.layout.names, state)),
                             closestApproach: Dictionary(uniqueKeysWithValues: system.cells.indices.filter { system.cells[$0].controllerReferenceCanFold }
                                                            .map { (system.cellNames[$0], closestApproach[$0]) }),
                             snapshots: snapshots)
    }

    func writeConductances(_ w: CSVTraceWriter, _ time: Double, _ y: UnsafeBufferPointer<Double>) throws {
        var row: [Double] = []
        for (i, c) in system.cells.enumerated() {
            var g = Array(repeating: 0.0, count: c.currentNames.count)
            g.withUnsafeMutableBufferPointer { c.effectiveConductances(y.baseAddress! + system.offsets[i], into: $0.baseAddress!) }
            row += g
        }
        try row.withUnsafeBufferPointer { try w.write(time: time, values: $0) }
    }

    /// The present cell i without controllers: regulated and modulated ḡ from the state.
    func currentCell(_ i: Int) -> NeuronDescription {
        state.withUnsafeBufferPointer { system.cells[i].plainCell(cells[i].neuron, state: $0.baseAddress! + system.offsets[i]) }
    }

    /// The snapshots due at time t (after its events), each cell's once: its conductances in effect frozen, the
    /// plain cell rerun alone with the run's solver settings (`Snapshot.take`).
    func takeSnapshots(at t: Double) throws(SimulationError) {
        guard request.snapshotTimes.contains(t), !snapshots.contains(where: { $0.snapshot.time == t }) else { return }
        for i in system.cells.indices {
            var cell = currentCell(i).effective(at: t)
            // From the family's standard initial conditions, not the network's starting voltages.
            if let family = NeuronKind.of(cell) {
                cell.initialVoltage = family.initialVoltage
                cell.initialCalcium = family.initialCalcium
            }
            let conductances = Dictionary(uniqueKeysWithValues: cell.conductanceNames.map { ($0, cell.gbar($0)!) })
            let snapshot = try Snapshot.take(of: cell, at: t, conductances: conductances, duration: request.snapshotDuration,
                                             window: request.snapshotWindow, settings: request.solverSettings, shouldStop: request.shouldStop)
            snapshots.append(NetworkReport.CellSnapshot(cell: system.cellNames[i], snapshot: snapshot))
        }
    }

    /// Applies an event to its cells, recompiles the network and carries the state over by name.
    func apply(_ e: NetworkEvent) throws(SimulationError) {
        var edits: [(cell: Int, state: StateReference, value: Double)] = []
        var fresh: [(cell: Int, state: StateReference, value: Double)] = []
        for i in e.cells {
            let name = request.network.cells[i].name
            switch e.action {
            case .cell(.sharp(let s)):
                let cell = currentCell(i)
                let result: CompensationResult
                do {
                    result = try compensate(cell.effective(at: e.time), unknowns: s.conductances, targets: s.targets,
                                            at: .value(s.voltage ?? thresholds[i]!), variant: s.variant)
                } catch {
                    throw SimulationError(message: "event at \(e.time) ms, cell \(name): the compensation solve failed: \(error)")
                }
                for c in s.conductances {
                    for edit in cells[i].apply(ProtocolEvent(time: e.time, action: .setConductance(channel: c, value: result.solved[c]!))) {
                        edits.append((i, edit.state, edit.value))
                    }
                }
            case .cell(let a):
                for edit in cells[i].apply(ProtocolEvent(time: e.time, action: a)) { edits.append((i, edit.state, edit.value)) }
            case .startHomeostasis(let fromInitial):
                let now = currentCell(i)
                var d = cells[i].neuron
                // The description's ḡ become the present ones, so the new ḡ states start there.
                for n in d.conductanceNames { d.setGbar(n, now.gbar(n)!) }
                d.homeostasis = request.pendingHomeostasis[i]
                cells[i] = ProtocolState(d)
                homeostasisStarted[i] = true
                for n in d.homeostasis!.timeConstants.keys {
                    let g = now.gbar(n)!
                    fresh.append((i, .gbar(conductance: n), g))
                    fresh.append((i, StateReference.homeostasisM(of: n, in: d)!, fromInitial ? initialGbar[i][n]! : g))
                }
            }
        }
        var d = request.network
        for i in d.cells.indices { d.cells[i].neuron = cells[i].neuron }
        let next: CompiledNetwork
        do { next = try d.compile() } catch { throw SimulationError(message: "event at \(e.time) ms: \(error)") }
        var y = next.initialState()
        let old = Dictionary(uniqueKeysWithValues: zip(system.layout.names, state))
        for (k, n) in next.layout.names.enumerated() { if let v = old[n] { y[k] = v } }
        for x in edits + fresh {
            guard let k = next.index(of: x.state, cell: x.cell) else {
                throw SimulationError(message: "event at \(e.time) ms: cell \(request.network.cells[x.cell].name) has no state \(x.state)")
            }
            y[k] = x.value
        }
        system = next
        state = y
        mapTraceColumns()
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
