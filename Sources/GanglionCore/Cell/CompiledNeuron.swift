/// A neuron compiled to a flat state vector `[V, Ca, gates…]` and an allocation-free right-hand side:
///
///     C dV/dt   = −Σ ḡ_i m_i^p h_i^q (V − E_i) − g_leak (V − E_leak) + I_app
///     τ_Ca dCa/dt = −f Σ_{i ∈ Ca} I_i − Ca + Ca_rest
///     dx/dt     = (x∞(V, Ca) − x) / (k_i τ_x(V))
public final class CompiledNeuron: ConditionallyLinearSystem {
    @usableFromInline struct Slot: Sendable {
        let channel: any IonChannel.Type
        let gbar: Double
        let reversal: Double
        let tauScale: Double
        let offset: Int          // index of the first gate in the state vector
        let gateCount: Int
        let carriesCalcium: Bool
    }

    public let neuron: NeuronDescription
    public let layout: StateLayout
    public let coreCount = 2
    @usableFromInline let slots: [Slot]
    @usableFromInline let gLeak: Double, eLeak: Double, capacitance: Double
    @usableFromInline let calcium: CalciumPool
    /// Applied current I_app (µA/cm²).
    public let appliedCurrent: Double

    /// Index of V and Ca in the state vector.
    public static let voltageIndex = 0, calciumIndex = 1

    public init(_ d: NeuronDescription) throws(ModelError) {
        try d.validate()
        neuron = d
        var names = ["V", "Ca"]
        var slots: [Slot] = []
        for g in d.conductances {
            let n = g.channel.gateCount
            slots.append(Slot(channel: g.channel, gbar: g.gbar, reversal: g.reversal, tauScale: g.tauScale,
                              offset: names.count, gateCount: n, carriesCalcium: g.channel.ion == .calcium))
            names.append("\(g.name).m")
            if n > 1 { names.append("\(g.name).h") }
        }
        self.slots = slots
        layout = StateLayout(names: names)
        gLeak = d.leakConductance
        eLeak = d.leakReversal
        capacitance = d.capacitance
        calcium = d.calcium
        appliedCurrent = d.appliedCurrent
    }

    /// Number of states.
    public var dimension: Int { layout.count }

    /// The initial state: V₀, Ca₀ and every gate at its steady state x∞(V₀, Ca₀).
    public func initialState() -> [Double] {
        var y = Array(repeating: 0.0, count: dimension)
        y[0] = neuron.initialVoltage
        y[1] = neuron.initialCalcium
        var tau = Array(repeating: 0.0, count: dimension)
        y.withUnsafeMutableBufferPointer { yp in
            tau.withUnsafeMutableBufferPointer { tp in
                for s in slots {
                    s.channel.gateSteadyStates(V: yp[0], calcium: yp[1], tauScale: s.tauScale,
                                               inf: yp.baseAddress! + s.offset, tau: tp.baseAddress! + s.offset)
                }
            }
        }
        return y
    }

    public func rightHandSide(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>) {
        let V = y[0], Ca = y[1]
        var gTotal = gLeak, gE = gLeak * eLeak, iCa = 0.0
        for s in slots {
            let g = s.gbar * s.channel.gateDerivatives(V: V, calcium: Ca, gates: y + s.offset,
                                                      tauScale: s.tauScale, into: dy + s.offset)
            gTotal += g
            gE += g * s.reversal
            if s.carriesCalcium { iCa += g * (V - s.reversal) }
        }
        dy[0] = (gE - gTotal * V + appliedCurrent) / capacitance
        dy[1] = (-calcium.influx * iCa - Ca + calcium.rest) / calcium.tau
    }

    public func jacobian(_ t: Double, _ y: UnsafePointer<Double>, into J: inout ArrowJacobian) {
        let V = y[0], Ca = y[1]
        let n = dimension - 2
        var gTotal = gLeak, gCa = 0.0
        J.A[1 * 2 + 0] = 0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 8) { tmp in
            let dOpen = tmp.baseAddress!, dV = dOpen + 2, dCa = dOpen + 4, dSelf = dOpen + 6
            for s in slots {
                let open = s.channel.openFraction(gates: y + s.offset, dOpen: dOpen)
                s.channel.gateJacobian(V: V, calcium: Ca, gates: y + s.offset, tauScale: s.tauScale,
                                       dV: dV, dCa: dCa, dSelf: dSelf)
                let g = s.gbar * open
                gTotal += g
                if s.carriesCalcium { gCa += g }
                for k in 0..<s.gateCount {
                    let i = s.offset - 2 + k
                    let dI = s.gbar * dOpen[k] * (V - s.reversal)      // ∂I/∂x
                    J.B[0 * n + i] = -dI / capacitance
                    J.B[1 * n + i] = s.carriesCalcium ? -calcium.influx * dI / calcium.tau : 0
                    J.C[i * 2 + 0] = dV[k]
                    J.C[i * 2 + 1] = dCa[k]
                    J.D[i] = dSelf[k]
                }
            }
        }
        J.A[0] = -gTotal / capacitance
        J.A[1] = 0
        J.A[2] = -calcium.influx * gCa / calcium.tau
        J.A[3] = -1 / calcium.tau
    }

    /// Stage 0: the gates; stage 1: V and Ca.
    public var linearStages: [Range<Int>] { [2..<dimension, 0..<2] }

    public func linearForm(stage: Int, _ t: Double, _ y: UnsafePointer<Double>,
                           steadyState: UnsafeMutablePointer<Double>, timeConstant: UnsafeMutablePointer<Double>) {
        let V = y[0], Ca = y[1]
        if stage == 0 {
            for s in slots {
                s.channel.gateSteadyStates(V: V, calcium: Ca, tauScale: s.tauScale,
                                           inf: steadyState + s.offset, tau: timeConstant + s.offset)
            }
            return
        }
        var gTotal = gLeak, gE = gLeak * eLeak, iCa = 0.0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2) { dOpen in
            for s in slots {
                let g = s.gbar * s.channel.openFraction(gates: y + s.offset, dOpen: dOpen.baseAddress!)
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

    /// Writes each ionic current (µA/cm², outward positive) at state `y`.
    public func currents(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let V = y[0]
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2) { dOpen in
            for (i, s) in slots.enumerated() {
                out[i] = s.gbar * s.channel.openFraction(gates: y + s.offset, dOpen: dOpen.baseAddress!) * (V - s.reversal)
            }
        }
        out[slots.count] = gLeak * (V - eLeak)
    }
}
