import Foundation
import GanglionCore

/// Runs a single-neuron simulation (`RunEngine` over a `CellSubject`), streaming samples to the analyses and
/// the output files.
///
/// The run is split into segments at every event, snapshot, requested conductance time and checkpoint;
/// the integrator is re-initialised at each. Samples share one output grid (origin 0). At a boundary with
/// events the trace has the state just before and just after; at other boundaries one row.
public func simulate(_ request: SimulationRequest) throws(SimulationError) -> SimulationReport {
    let run = try SimulationRun(request)
    return try run.execute()
}

/// A lone cell's run: checks the request, builds the cell, its observers and the engine, and makes the report.
final class SimulationRun {
    let request: SimulationRequest
    let window: ClosedRange<Double>
    /// The segments between protocol events (empty without events inside the run).
    let segments: [(span: ClosedRange<Double>, window: ClosedRange<Double>, began: String)]
    let cell: CellSubject
    let analysis: CellAnalysis
    let fold: FoldMonitor?
    let snapshots: SnapshotObserver
    let envelope: EnvelopeObserver?
    let engine: RunEngine

    init(_ request: SimulationRequest) throws(SimulationError) {
        self.request = request
        func fail(_ m: String) -> SimulationError { SimulationError(message: m) }
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
        cell = try CellSubject(neuron: request.neuron, events: request.events)
        let resuming = request.resumeFrom != nil
        let replace = request.replacesPartialOutputs || OutputPolicy.replacesForeignFiles

        // Columns: V, Ca, then the recorded extras. States are recorded by reference (resolved to indices
        // again whenever an event recompiles the cell), and named by their layout names at the start.
        let compiled = cell.compiled
        let names = compiled.layout.names
        let currentNames = compiled.currentNames
        var states: [StateReference] = [.voltage, .calcium]
        var currentColumns: [Int] = []
        var voltageDerivative = false, clampCurrent = false
        func add(_ r: StateReference) { if !states.contains(r) { states.append(r) } }
        for item in request.record {
            switch item {
            case .voltageDerivative: voltageDerivative = true
            case .gates:
                for i in 2..<names.count {
                    guard let r = compiled.reference(at: i) else { throw fail("state \(names[i]) has no reference") }
                    add(r)
                }
            case .currents:
                for i in currentNames.indices where !currentColumns.contains(i) { currentColumns.append(i) }
            case .named(let n):
                if let r = compiled.reference(named: n) {
                    add(r)
                } else if n == "I_clamp" {
                    clampCurrent = true
                } else if n.hasPrefix("I_"), let i = currentNames.firstIndex(of: String(n.dropFirst(2))) {
                    if !currentColumns.contains(i) { currentColumns.append(i) }
                } else {
                    throw fail("--record: unknown quantity '\(n)' (known: gates, currents, dVdt, I_clamp, "
                               + (names.dropFirst(2) + currentNames.map { "I_\($0)" }).joined(separator: ", ") + ")")
                }
            }
        }
        let header = ["t_ms", "V_mV", TraceColumns.calcium] + states.dropFirst(2).map { names[compiled.index(of: $0)!] }
            + currentColumns.map { "I_\(currentNames[$0])_uA_cm2" }
            + (voltageDerivative ? [TraceColumns.voltageDerivative] : []) + (clampCurrent ? ["I_clamp_uA_cm2"] : [])
        let extras = currentColumns.map { TraceSource.current(cell: 0, channel: $0) }
            + (voltageDerivative ? [TraceSource.voltageDerivative(cell: 0)] : []) + (clampCurrent ? [TraceSource.clampCurrent(cell: 0)] : [])
        let regulated = Set(cell.regulatedNames)
        let stateSources = { (subject: any RunSubject) throws(SimulationError) -> [TraceSource] in
            let cell = subject.cells[0].compiled
            // Homeostatic ḡ states are written as the conductance in effect, max(ḡ, 0).
            return try states.map { (r: StateReference) throws(SimulationError) -> TraceSource in
                guard let i = cell.index(of: r) else { throw SimulationError(message: "the recorded state \(r) is no longer in the cell") }
                if case .gbar(let name) = r, regulated.contains(name) { return .conductanceState(i) }
                return .state(i)
            } + extras
        }

        analysis = CellAnalysis(subject: cell, window: window, extraWindows: request.extraWindows, segmentWindows: segments.map(\.window))
        var observers: [any RunObserver] = [analysis]
        fold = cell.compiled.controllerReferenceCanFold ? FoldMonitor(subject: cell) : nil
        if let fold { observers.append(fold) }
        if let every = request.conductanceInterval, let path = request.conductancesPath {
            observers.append(try CellConductanceSampler(subject: cell, path: path, format: request.conductancesFormat, interval: every, calciumWindow: request.calciumAverageWindow,
                                                        duration: duration, replacingPartial: replace, resuming: resuming))
        }
        if let path = request.tracePath {
            observers.append(try TraceObserver(key: "trace", path: path, format: request.traceFormat, columns: header, window: request.traceWindow, duration: duration,
                                               subject: cell, replacingPartial: replace, resuming: resuming, sources: stateSources))
        }
        if let buckets = request.envelopeBuckets {
            guard buckets >= 1, buckets <= 1_000_000 else { throw fail("envelope buckets \(buckets): must be in 1…1000000") }
            envelope = EnvelopeObserver(duration: duration, buckets: buckets)
            observers.append(envelope!)
        } else {
            envelope = nil
        }
        let cell = cell
        snapshots = SnapshotObserver(sampleTimes: request.conductanceTimes, snapshotTimes: request.snapshotTimes, duration: request.snapshotDuration,
                                     window: request.snapshotWindow, settings: request.solverSettings, shouldStop: request.shouldStop) { t in
            [(nil, cell.currentCell().effective(at: t), cell.conductancesNow())]
        }
        observers.append(snapshots)
        engine = try RunEngine(subject: cell, observers: observers, settings: request.solverSettings, duration: duration,
                               outputInterval: request.outputInterval, cuts: request.snapshotTimes + request.conductanceTimes,
                               checkpointInterval: request.checkpointInterval, checkpointPath: request.checkpointPath,
                               fingerprint: Self.fingerprint(request), progress: request.progress, shouldStop: request.shouldStop)
        if let from = request.resumeFrom { try engine.resume(from: from) }
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
            + (r.events.contains { $0.time > 0 && $0.time < r.duration } ? "|segments-settling=\(r.segmentSettling)" : "") + r.solverSettings.fingerprintExtras + (r.traceFormat.fileExtension == "nwb" ? "|trace=nwb" : "")
    }

