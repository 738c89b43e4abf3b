import Foundation

/// Extra quantities written to the trace besides V and Ca.
public enum RecordItem: Sendable, Equatable {
    /// Every gate (`Na.m`, `Na.h`, …).
    case gates
    /// Every ionic current (`I_Na_uA_cm2`, …, outward positive).
    case currents
    /// One state by its layout name, or one current as `I_<channel>`.
    case named(String)

    /// Parses a comma-separated list (`gates,currents,CaS.m,I_KCa`).
    public static func parseList(_ text: String) -> [RecordItem] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
            switch $0 {
            case "gates": .gates
            case "currents": .currents
            default: .named($0)
            }
        }
    }
}

/// A single-neuron simulation: what to integrate, how, and what to write.
public struct SimulationRequest: Sendable {
    public var neuron: NeuronDescription
    /// Duration (ms).
    public var duration: Double
    /// Output sample spacing (ms).
    public var outputInterval: Double = 0.1
    public var solver: SolverChoice = .cvodeBDF
    public var rtol: Double = 1e-6
    /// V's absolute tolerance (mV); see `SolverChoice.integrator`.
    public var atol: Double?
    /// Fixed step (ms) for exp-euler and rk4.
    public var dt: Double?
    public var maxStep: Double?
    public var linearSolver: CVODEOptions.LinearSolver = .structured
    /// Analysis window (ms); `nil`: 3000 ms to the end (the paper's), or the whole run if shorter.
    public var window: ClosedRange<Double>?
    /// Trace file to write (CSV); `nil`: none.
    public var tracePath: String?
    public var record: [RecordItem] = []
    /// Called with the simulated time (ms) now and then, for progress reports.
    public var progress: (@Sendable (Double) -> Void)?
    /// Polled at every output sample; returning true stops the run, keeping what was computed.
    public var shouldStop: (@Sendable () -> Bool)?
    /// Protocol events (blockades, current steps, conductance changes) at exact times, in time order.
    public var events: [ProtocolEvent] = []
    /// More analysis windows (ms), each reported in `SimulationReport.windowFeatures`.
    public var extraWindows: [ClosedRange<Double>] = []
    /// Write only the trace rows inside this window (ms); nil: the whole run.
    public var traceWindow: ClosedRange<Double>?

    public init(neuron: NeuronDescription, duration: Double) {
        self.neuron = neuron
        self.duration = duration
    }
}

/// What a simulation produced.
public struct SimulationReport: Sendable {
    public var model: String
    public var features: FiringFeatures
    public var meanCalcium: Double?
    /// Analysis window actually covered (ms).
    public var window: ClosedRange<Double>
    public var solverName: String
    public var rtol: Double?
    public var atol: [String: Double]?
    public var dt: Double?
    public var statistics: SolverStatistics
    /// Wall-clock time of the integration, trace writing included (ms).
    public var wallMilliseconds: Double
    public var duration: Double
    public var tracePath: String?
    /// Per homeostatically regulated conductance, the time (ms) its ḡ spent clamped at zero.
    public var clampedTime: [String: Double] = [:]
    /// Features of each of `SimulationRequest.extraWindows`, in order.
    public var windowFeatures: [(window: ClosedRange<Double>, features: FiringFeatures, meanCalcium: Double?)] = []
}

/// A simulation that failed; what was computed before the failure was kept (`partialTracePath`).
public struct SimulationError: Error, CustomStringConvertible {
    public var message: String
    public var partialTracePath: String?
    public var solverError: SolverError?
    public var description: String {
        var s = message
        if let p = partialTracePath { s += "\nthe trace computed so far was kept in \(p)" }
        return s
    }
}

/// The run was stopped on request (e.g. Ctrl-C).
public struct Interrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted" }
}

