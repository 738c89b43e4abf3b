import Foundation
import GanglionCore

/// A voltage-clamp step protocol on one cell (ideal clamp, `NeuronDescription.voltageClamp`): the cell is held at
/// the holding potential until it rests there, then stepped to each command potential in turn for `stepDuration`,
/// each step from the same held state (as if the cell were held long enough between steps to recover).
public struct VoltageClampProtocol: Sendable {
    /// The cell (its blockades folded into ḡ, any ramp replaced by the applied current at t = 0).
    public var neuron: NeuronDescription
    /// Holding potential V_h (mV).
    public var holdingPotential: Double
    /// Command potentials of the steps (mV), in order.
    public var commands: [Double]
    /// Duration of each step (ms); the steady state is read at its end, so it should be several times the slowest
    /// gate's time constant at the command (STG: H has τ_m up to 1.8 s).
    public var stepDuration: Double = 1000
    /// Time (ms) held at V_h before the steps, from the resting state at V_h (`CompiledNeuron.restingState(heldAt:)`:
    /// channels and calcium already at rest there; the hold lets the cell's mechanisms settle too).
    public var holdDuration: Double = 1000
    /// Spacing of the samples the peaks are found in (ms).
    public var sampleInterval: Double = 0.05
    /// Spacing of the trace rows kept (ms); a multiple of `sampleInterval`.
    public var traceInterval: Double = 1
    /// How the cell is integrated.
    public var solverSettings = SolverSettings()

    /// Steps from `holdingPotential` to each of `commands` (mV), with the defaults for everything else.
    public init(neuron: NeuronDescription, holdingPotential: Double, commands: [Double]) {
        self.neuron = neuron
        self.holdingPotential = holdingPotential
        self.commands = commands
    }
}

/// One step of a voltage-clamp protocol: the currents over the step and their peak and steady-state values.
/// Currents in µA/cm²: channel currents outward positive, I_clamp positive into the cell (`CompiledNeuron.clampCurrent`).
public struct ClampStep: Sendable {
    /// The command potential (mV).
    public var command: Double
    /// Times of the kept trace rows since the step's onset (ms).
    public var times: [Double] = []
    /// I_clamp at each kept row.
    public var clampCurrent: [Double] = []
    /// Each channel's current at each kept row, `[channel][row]`, in `VoltageClampResult.channels` order.
    public var currents: [[Double]]
    /// I_clamp of largest magnitude over the step (every sample, the onset included).
    public var peakClamp = 0.0
    /// I_clamp at the end of the step.
    public var steadyClamp = 0.0
    /// Each channel's current of largest magnitude over the step.
    public var peak: [Double]
    /// Each channel's current at the end of the step.
    public var steady: [Double]
    /// Each channel's conductance in effect ḡ (mS/cm²) during the step.
    public var gbar: [Double]
}

/// A channel's steady-state gating at each command potential: from its own functions, and measured from the clamp.
public struct ChannelGating: Sendable {
    /// The conductance's name (`Na`, `KCa`, …).
    public var name: String
    /// m∞(V, Ca∞(V))^p at each command (dimensionless); nil for a channel that is not of the Hodgkin–Huxley form.
    public var activation: [Double]?
    /// h∞(V) at each command; nil for a channel without an inactivation gate or not of the Hodgkin–Huxley form.
    public var inactivation: [Double]?
    /// The steady-state open fraction at (V, Ca∞(V)) (`steadyOpenFraction`; m∞^p h∞^q for Hodgkin–Huxley gates).
    public var open: [Double]
    /// Measured open fraction at steady state, I_ss/(ḡ (V − E)); nil where ḡ = 0 or V = E.
    public var measuredOpen: [Double?]
    /// Measured open fraction at the peak, I_peak/(ḡ (V − E)); nil where ḡ = 0 or V = E.
    public var measuredPeakOpen: [Double?]
}

/// What a voltage-clamp protocol recorded.
public struct VoltageClampResult: Sendable {
    /// The model's name.
    public var model: String
    /// Holding potential (mV).
    public var holdingPotential: Double
    /// The currents' names: each channel in model order, then `leak` (`CompiledNeuron.currentNames`).
    public var channels: [String]
    /// Each channel's reversal potential (mV), in `channels` order (one that follows the calcium pool: at the
    /// calcium at rest at the holding potential).
    public var reversals: [Double]
    /// The steps, in command order.
    public var steps: [ClampStep]
    /// The channels' steady-state gating (not the leak), in model order.
    public var gating: [ChannelGating]
    /// The calcium at rest at each command, Ca∞(V) (model units), with which calcium-gated m∞ are evaluated.
    public var restingCalcium: [Double]
}

