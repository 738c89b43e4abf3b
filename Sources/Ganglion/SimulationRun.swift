import Foundation

/// Runs a single-neuron simulation, streaming samples to the analysis and the output files.
///
/// The run is split into segments at every event, snapshot, requested conductance time and checkpoint;
/// the integrator is re-initialised at each. Samples share one output grid (origin 0). At a boundary with
/// events the trace has the state just before and just after; at other boundaries one row.
public func simulate(_ request: SimulationRequest) throws(SimulationError) -> SimulationReport {
    let run = try SimulationRun(request)
    return try run.execute()
}

/// The mutable state of a run: everything a checkpoint holds.
struct RunProgress: Codable {
    var version = 1
    /// Identifies the request (a checkpoint of another request is refused).
    var fingerprint: String
    var time = 0.0
    var state: [Double]
    var nextEvent = 0
    var protocolRecord: ProtocolState.Record
    var analyzer: WindowAnalyzer
    var extraAnalyzers: [WindowAnalyzer]
    /// One per segment between protocol events (nil in checkpoints of runs without segments).
    var segmentAnalyzers: [WindowAnalyzer]?
    var clamped: [Double]
    var wasClamped: [Bool]
    /// First sample time (ms) at which each regulated ḡ was at or below zero.
    var firstZero: [Double?]
    var lastSample = 0.0
    /// Time (ms, in `referenceCheckInterval` units) the controller's reference spent at the closest approach
    /// past a fold, the first time it did, and the next check time (nil in checkpoints from before).
    var closestApproachTime: Double?
    var firstClosestApproach: Double?
    var nextReferenceCheck: Double?
    var statistics = SolverStatistics()
    var algorithm: String
    var wallMilliseconds = 0.0
    var calcium = CalciumAverager(window: 5000)
    var nextConductanceTick = 0.0
    var conductanceSamples: [ConductanceSample] = []
    var snapshots: [Snapshot] = []
    var thresholdV: Double?
    /// The state 1 s before a restarting sharp event (the authors take the conductances of their last 1 s sample).
    var lookbackState: [Double]?
    var traceBytes: Int?
    var conductanceBytes: Int?
    /// Whether the next segment's first sample was already recorded (no event changed the system at the
    /// checkpoint); when events acted there, it is the state just after them and must be recorded on resume.
    var skipFirstSample: Bool?
    /// Means of the mechanisms' readouts over the main window, then each extra window (nil without readouts).
    var readoutAveragers: [ReadoutAverager]?
}

extension RunProgress {
    /// Takes one sample into the analyses: firing, time at ḡ ≤ 0 of the regulated states, calcium average.
    /// (One mutation of the run's progress per sample instead of one per field.)
    mutating func record(_ t: Double, _ y: UnsafeBufferPointer<Double>, regulatedIndex: [Int]) {
        analyzer.observe(t: t, V: y[0], Ca: y[1])
        for i in extraAnalyzers.indices { extraAnalyzers[i].observe(t: t, V: y[0], Ca: y[1]) }
        if segmentAnalyzers != nil { for i in segmentAnalyzers!.indices { segmentAnalyzers![i].observe(t: t, V: y[0], Ca: y[1]) } }
        for (k, i) in regulatedIndex.enumerated() {
            let now = y[i] <= 0
            if now, wasClamped[k] { clamped[k] += t - lastSample }
            if now, firstZero[k] == nil { firstZero[k] = t }
            wasClamped[k] = now
        }
        lastSample = t
        calcium.observe(t: t, Ca: y[1])
    }
}

/// Trailing time-average of calcium over a window, from the trapezoid integral at regular ticks.
struct CalciumAverager: Codable {
    var window: Double
    private var integral = 0.0
    private var lastT: Double?, lastCa = 0.0
    private var tickTimes: [Double] = []
    private var tickIntegrals: [Double] = []

    init(window: Double) { self.window = window }

    mutating func observe(t: Double, Ca: Double) {
        if let lastT { integral += 0.5 * (lastCa + Ca) * (t - lastT) }
        lastT = t
        lastCa = Ca
    }