    func execute() throws(SimulationError) -> SimulationReport {
        let outcome = try engine.run()
        let neuron = cell.compiled
        var rtol: Double?, atol: [String: Double]?, dt: Double?
        switch request.solverSettings.method {
        case .cvodeBDF, .cvodeAdams:
            rtol = request.solverSettings.rtol
            let options = (request.solverSettings.integrator(for: neuron) as! CVODEIntegrator).options
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
        let saved = analysis.saved
        let analyzer = saved.analyzer
        var report = SimulationReport(model: request.neuron.name, features: analyzer.features, meanCalcium: analyzer.meanCalcium,
                                      window: analyzer.coveredWindow ?? window, solverName: outcome.algorithm, rtol: rtol,
                                      atol: atol, dt: dt, statistics: outcome.statistics, wallMilliseconds: outcome.wallMilliseconds,
                                      duration: request.duration, tracePath: request.tracePath)
        report.windowFeatures = saved.extraAnalyzers.map { ($0.window, $0.features, $0.meanCalcium) }
        let readouts = neuron.readouts
        report.readouts = (saved.readoutAveragers ?? []).map { a in
            (a.window, Dictionary(uniqueKeysWithValues: zip(readouts.map(\.name), a.means ?? []).map { ($0, $1) }))
        }
        report.readoutTargets = Dictionary(uniqueKeysWithValues: readouts.compactMap { r in r.readout.target.map { (r.name, $0) } })
        report.segments = zip(segments, saved.segmentAnalyzers ?? []).map { s, a in
            SegmentResult(span: s.span, began: s.began, window: a.coveredWindow ?? s.window, features: a.features, meanCalcium: a.meanCalcium)
        }
        report.clampedTime = Dictionary(uniqueKeysWithValues: zip(cell.regulatedNames, saved.clamped))
        report.zeroTimes = Dictionary(uniqueKeysWithValues: zip(cell.regulatedNames, saved.firstZero).compactMap { n, t in t.map { (n, $0) } })
        if let fold {
            report.closestApproach = (fold.saved.time[0], fold.saved.first[0])
        }
        report.conductanceSamples = snapshots.saved.samples
        report.snapshots = snapshots.saved.snapshots.map(\.snapshot)
        report.finalState = Dictionary(uniqueKeysWithValues: zip(neuron.layout.names, cell.state))
        report.resumedAt = outcome.resumedAt
        report.conductancesPath = request.conductanceInterval != nil ? request.conductancesPath : nil
        report.envelope = envelope?.envelope
        return report
    }
}
