import GanglionCore

/// An f–I protocol: the applied current stepped up through `currents` and back down, each step continuing from
/// the state the previous one ended in (no reset), so that hysteresis (bistability) shows as two branches.
public struct FICurveProtocol: Sendable {
    /// The cell (any ramp replaced by its applied current at t = 0; the steps set I_app).
    public var neuron: NeuronDescription
    /// The currents of the up branch (µA/cm²), in order; the down branch goes back through them from the last
    /// but one to the first.
    public var currents: [Double]
    /// Duration of each step (ms).
    public var stepDuration: Double = 5000
    /// Transient at the start of each step left out of its analysis (ms); the window is [transient, end].
    public var transient: Double = 1000
    /// Output sample spacing (ms) the spikes are detected in.
    public var sampleInterval: Double = SimulationRequest.defaultOutputInterval
    /// How the cell is integrated.
    public var solverSettings = SolverSettings()

    /// Steps through `currents` (µA/cm²) up and back down, with the defaults for everything else.
    public init(neuron: NeuronDescription, currents: [Double]) {
        self.neuron = neuron
        self.currents = currents
    }
}

/// Which way the applied current was going.
public enum FIDirection: String, Sendable {
    case up, down
}

/// One step of an f–I protocol and what its window showed.
public struct FIPoint: Sendable {
    /// The applied current (µA/cm²).
    public var current: Double
    /// The branch.
    public var direction: FIDirection
    /// The analysis window (ms since the start of the protocol).
    public var window: ClosedRange<Double>
    /// Spikes in the window per second of the window (Hz).
    public var rate: Double
    /// The firing features of the window (pattern, frequency from the mean ISI, bursts; `FiringFeatures`).
    public var features: FiringFeatures
}

/// What an f–I protocol gave.
public struct FICurveResult: Sendable {
    /// The model's name.
    public var model: String
    /// The up branch then the down branch, in the order run.
    public var points: [FIPoint]
}

/// Runs an f–I protocol (`FICurveProtocol`): step k of the run spans [k D, (k + 1) D] ms with D the step duration.
public func runFICurve(_ p: FICurveProtocol) throws(SimulationError) -> FICurveResult {
    func fail(_ why: String) -> SimulationError { SimulationError(message: "f–I: \(why)") }
    guard !p.currents.isEmpty else { throw fail("no currents") }
    guard p.currents.allSatisfy(\.isFinite) else { throw fail("every current must be finite") }
    guard p.stepDuration.isFinite, p.stepDuration > 0 else { throw fail("the step duration must be > 0 ms") }
    guard p.transient.isFinite, p.transient >= 0, p.transient < p.stepDuration else {
        throw fail("the transient (\(p.transient) ms) must be ≥ 0 and shorter than a step (\(p.stepDuration) ms)")
    }
    guard p.sampleInterval.isFinite, p.sampleInterval > 0, p.sampleInterval <= p.stepDuration - p.transient else {
        throw fail("the sample interval must be in (0, step duration − transient]")
    }
    var base = p.neuron.effective()
    base.voltageClamp = nil
    let schedule = p.currents.map { ($0, FIDirection.up) } + p.currents.dropLast().reversed().map { ($0, FIDirection.down) }
    var y = try compile(base).initialState()
    var points: [FIPoint] = []
    for (k, (current, direction)) in schedule.enumerated() {
        var n = base
        n.appliedCurrent = current
        let cell = try compile(n)
        let start = Double(k) * p.stepDuration, end = start + p.stepDuration
        var analyzer = WindowAnalyzer(window: (start + p.transient)...end)
        y = try integrateSegment(cell, from: y, start: start, end: end, interval: p.sampleInterval, settings: p.solverSettings) { t, s in
            analyzer.observe(t: t, V: s[0], Ca: s[1])
        }
        let features = analyzer.features
        points.append(FIPoint(current: current, direction: direction, window: analyzer.window,
                              rate: Double(features.spikeTimes.count) / ((end - start - p.transient) / 1000), features: features))
    }
    return FICurveResult(model: base.name, points: points)
}