    /// The average over [t − window, t] (over [0, t] early on), recorded as a tick at t.
    mutating func tick(at t: Double) -> Double? {
        let eps = 1e-6
        tickTimes.append(t)
        tickIntegrals.append(integral)
        while let first = tickTimes.first, first < t - window - eps {
            tickTimes.removeFirst()
            tickIntegrals.removeFirst()
        }
        if let k = tickTimes.firstIndex(where: { abs($0 - (t - window)) < eps }) {
            return (integral - tickIntegrals[k]) / window
        }
        return t > 0 ? integral / t : lastCa
    }
}

final class SimulationRun {
    /// How often (ms of simulated time) the run checks whether the controller's reference is past a fold.
    static let referenceCheckInterval = 10.0
    /// A run stops when |V| exceeds this (mV) or calcium turns negative.
    static let voltageBound = 1000.0
    let request: SimulationRequest
    let neuron: CompiledNeuron
    let window: ClosedRange<Double>
    /// The segments between protocol events (empty without events inside the run).
    let segments: [(span: ClosedRange<Double>, window: ClosedRange<Double>, began: String)]
    let boundaries: [Double]
    let checkpointTimes: Set<Double>
    let header: [String]
    let stateColumns: [Int]
    /// Per trace column of `stateColumns`: whether it is a homeostatic ḡ (written as max(ḡ, 0)).
    let stateColumnClamped: [Bool]
    let currentColumns: [Int]
    let regulatedNames: [String]
    let regulatedIndex: [Int]
    let conductanceNames: [String]
    var protocolState: ProtocolState
    var system: CompiledNeuron
    /// Mutated at every sample: no dynamic exclusivity check (a run is single-threaded, and no access to it
    /// overlaps another).
    @exclusivity(unchecked) var progress: RunProgress
    @exclusivity(unchecked) var writer: CSVTraceWriter?
    var conductanceWriter: CSVTraceWriter?