/// Runs a single-neuron simulation, streaming samples to the analysis and (optionally) a CSV trace.
public func simulate(_ request: SimulationRequest) throws(SimulationError) -> SimulationReport {
    let neuron: CompiledNeuron
    do { neuron = try CompiledNeuron(request.neuron) } catch {
        throw SimulationError(message: "model '\(request.neuron.name)': \(error)")
    }
    guard request.duration.isFinite, request.duration > 0 else {
        throw SimulationError(message: "duration = \(request.duration) ms: must be finite and > 0")
    }
    guard request.outputInterval.isFinite, request.outputInterval > 0 else {
        throw SimulationError(message: "dt-out = \(request.outputInterval) ms: must be finite and > 0")
    }
    do { try ProtocolState.validate(request.events, for: request.neuron, duration: request.duration) } catch {
        throw SimulationError(message: "protocol: \(error)")
    }
    // The run is split at the event times into segments sharing one output grid.
    var protocolState = ProtocolState(request.neuron)
    var pending = request.events[...]
    while let e = pending.first, e.time == 0 { protocolState.apply(e); pending = pending.dropFirst() }
    let boundaries = Array(Set(pending.map(\.time)).filter { $0 < request.duration }).sorted() + [request.duration]
    let window: ClosedRange<Double>
    if let w = request.window {
        guard w.lowerBound >= 0, w.upperBound <= request.duration + 1e-9, w.upperBound > w.lowerBound else {
            throw SimulationError(message: "window \(w.lowerBound):\(w.upperBound) ms must lie inside the run 0:\(request.duration) ms")
        }
        window = w
    } else {
        window = (request.duration > 3000 ? 3000 : 0)...request.duration
    }

    // Columns: V, Ca, then the recorded extras.
    let names = neuron.layout.names
    let currentNames = neuron.currentNames
    var stateColumns: [Int] = [0, 1]
    var currentColumns: [Int] = []
    var header = ["t_ms", "V_mV", "Ca"]
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
                throw SimulationError(message: "--record: unknown quantity '\(n)' (known: gates, currents, "
                                      + (names.dropFirst(2) + currentNames.map { "I_\($0)" }).joined(separator: ", ") + ")")
            }
        }
    }
    header += stateColumns.dropFirst(2).map { names[$0] }
    header += currentColumns.map { "I_\(currentNames[$0])_uA_cm2" }

    let writer: CSVTraceWriter?
    if let path = request.tracePath {
        do { writer = try CSVTraceWriter(path: path, columns: header) } catch {
            throw SimulationError(message: "\(error)")
        }
    } else { writer = nil }

    let integrator = request.solver.integrator(for: neuron, rtol: request.rtol, atol: request.atol, dt: request.dt,
                                               maxStep: request.maxStep, linearSolver: request.linearSolver)
    var system = neuron
    if !request.events.isEmpty {
        do { system = try CompiledNeuron(protocolState.neuron) } catch {
            throw SimulationError(message: "model '\(request.neuron.name)' after the events at 0 ms: \(error)")
        }
    }
    var analyzer = WindowAnalyzer(window: window)
    for w in request.extraWindows where !(w.lowerBound >= 0 && w.upperBound <= request.duration + 1e-9 && w.upperBound > w.lowerBound) {
        throw SimulationError(message: "window \(w.lowerBound):\(w.upperBound) ms must lie inside the run 0:\(request.duration) ms")
    }
    var extraAnalyzers = request.extraWindows.map { WindowAnalyzer(window: $0) }
    let traceWindow = request.traceWindow ?? (-Double.infinity...Double.infinity)
    let regulatedNames = (request.neuron.homeostasis?.timeConstants.keys).map { $0.sorted() } ?? []
    let regulatedIndex = regulatedNames.map { system.layout.index(of: "homeostasis.\($0).gbar")! }
    var clamped = Array(repeating: 0.0, count: regulatedNames.count)
    var wasClamped = Array(repeating: false, count: regulatedNames.count)
    var lastSample = 0.0
    let row = UnsafeMutableBufferPointer<Double>.allocate(capacity: header.count)
    let currents = UnsafeMutablePointer<Double>.allocate(capacity: currentNames.count)
    defer { row.deallocate(); currents.deallocate() }
    var nextProgress = 0.0
    let progressStep = max(request.duration / 100, 1000)
    let start = DispatchTime.now().uptimeNanoseconds
    var statistics = SolverStatistics()
    var algorithm = integrator.name
    var state = system.initialState()
    var segmentStart = 0.0
    do {
      for boundary in boundaries {
        let problem = try ODEProblem(system: system, initialState: state, startTime: segmentStart, endTime: boundary,
                                     outputInterval: request.outputInterval, outputOrigin: 0)
        let solution = try integrator.solve(problem) { t, y in
            if let stop = request.shouldStop, stop() { throw Interrupted() }
            analyzer.observe(t: t, V: y[0], Ca: y[1])
            for i in extraAnalyzers.indices { extraAnalyzers[i].observe(t: t, V: y[0], Ca: y[1]) }
            for (k, i) in regulatedIndex.enumerated() {
                let now = y[i] <= 0
                if now, wasClamped[k] { clamped[k] += t - lastSample }
                wasClamped[k] = now
            }
            lastSample = t
            if let writer, traceWindow.contains(t) {
                var c = 0
                // Homeostatic ḡ states are written as the conductance in effect, max(ḡ, 0).
                for i in stateColumns { row[c] = regulatedIndex.contains(i) ? max(y[i], 0) : y[i]; c += 1 }
                if !currentColumns.isEmpty {
                    system.currents(y.baseAddress!, into: currents)
                    for i in currentColumns { row[c] = currents[i]; c += 1 }
                }
                try writer.write(time: t, values: UnsafeBufferPointer(rebasing: row[0..<c]))
            }
            if let progress = request.progress, t >= nextProgress {
                progress(t)
                nextProgress = t + progressStep
            }
        }
        statistics += solution.statistics
        algorithm = solution.algorithm
        state = solution.finalState
        segmentStart = boundary
        // Apply the events at this boundary; the next segment starts from the same state.
        var changed = false
        while let e = pending.first, e.time == boundary { protocolState.apply(e); pending = pending.dropFirst(); changed = true }
        if changed { system = try CompiledNeuron(protocolState.neuron) }
      }
        try writer?.commit()
    } catch var e as SolverError {
        e.statistics += statistics
        let kept = try? writer?.keepPartial()
        throw SimulationError(message: e.description, partialTracePath: kept ?? nil, solverError: e)
    } catch {
        _ = try? writer?.keepPartial()
        throw SimulationError(message: "\(error)")
    }
    let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6

    var rtol: Double?, atol: [String: Double]?, dt: Double?
    switch request.solver {
    case .cvodeBDF, .cvodeAdams:
        rtol = request.rtol
        let options = (integrator as! CVODEIntegrator).options
        let a = options.absoluteTolerances(for: neuron)
        atol = ["V": a[0], "Ca": a[1], "gates": a.count > 2 ? a[2] : a[1]]
    case .expEuler, .rk4:
        dt = request.dt ?? request.solver.defaultStep
    }
    var report = SimulationReport(model: request.neuron.name, features: analyzer.features, meanCalcium: analyzer.meanCalcium,
                                  window: analyzer.coveredWindow ?? window, solverName: algorithm, rtol: rtol,
                                  atol: atol, dt: dt, statistics: statistics, wallMilliseconds: wall,
                                  duration: request.duration, tracePath: request.tracePath)
    report.windowFeatures = extraAnalyzers.map { ($0.window, $0.features, $0.meanCalcium) }
    report.clampedTime = Dictionary(uniqueKeysWithValues: zip(regulatedNames, clamped))
    return report
}
