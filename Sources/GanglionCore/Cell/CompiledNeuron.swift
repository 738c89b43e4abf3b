/// A neuron compiled to a flat state vector and an allocation-free right-hand side:
///
///     C dV/dt   = −Σ ḡ_i open_i (V − E_i) − g_leak (V − E_leak) + I_app
///     τ_Ca dCa/dt = −f Σ_{i ∈ Ca} I_i − Ca + Ca_rest
///     channel states as each channel states them (HH: dx/dt = (x∞(V, Ca) − x)/(k τ_x(V)))
///
/// State layout: `V`, `Ca`, then the states of channels with coupled states (kinetic schemes), then every
/// other channel's states; each named `<channel>.<state>` (`Na.m`, `ERG.o`). The first `coreCount`
/// states form the dense block of the Jacobian; each remaining state couples only to itself and the core.
public final class CompiledNeuron: ConditionallyLinearSystem {
    @usableFromInline struct Slot: Sendable {
        let channel: any IonChannel.Type
        let gbar: Double
        let reversal: Double
        let context: ChannelContext
        let offset: Int          // index of the first state in the state vector
        let stateCount: Int
        let carriesCalcium: Bool
        let coupled: Bool
    }

    public let neuron: NeuronDescription
    public let layout: StateLayout
    public let coreCount: Int
    @usableFromInline let slots: [Slot]
    @usableFromInline let gLeak: Double, eLeak: Double, capacitance: Double
    @usableFromInline let calcium: CalciumPool
    /// Applied current I_app (µA/cm²).
    public let appliedCurrent: Double
    /// Largest number of states of one channel (scratch size).
    let maxStates: Int

    /// Index of V and Ca in the state vector.
    public static let voltageIndex = 0, calciumIndex = 1

    public init(_ d: NeuronDescription) throws(ModelError) {
        try d.validate()
        neuron = d
        var names = ["V", "Ca"]
        var slots: [Slot?] = Array(repeating: nil, count: d.conductances.count)
        var core = 2
        // Coupled channels first (they join the core block), then the others, each in model order.
        for coupledPass in [true, false] {
            for (i, g) in d.conductances.enumerated() where g.channel.coupledStates == coupledPass {
                let n = g.channel.stateCount
                slots[i] = Slot(channel: g.channel, gbar: g.gbar, reversal: g.reversal, context: g.context,
                                offset: names.count, stateCount: n, carriesCalcium: g.channel.ion == .calcium,
                                coupled: coupledPass)
                names += g.channel.stateNames.map { "\(g.name).\($0)" }
            }
            if coupledPass { core = names.count }
        }
        self.slots = slots.map { $0! }
        coreCount = core
        layout = StateLayout(names: names)
        gLeak = d.leakConductance
        eLeak = d.leakReversal
        capacitance = d.capacitance
        calcium = d.calcium
        appliedCurrent = d.appliedCurrent
        maxStates = max(2, d.conductances.map { $0.channel.stateCount }.max() ?? 0)
    }

    /// Number of states.
    public var dimension: Int { layout.count }

    /// The initial state: V₀, Ca₀ and every channel's initial states (HH gates at x∞(V₀, Ca₀)).
    public func initialState() -> [Double] {
        var y = Array(repeating: 0.0, count: dimension)
        y[0] = neuron.initialVoltage
        y[1] = neuron.initialCalcium
        y.withUnsafeMutableBufferPointer { yp in
            for s in slots {
                s.channel.initialStates(V: yp[0], calcium: yp[1], context: s.context, into: yp.baseAddress! + s.offset)
            }
        }
        return y
    }

    public func rightHandSide(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>) {
        let V = y[0], Ca = y[1]
        var gTotal = gLeak, gE = gLeak * eLeak, iCa = 0.0
        for s in slots {
            let g = s.gbar * s.channel.stateDerivatives(V: V, calcium: Ca, states: y + s.offset,
                                                       context: s.context, into: dy + s.offset)
            gTotal += g
            gE += g * s.reversal
            if s.carriesCalcium { iCa += g * (V - s.reversal) }
        }
        dy[0] = (gE - gTotal * V + appliedCurrent) / capacitance
        dy[1] = (-calcium.influx * iCa - Ca + calcium.rest) / calcium.tau
    }