    init(_ request: SimulationRequest) throws(SimulationError) {
        self.request = request
        func fail(_ m: String) -> SimulationError { SimulationError(message: m) }
        do { neuron = try CompiledNeuron(request.neuron) } catch {
            throw fail("model '\(request.neuron.name)': \(error)")
        }
        let duration = request.duration
        guard duration.isFinite, duration > 0 else { throw fail("duration = \(duration) ms: must be finite and > 0") }
        guard request.outputInterval.isFinite, request.outputInterval > 0 else {
            throw fail("dt-out = \(request.outputInterval) ms: must be finite and > 0")
        }
        do { try ProtocolState.validate(request.events, for: request.neuron, duration: duration) } catch {
            throw fail("protocol: \(error)")
        }
        func inside(_ w: ClosedRange<Double>) -> Bool { w.lowerBound >= 0 && w.upperBound <= duration + 1e-9 && w.upperBound > w.lowerBound }
        guard request.segmentSettling.isFinite, request.segmentSettling >= 0 else {
            throw fail("segment settling time \(request.segmentSettling) ms must be finite and ≥ 0")
        }
        segments = protocolSegments(events: request.events, duration: duration, settling: request.segmentSettling)
        if let w = request.window {
            guard inside(w) else { throw fail("window \(w.lowerBound):\(w.upperBound) ms must lie inside the run 0:\(duration) ms") }
            window = w
        } else if let last = segments.last {
            window = last.window
        } else {
            window = (duration > 3000 ? 3000 : 0)...duration
        }
        for w in request.extraWindows where !inside(w) {
            throw fail("window \(w.lowerBound):\(w.upperBound) ms must lie inside the run 0:\(duration) ms")
        }
        for t in request.snapshotTimes + request.conductanceTimes where !(t >= 0 && t <= duration) {
            throw fail("time \(t) ms (snapshot or conductance sample) is outside the run 0:\(duration) ms")
        }
        guard request.snapshotDuration > 0, request.snapshotWindow.upperBound <= request.snapshotDuration,
              request.snapshotWindow.lowerBound >= 0 else {
            throw fail("snapshot window \(request.snapshotWindow) ms must lie inside the snapshot run (\(request.snapshotDuration) ms)")
        }
        if let c = request.conductanceInterval {
            guard c.isFinite, c > 0 else { throw fail("conductance sampling interval \(c) ms must be > 0") }
            let ratio = request.calciumAverageWindow / c
            guard request.calciumAverageWindow > 0, abs(ratio - ratio.rounded()) < 1e-9 else {
                throw fail("the calcium moving-average window (\(request.calciumAverageWindow) ms) must be a positive multiple of the sampling interval (\(c) ms)")
            }
        }
        if let why = RunLimits.violation(duration: duration, outputInterval: request.outputInterval, step: request.solverSettings.fixedStep,
                                         checkpointInterval: request.checkpointInterval) {
            throw fail("run refused: \(why)")
        }
        var checkpoints: [Double] = []
        if let c = request.checkpointInterval {
            guard c.isFinite, c > 0 else { throw fail("checkpoint interval \(c) ms must be > 0") }
            guard request.checkpointPath != nil else { throw fail("a checkpoint interval needs a checkpoint path") }
            var k = 1.0
            while k * c < duration { checkpoints.append(k * c); k += 1 }
        }
        checkpointTimes = Set(checkpoints)
        let cuts = request.events.map(\.time) + request.snapshotTimes + request.conductanceTimes + checkpoints + Self.lookbackTimes(request)
        boundaries = Array(Set(cuts.filter { $0 > 0 && $0 < duration })).sorted() + [duration]

        // Columns: V, Ca, then the recorded extras.
        let names = neuron.layout.names
        let currentNames = neuron.currentNames
        var stateColumns: [Int] = [0, 1]
        var currentColumns: [Int] = []
        for item in request.record {
            switch item {
            case .gates:
                for i in 2..<names.count where !stateColumns.contains(i) { stateColumns.append(i) }
            case .currents:
                for i in currentNames.indices where !currentColumns.contains(i) { currentColumns.append(i) }
            case .named(let n):
                if let i = names.firstIndex(of: n) {
                    if !stateColumns.contains(i) { stateColumns.append(i) }
                } else if n.hasPrefix("I_"), let i = currentNames.firstIndex(of: String(n.dropFirst(2))) {
                    if !currentColumns.contains(i) { currentColumns.append(i) }
                } else {
                    throw fail("--record: unknown quantity '\(n)' (known: gates, currents, "
                               + (names.dropFirst(2) + currentNames.map { "I_\($0)" }).joined(separator: ", ") + ")")
                }
            }
        }
        self.stateColumns = stateColumns
        self.currentColumns = currentColumns
        header = ["t_ms", "V_mV", TraceColumns.calcium] + stateColumns.dropFirst(2).map { names[$0] } + currentColumns.map { "I_\(currentNames[$0])_uA_cm2" }
        conductanceNames = currentNames
        regulatedNames = (request.neuron.homeostasis?.timeConstants.keys).map { $0.sorted() } ?? []
        let layout = neuron.layout
        regulatedIndex = regulatedNames.map { layout.index(of: "homeostasis.\($0).gbar")! }
        stateColumnClamped = stateColumns.map(regulatedIndex.contains)

        protocolState = ProtocolState(request.neuron)
        system = neuron
        let state = neuron.initialState()
        progress = RunProgress(fingerprint: Self.fingerprint(request), state: state, nextEvent: 0, protocolRecord: protocolState.record,
                               analyzer: WindowAnalyzer(window: window), extraAnalyzers: request.extraWindows.map { WindowAnalyzer(window: $0) },
                               segmentAnalyzers: segments.isEmpty ? nil : segments.map { WindowAnalyzer(window: $0.window) },
                               clamped: Array(repeating: 0, count: regulatedNames.count),
                               wasClamped: Array(repeating: false, count: regulatedNames.count),
                               firstZero: Array(repeating: nil, count: regulatedNames.count),
                               algorithm: request.solverSettings.method.rawValue, calcium: CalciumAverager(window: request.calciumAverageWindow))
        let readoutCount = neuron.readouts.count
        if readoutCount > 0 {
            progress.readoutAveragers = ([window] + request.extraWindows).map { ReadoutAverager(window: $0, readouts: readoutCount) }
        }
        if request.events.contains(where: { if case let .sharp(s) = $0.action { s.voltage == nil } else { false } }) {
            do { progress.thresholdV = try DICCalculator(protocolState.neuron.effective()).threshold(.grid).V } catch {
                throw fail("sharp neuromodulation needs the cell's threshold: \(error)")
            }
        }

        if let from = request.resumeFrom {
            try resume(from)
        } else {
            do {
                let replace = request.replacesPartialOutputs || OutputPolicy.replacesForeignFiles
                if let path = request.tracePath { writer = try CSVTraceWriter(path: path, columns: header, replacingPartial: replace) }
                if let path = request.conductancesPath, request.conductanceInterval != nil {
                    conductanceWriter = try CSVTraceWriter(path: path, columns: conductanceColumns, replacingPartial: replace)
                }
            } catch { throw fail("\(error)") }
        }
    }