/// Runs a voltage-clamp protocol (`VoltageClampProtocol`).
public func runVoltageClamp(_ p: VoltageClampProtocol) throws(SimulationError) -> VoltageClampResult {
    func fail(_ why: String) -> SimulationError { SimulationError(message: "voltage clamp: \(why)") }
    guard !p.commands.isEmpty else { throw fail("no command potentials") }
    for v in [p.holdingPotential] + p.commands where !(v.isFinite && abs(v) <= RunEngine.voltageBound) {
        throw fail("potential \(v) mV must be finite, within ±\(RunEngine.voltageBound) mV")
    }
    guard p.stepDuration.isFinite, p.stepDuration > 0 else { throw fail("the step duration must be > 0 ms") }
    guard p.holdDuration.isFinite, p.holdDuration >= 0 else { throw fail("the holding time must be ≥ 0 ms") }
    guard p.sampleInterval.isFinite, p.sampleInterval > 0, p.sampleInterval <= p.stepDuration else {
        throw fail("the sample interval must be in (0, step duration]")
    }
    let every = (p.traceInterval / p.sampleInterval).rounded()
    guard every >= 1, abs(every * p.sampleInterval - p.traceInterval) <= 1e-9 * p.traceInterval else {
        throw fail("the trace interval (\(p.traceInterval) ms) must be a multiple of the sample interval (\(p.sampleInterval) ms)")
    }
    guard p.stepDuration / p.sampleInterval <= 1e7 else { throw fail("more than 10⁷ samples per step") }
    var base = p.neuron.effective()
    base.voltageClamp = p.holdingPotential

    // Held at V_h: from the resting state there, for the holding time.
    let held = try compile(base)
    var y = held.restingState(heldAt: p.holdingPotential)
    if p.holdDuration > 0 {
        y = try integrateSegment(held, from: y, start: 0, end: p.holdDuration, interval: p.holdDuration, settings: p.solverSettings) { _, _ in }
    }
    let names = held.currentNames
    let holdingCalcium = held.steadyCalcium(V: p.holdingPotential)
    let reversals = base.conductances.map { $0.reversal(calcium: holdingCalcium) } + [base.leakReversal]
    let k = names.count
    var steps: [ClampStep] = []
    let buffer = UnsafeMutablePointer<Double>.allocate(capacity: k)
    defer { buffer.deallocate() }
    for command in p.commands {
        var n = base
        n.voltageClamp = command
        let cell = try compile(n)
        var start = y
        start[CompiledNeuron.voltageIndex] = command
        var step = ClampStep(command: command, currents: Array(repeating: [], count: k), peak: Array(repeating: 0, count: k),
                             steady: Array(repeating: 0, count: k), gbar: Array(repeating: 0, count: k))
        start.withUnsafeBufferPointer { cell.effectiveConductances($0.baseAddress!, into: buffer) }
        step.gbar = Array(UnsafeBufferPointer(start: buffer, count: k))
        var index = 0
        let keep = Int(every)
        _ = try integrateSegment(cell, from: start, start: 0, end: p.stepDuration, interval: p.sampleInterval,
                                 settings: p.solverSettings) { t, state in
            let s = state.baseAddress!
            cell.currents(s, into: buffer)
            let clamp = cell.clampCurrent(t, s)
            if abs(clamp) > abs(step.peakClamp) { step.peakClamp = clamp }
            for c in 0..<k where abs(buffer[c]) > abs(step.peak[c]) { step.peak[c] = buffer[c] }
            step.steadyClamp = clamp
            for c in 0..<k { step.steady[c] = buffer[c] }
            if index % keep == 0 {
                step.times.append(t)
                step.clampCurrent.append(clamp)
                for c in 0..<k { step.currents[c].append(buffer[c]) }
            }
            index += 1
        }
        steps.append(step)
    }

    // Steady-state gating from the channels' own functions, at the calcium at rest at each command.
    let restingCalcium = p.commands.map { held.steadyCalcium(V: $0) }
    var gating: [ChannelGating] = []
    for (c, g) in base.conductances.enumerated() {
        let channel = g.channel
        let hodgkinHuxley = channel.tabulatesRates
        let q = channel.inactivationExponent
        func measured(_ value: (ClampStep) -> Double) -> [Double?] {
            steps.enumerated().map { i, s in
                let drive = s.command - g.reversal(calcium: restingCalcium[i])
                return s.gbar[c] > 0 && drive != 0 ? value(s) / (s.gbar[c] * drive) : nil
            }
        }
        gating.append(ChannelGating(
            name: g.name,
            activation: hodgkinHuxley ? zip(p.commands, restingCalcium).map { repeatedProduct(channel.mInf($0, calcium: $1), channel.activationExponent) } : nil,
            inactivation: hodgkinHuxley && q > 0 ? p.commands.map { channel.hInf($0) } : nil,
            open: zip(p.commands, restingCalcium).map { channel.steadyOpenFraction($0, calcium: $1, context: g.context) },
            measuredOpen: measured { $0.steady[c] },
            measuredPeakOpen: measured { $0.peak[c] }))
    }
    return VoltageClampResult(model: base.name, holdingPotential: p.holdingPotential, channels: names, reversals: reversals,
                              steps: steps, gating: gating, restingCalcium: restingCalcium)
}

/// x^p for a whole p ≥ 0, by repeated multiplication.
func repeatedProduct(_ x: Double, _ p: Int) -> Double {
    var r = 1.0
    for _ in 0..<max(p, 0) { r *= x }
    return r
}