    public func jacobian(_ t: Double, _ y: UnsafePointer<Double>, into J: inout ArrowJacobian) {
        let V = y[0], Ca = y[1]
        let k = coreCount, n = dimension - coreCount
        for i in 0..<(k * k) { J.A[i] = 0 }
        var dIdV = gLeak, dCadV = 0.0
        let m = maxStates
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * m + 1 + m * m) { tmp in
            let dOpen = tmp.baseAddress!, dV = dOpen + m + 1, dCa = dV + m, dLocal = dCa + m
            for s in slots {
                let open = s.channel.openFraction(V: V, states: y + s.offset, context: s.context, dOpen: dOpen)
                s.channel.stateJacobian(V: V, calcium: Ca, states: y + s.offset, context: s.context,
                                        dV: dV, dCa: dCa, dLocal: dLocal)
                let drive = V - s.reversal
                // ∂I/∂V = ḡ (open + ∂open/∂V · (V − E))
                let dI = s.gbar * (open + dOpen[s.stateCount] * drive)
                dIdV += dI
                if s.carriesCalcium { dCadV += dI }
                for a in 0..<s.stateCount {
                    let i = s.offset + a
                    let dIdx = s.gbar * dOpen[a] * drive
                    let vRow = -dIdx / capacitance
                    let caRow = s.carriesCalcium ? -calcium.influx * dIdx / calcium.tau : 0
                    if s.coupled {
                        J.A[0 * k + i] = vRow
                        J.A[1 * k + i] = caRow
                        J.A[i * k + 0] = dV[a]
                        J.A[i * k + 1] = dCa[a]
                        for b in 0..<s.stateCount { J.A[i * k + s.offset + b] = dLocal[a * s.stateCount + b] }
                    } else {
                        let g = i - k
                        J.B[0 * n + g] = vRow
                        J.B[1 * n + g] = caRow
                        for c in 2..<max(2, k) { J.B[c * n + g] = 0 }
                        J.C[g * k + 0] = dV[a]
                        J.C[g * k + 1] = dCa[a]
                        for c in 2..<max(2, k) { J.C[g * k + c] = 0 }
                        J.D[g] = dLocal[a * s.stateCount + a]
                    }
                }
            }
        }
        J.A[0] = -dIdV / capacitance
        J.A[1] = 0
        J.A[k] = -calcium.influx * dCadV / calcium.tau
        J.A[k + 1] = -1 / calcium.tau
    }

    /// Stage 0: every channel state; stage 1: V and Ca.
    public var linearStages: [Range<Int>] { [2..<dimension, 0..<2] }

    public func linearForm(stage: Int, _ t: Double, _ y: UnsafePointer<Double>,
                           steadyState: UnsafeMutablePointer<Double>, timeConstant: UnsafeMutablePointer<Double>) {
        let V = y[0], Ca = y[1]
        if stage == 0 {
            for s in slots {
                s.channel.linearForm(V: V, calcium: Ca, states: y + s.offset, context: s.context,
                                     inf: steadyState + s.offset, tau: timeConstant + s.offset)
            }
            return
        }
        var gTotal = gLeak, gE = gLeak * eLeak, iCa = 0.0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStates + 1) { dOpen in
            for s in slots {
                let g = s.gbar * s.channel.openFraction(V: V, states: y + s.offset, context: s.context,
                                                        dOpen: dOpen.baseAddress!)
                gTotal += g
                gE += g * s.reversal
                if s.carriesCalcium { iCa += g * (V - s.reversal) }
            }
        }
        // V relaxes to the conductance-weighted reversal with τ_V = C / g_total.
        steadyState[0] = (gE + appliedCurrent) / gTotal
        timeConstant[0] = capacitance / gTotal
        steadyState[1] = calcium.rest - calcium.influx * iCa
        timeConstant[1] = calcium.tau
    }

    public var defaultAbsoluteTolerances: [Double] {
        (0..<dimension).map { $0 == 0 ? 1e-3 : ($0 == 1 ? 1e-4 : 1e-6) }
    }

    /// Names of the ionic currents `currents(_:into:)` reports, in order: one per channel, then leak.
    public var currentNames: [String] { slots.map { $0.channel.name } + ["leak"] }

    /// Writes each ionic current (µA/cm², outward positive) at state `y`, in model order, then leak.
    public func currents(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let V = y[0]
        withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStates + 1) { dOpen in
            for (i, s) in slots.enumerated() {
                out[i] = s.gbar * s.channel.openFraction(V: V, states: y + s.offset, context: s.context,
                                                         dOpen: dOpen.baseAddress!) * (V - s.reversal)
            }
        }
        out[slots.count] = gLeak * (V - eLeak)
    }
}