    /// One second before each restarting sharp event (paper profile), when the run is that long.
    static func lookbackTimes(_ r: SimulationRequest) -> [Double] {
        r.events.compactMap { e in
            if case let .sharp(s) = e.action, s.restart, e.time >= 1000 { e.time - 1000 } else { nil }
        }
    }

    /// A text that changes whenever something that changes the result changes.
    static func fingerprint(_ r: SimulationRequest) -> String {
        let n = r.neuron
        let g = n.conductanceNames.map { "\($0)=\(n.gbar($0)!)" }.joined(separator: ",")
        let h = n.homeostasis.map { "\($0.timeConstants.sorted { $0.key < $1.key }),\($0.tauG),\($0.calciumTarget),\($0.allowsNegativeConductance)" } ?? "none"
        let ev = r.events.map { StableDescription.of($0) }.joined(separator: ";")
        let nm = n.neuromodulation.map { StableDescription.of($0) } ?? "none"
        let blocks = n.blockFractions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return [n.name, g, "I=\(n.appliedCurrent)", "h=\(h)", "nm=\(nm)", "block=\(blocks)", "V0=\(n.initialVoltage)", "Ca0=\(n.initialCalcium)", "T=\(r.duration)", "dt_out=\(r.outputInterval)", r.solverSettings.method.rawValue,
                "rtol=\(r.solverSettings.rtol)", "atol=\(String(describing: r.solverSettings.atol))", "dt=\(String(describing: r.solverSettings.dt))", "events=\(ev)",
                "snap=\(r.snapshotTimes)", "ckpt=\(String(describing: r.checkpointInterval))",
                "gdt=\(String(describing: r.conductanceInterval))", "gt=\(r.conductanceTimes)", "win=\(r.extraWindows)"]
            .joined(separator: "|")
            + (r.events.contains { $0.time > 0 && $0.time < r.duration } ? "|segments-settling=\(r.segmentSettling)" : "") + r.solverSettings.fingerprintExtras
    }

    func resume(_ path: String) throws(SimulationError) {
        let saved: RunProgress
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimulationError(message: "\(path): cannot read the checkpoint; every file is left as it is")
        }
        do { saved = try JSONInput.decode(RunProgress.self, from: data) } catch {
            throw SimulationError(message: "\(path): cannot read the checkpoint (\(error)); every file is left as it is")
        }
        guard saved.fingerprint == progress.fingerprint else {
            throw SimulationError(message: "\(path): the checkpoint belongs to a different run (model, protocol, solver or outputs changed)")
        }
        progress = saved
        protocolState.restore(saved.protocolRecord)
        do { system = try CompiledNeuron(protocolState.neuron) } catch {
            throw SimulationError(message: "\(path): \(error)")
        }
        // Each output goes on from its `.partial` at the checkpoint's size. A checkpoint written at the end of
        // the run (`progress.time` = duration) may find an output already committed under its final name.
        let complete = saved.time >= request.duration
        if let p = request.tracePath {
            writer = try reopenOutput(p, columns: header, size: saved.traceBytes, checkpoint: path, complete: complete)
        }
        if let p = request.conductancesPath, request.conductanceInterval != nil {
            conductanceWriter = try reopenOutput(p, columns: conductanceColumns, size: saved.conductanceBytes, checkpoint: path, complete: complete)
        }
    }

    func execute() throws(SimulationError) -> SimulationReport {
        let resumedAt = request.resumeFrom != nil ? progress.time : nil
        let integrator = request.solverSettings.integrator(for: neuron)
        let traceWindow = request.traceWindow ?? (-Double.infinity...Double.infinity)
        let row = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(header.count, conductanceColumns.count))
        let currents = UnsafeMutablePointer<Double>.allocate(capacity: conductanceNames.count + 1)
        defer { row.deallocate(); currents.deallocate() }
        var nextProgress = progress.time
        let progressStep = max(request.duration / 100, 1000)
        let start = DispatchTime.now().uptimeNanoseconds
        let wallBefore = progress.wallMilliseconds
        func wallNow() -> Double { wallBefore + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }
        // A fresh start: the events at t = 0 act before the start; then the snapshots and samples asked for at 0.
        var skipFirst = false
        if resumedAt == nil {
            while progress.nextEvent < request.events.count, request.events[progress.nextEvent].time == 0 {
                try apply(request.events[progress.nextEvent])
                progress.nextEvent += 1
            }
            do { system = try CompiledNeuron(protocolState.neuron) } catch {
                throw SimulationError(message: "model '\(request.neuron.name)' after the events at 0 ms: \(error)")
            }
            try atBoundary(0, changed: true)
        } else {
            skipFirst = progress.skipFirstSample ?? true
        }
        do {
            for boundary in boundaries where boundary > progress.time {
                let segmentStart = progress.time
                if boundary - segmentStart <= 1e-9 * max(1, abs(boundary)) {
                    // Boundaries closer than a billionth of their time (events 1e-13 ms apart) are one instant:
                    // no integration between them (no integrator can resolve the span).
                    progress.time = boundary
                    let changed = try applyEvents(at: boundary)
                    skipFirst = skipFirst && !changed
                    try atBoundary(boundary, changed: changed)
                    if checkpointTimes.contains(boundary) { try checkpoint(skipFirst: skipFirst, wall: wallNow()) }
                    continue
                }
                var problem = try ODEProblem(system: system, initialState: progress.state, startTime: segmentStart, endTime: boundary,
                                             outputInterval: request.outputInterval, outputOrigin: 0)
                problem.shouldStop = request.shouldStop
                let skip = skipFirst
                let shouldStop = request.shouldStop, reportProgress = request.progress
                // The trace writer is fixed for the run: held here and passed down, not re-read (and retained)
                // from `self` at every sample.
                let traceWriter = writer
                let solution = try integrator.solve(problem) { t, y in
                    if skip, t == segmentStart { return }
                    if shouldStop?() == true { throw Interrupted() }   // optional calls: no copy (and retain) of the closures
                    try self.observe(t, y, traceWindow: traceWindow, row: row, scratch: currents, writer: traceWriter)
                    if reportProgress != nil, t >= nextProgress {
                        reportProgress?(t)
                        nextProgress = t + progressStep
                    }
                }
                progress.statistics += solution.statistics
                progress.algorithm = solution.algorithm
                progress.state = solution.finalState
                progress.time = boundary
                if Self.lookbackTimes(request).contains(boundary) { progress.lookbackState = progress.state }
                // Events at this boundary; the next segment starts from the same state (unless restarted).
                let changed = try applyEvents(at: boundary)
                skipFirst = !changed
                try atBoundary(boundary, changed: changed)
                if checkpointTimes.contains(boundary) { try checkpoint(skipFirst: skipFirst, wall: wallNow()) }
            }
            // The end: a last checkpoint (with the outputs' final sizes) before the outputs are committed, so a
            // run killed at any point from here on resumes to the same files. The caller removes the checkpoint
            // once it has written the run's summary.
            if request.checkpointPath != nil, (resumedAt ?? 0) < request.duration { try checkpoint(skipFirst: skipFirst, wall: wallNow()) }
            try writer?.commit()
            try conductanceWriter?.commit()
        } catch let e as SolverError {
            var e = e
            e.statistics += progress.statistics
            let kept = try? writer?.keepPartial()
            _ = try? conductanceWriter?.keepPartial()
            throw SimulationError(message: e.description, partialTracePath: kept ?? nil, solverError: e)
        } catch let e as SimulationError {
            var e = e
            e.partialTracePath = (try? writer?.keepPartial()) ?? nil
            _ = try? conductanceWriter?.keepPartial()
            throw e
        } catch {
            let kept = try? writer?.keepPartial()
            _ = try? conductanceWriter?.keepPartial()
            throw SimulationError(message: "\(error)", partialTracePath: kept ?? nil)
        }

        var rtol: Double?, atol: [String: Double]?, dt: Double?
        switch request.solverSettings.method {
        case .cvodeBDF, .cvodeAdams:
            rtol = request.solverSettings.rtol
            let options = (integrator as! CVODEIntegrator).options
            let a = options.absoluteTolerances(for: neuron)
            // V (mV), Ca (model units) and the first channel gate (dimensionless; the homeostatic and
            // controller states, which come before the gates, have their own tolerances).
            let names = neuron.layout.names
            // The gates follow the dense core (V, Ca, kinetic schemes, controllers and mechanisms).
            let gate = (neuron.coreCount..<names.count).first { !names[$0].hasPrefix("homeostasis.") }
            atol = ["V": a[0], "Ca": a[1]]
            if let gate { atol?["gates"] = a[gate] }
        case .expEuler, .rk4:
            dt = request.solverSettings.fixedStep
        }
        let analyzer = progress.analyzer
        var report = SimulationReport(model: request.neuron.name, features: analyzer.features, meanCalcium: analyzer.meanCalcium,
                                      window: analyzer.coveredWindow ?? window, solverName: progress.algorithm, rtol: rtol,
                                      atol: atol, dt: dt, statistics: progress.statistics, wallMilliseconds: wallNow(),
                                      duration: request.duration, tracePath: request.tracePath)
        report.windowFeatures = progress.extraAnalyzers.map { ($0.window, $0.features, $0.meanCalcium) }
        let readouts = system.readouts
        report.readouts = (progress.readoutAveragers ?? []).map { a in
            (a.window, Dictionary(uniqueKeysWithValues: zip(readouts.map(\.name), a.means ?? []).map { ($0, $1) }))
        }
        report.readoutTargets = Dictionary(uniqueKeysWithValues: readouts.compactMap { r in r.readout.target.map { (r.name, $0) } })
        report.segments = zip(segments, progress.segmentAnalyzers ?? []).map { s, a in
            SegmentResult(span: s.span, began: s.began, window: a.coveredWindow ?? s.window, features: a.features, meanCalcium: a.meanCalcium)
        }
        report.clampedTime = Dictionary(uniqueKeysWithValues: zip(regulatedNames, progress.clamped))
        report.zeroTimes = Dictionary(uniqueKeysWithValues: zip(regulatedNames, progress.firstZero).compactMap { n, t in t.map { (n, $0) } })
        if system.controllerReferenceCanFold {
            report.closestApproach = (progress.closestApproachTime ?? 0, progress.firstClosestApproach)
        }
        report.conductanceSamples = progress.conductanceSamples
        report.snapshots = progress.snapshots
        report.finalState = Dictionary(uniqueKeysWithValues: zip(system.layout.names, progress.state))
        report.resumedAt = resumedAt
        report.conductancesPath = request.conductanceInterval != nil ? request.conductancesPath : nil
        return report
    }

    /// One output sample.
    func observe(_ t: Double, _ y: UnsafeBufferPointer<Double>, traceWindow: ClosedRange<Double>,
                 row: UnsafeMutableBufferPointer<Double>, scratch: UnsafeMutablePointer<Double>, writer: CSVTraceWriter?) throws {
        // Outside these bounds the model has left the range it describes (e.g. an applied current of 10⁹ µA/cm²,
        // or a fixed step far too large): the run stops instead of reporting numbers that mean nothing.
        guard y[0] >= -SimulationRun.voltageBound, y[0] <= SimulationRun.voltageBound, y[1] >= 0 else {
            let what = y[1] >= 0 ? "V = \(y[0]) mV, outside ±\(SimulationRun.voltageBound) mV" : "Ca = \(y[1]), below 0"
            throw SimulationError(message: "at t = \(t) ms, \(what): the cell has left the range the model describes (applied current or step too large?)")
        }
        progress.record(t, y, regulatedIndex: regulatedIndex)
        if progress.readoutAveragers != nil {
            let n = progress.readoutAveragers![0].sums.count
            withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { v in
                system.readoutValues(y.baseAddress!, into: v.baseAddress!)
                for i in progress.readoutAveragers!.indices { progress.readoutAveragers![i].observe(t: t, UnsafeBufferPointer(v)) }
            }
        }
        if system.controllerReferenceCanFold, t >= progress.nextReferenceCheck ?? 0 {
            // Every 10 ms (the reference solve is too dear for every sample): is it past a fold?
            if !system.controllerReferenceIsExact(state: y.baseAddress!) {
                progress.closestApproachTime = (progress.closestApproachTime ?? 0) + Self.referenceCheckInterval
                if progress.firstClosestApproach == nil { progress.firstClosestApproach = t }
            }
            progress.nextReferenceCheck = (progress.nextReferenceCheck ?? 0) + Self.referenceCheckInterval
        }
        if let every = request.conductanceInterval, t >= progress.nextConductanceTick - 1e-9 * every {
            let tick = progress.nextConductanceTick
            let average = progress.calcium.tick(at: tick)
            system.effectiveConductances(y.baseAddress!, into: scratch)
            row[0] = average ?? .nan
            for i in conductanceNames.indices { row[i + 1] = scratch[i] }
            var c = conductanceNames.count + 1
            if let m = system.neuron.neuromodulation {
                // The controller's view: g_s, g_u at V_th of the conductances in effect, and its reference.
                let d = dicsAtThreshold(conductances: scratch, V: m.thresholdVoltage)
                let r = system.controllerReference(state: Array(y))
                for v in [d?.gs ?? .nan, d?.gu ?? .nan, r[m.conductances[0]]!, r[m.conductances[1]]!] { row[c] = v; c += 1 }
            }
            try conductanceWriter?.write(time: tick, values: UnsafeBufferPointer(rebasing: row[0..<c]))
            progress.nextConductanceTick = tick + every
        }
        if writer != nil, traceWindow.contains(t) {   // (optional chaining below borrows the writer: no retain)
            var c = 0
            // Homeostatic ḡ states are written as the conductance in effect, max(ḡ, 0).
            for (i, clamped) in zip(stateColumns, stateColumnClamped) { row[c] = clamped ? max(y[i], 0) : y[i]; c += 1 }
            if !currentColumns.isEmpty {
                system.currents(y.baseAddress!, into: scratch)
                for i in currentColumns { row[c] = scratch[i]; c += 1 }
            }
            try writer?.write(time: t, values: UnsafeBufferPointer(rebasing: row[0..<c]))
        }
    }

    /// Columns of the conductance file: the calcium moving average, every conductance in effect, and with a
    /// neuromodulation controller g_s and g_u at V_th and the controller's reference.
    var conductanceColumns: [String] {
        var c = ["t_ms", TraceColumns.calciumAverage] + conductanceNames.map { "g_\($0)_mS_cm2" }
        if let m = request.neuron.neuromodulation {
            c += ["g_s_at_Vth", "g_u_at_Vth"] + m.conductances.map { "ref_\($0)_mS_cm2" }
        }
        return c
    }

    /// The DICs at V of the plain cell with these conductances in effect (in `conductanceNames` order).
    func dicsAtThreshold(conductances g: UnsafePointer<Double>, V: Double) -> DICValues? {
        var cell = protocolState.neuron
        cell.homeostasis = nil
        cell.neuromodulation = nil
        cell.mechanisms = []
        cell.blockFractions = [:]
        for (i, n) in conductanceNames.enumerated() { cell.setGbar(n, g[i]) }
        return try? DICCalculator(cell).dics(at: V)
    }

    /// The conductances in effect at the current state, by name.
    func conductancesNow() -> [String: Double] {
        let out = UnsafeMutablePointer<Double>.allocate(capacity: conductanceNames.count)
        defer { out.deallocate() }
        progress.state.withUnsafeBufferPointer { system.effectiveConductances($0.baseAddress!, into: out) }
        return Dictionary(uniqueKeysWithValues: conductanceNames.enumerated().map { ($1, out[$0]) })
    }

    /// The cell as it is now, without controllers: every regulated or modulated ḡ taken from the state.
    func currentCell() -> NeuronDescription {
        progress.state.withUnsafeBufferPointer { system.plainCell(protocolState.neuron, state: $0.baseAddress!) }
    }

    /// Applies one event at its time to the description and the state.
    func apply(_ e: ProtocolEvent) throws(SimulationError) {
        guard case let .sharp(s) = e.action else {
            for edit in protocolState.apply(e) { progress.state[system.index(of: edit.state)!] = edit.value }
            return
        }
        if s.restart, let saved = progress.lookbackState {
            // The authors' switch starts from the conductances of their last 1 s sample (Docs/science/controllers.md §3).
            for i in regulatedIndex { progress.state[i] = saved[i] }
            progress.lookbackState = nil
        }
        let cell = currentCell()
        for c in s.conductances where cell.blockFractions[c] != nil {
            throw SimulationError(message: "event at \(e.time) ms (\(e.summary)): '\(c)' is blocked; a blocked conductance cannot be solved for")
        }
        let V = s.voltage ?? progress.thresholdV!
        let result: CompensationResult
        do { result = try compensate(cell.effective(at: e.time), unknowns: s.conductances, targets: s.targets, at: .value(V), variant: s.variant) } catch {
            throw SimulationError(message: "event at \(e.time) ms (\(e.summary)): the compensation solve failed: \(error)")
        }
        for c in s.conductances {
            for edit in protocolState.apply(ProtocolEvent(time: e.time, action: .setConductance(channel: c, value: result.solved[c]!))) {
                progress.state[system.index(of: edit.state)!] = edit.value
            }
        }
        if s.restart {
            // The authors' restart: V, Ca and gates from the initial conditions; every other m_X := ḡ_X.
            let fresh = system.initialState()
            for (i, name) in system.layout.names.enumerated() where !name.hasPrefix("homeostasis.") { progress.state[i] = fresh[i] }
            for (n, i) in zip(regulatedNames, regulatedIndex) where !s.conductances.contains(n) {
                progress.state[system.layout.index(of: "homeostasis.\(n).m")!] = progress.state[i]
            }
        }
    }

    /// Snapshots and conductance samples due at a boundary (after its events).
    func atBoundary(_ t: Double, changed: Bool) throws(SimulationError) {
        if request.conductanceTimes.contains(t) {
            progress.conductanceSamples.append(ConductanceSample(time: t, conductances: conductancesNow()))
        }
        guard request.snapshotTimes.contains(t) else { return }
        progress.snapshots.append(try Snapshot.take(of: currentCell().effective(at: t), at: t, conductances: conductancesNow(),
                                                    duration: request.snapshotDuration, window: request.snapshotWindow,
                                                    settings: request.solverSettings, shouldStop: request.shouldStop))
    }

    /// Applies the events due at `boundary` and recompiles the cell if any acted; returns whether one did.
    func applyEvents(at boundary: Double) throws(SimulationError) -> Bool {
        var changed = false
        while progress.nextEvent < request.events.count, request.events[progress.nextEvent].time == boundary {
            try apply(request.events[progress.nextEvent])
            progress.nextEvent += 1
            changed = true
        }
        if changed {
            do { system = try CompiledNeuron(protocolState.neuron) } catch {
                throw SimulationError(message: "model '\(request.neuron.name)' after the events at \(boundary) ms: \(error)")
            }
        }
        return changed
    }

    /// Writes a checkpoint of the run as it is at a boundary (`skipFirst`: the next segment's first sample was
    /// already recorded).
    func checkpoint(skipFirst: Bool, wall: Double) throws(SimulationError) {
        progress.skipFirstSample = skipFirst
        progress.wallMilliseconds = wall
        try writeCheckpoint()
    }

    func writeCheckpoint() throws(SimulationError) {
        guard let path = request.checkpointPath else { return }
        do {
            progress.protocolRecord = protocolState.record
            progress.traceBytes = try writer?.synchronize()
            progress.conductanceBytes = try conductanceWriter?.synchronize()
            let data = try JSONEncoder().encode(progress)
            try AtomicFileWriter.write(data, to: path)
        } catch {
            throw SimulationError(message: "cannot write the checkpoint \(path): \(error)")
        }
    }
}
