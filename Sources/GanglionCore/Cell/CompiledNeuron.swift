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
        let channel: ChannelHandle
        let gbar: Double
        let reversal: Double
        /// The Nernst law E(Ca) when E follows the calcium pool (then `reversal` is unused).
        let nernst: NernstReversal?
        let context: ChannelContext
        let offset: Int          // index of the first state in the state vector
        let stateCount: Int
        let carriesCalcium: Bool
        let coupled: Bool
        /// Index of the homeostatic ḡ state, or −1 when ḡ is a constant.
        let gbarState: Int
        /// Block fraction applied to a homeostatic ḡ state (constants have it folded into `gbar`).
        let scale: Double
        /// Hodgkin–Huxley gates (`IonChannel.tabulatesRates`): open = m^p h^q, rates tabulatable.
        let hodgkinHuxley: Bool
        /// Exponents p and q of a Hodgkin–Huxley channel.
        let p: Int, q: Int
        /// Whether m∞ depends on Ca (then the table holds its voltage factor a(V) if it factors, else nothing).
        let calciumGated: Bool
        /// Whether a calcium-gated m∞ factors as a(V) · b(Ca) (`IonChannel.activationCalciumFactor`).
        let calciumFactorized: Bool

        /// E (mV) at calcium `Ca`.
        @inline(__always) func reversal(calcium Ca: Double) -> Double {
            if let nernst { return nernst.potential(calcium: Ca) }
            return reversal
        }
    }

    /// The description it was compiled from.
    public let neuron: NeuronDescription
    /// Names of the state entries, in state-vector order.
    public let layout: StateLayout
    /// Number of states in the dense core of the Jacobian: V, Ca, coupled channel states and the
    /// mechanisms' core states.
    public let coreCount: Int
    @usableFromInline let slots: [Slot]
    /// The boxes `slots` refer to (`ChannelHandle`), one per conductance.
    let channelBoxes: [ChannelBox]
    @usableFromInline let gLeak: Double, eLeak: Double, capacitance: Double
    @usableFromInline let calcium: CalciumPool
    /// Applied current I_app (µA/cm²), when there is no ramp.
    public let appliedCurrent: Double
    @usableFromInline let ramp: CurrentRamp?
    @usableFromInline let leakScale: Double
    /// Whether an ideal voltage clamp holds V (`NeuronDescription.voltageClamp`): dV/dt = 0, the Jacobian's V
    /// row zero, the exponential integrator leaves V at the command.
    public let isClamped: Bool
    /// The clamp's command potential (mV); NaN when `isClamped` is false.
    @usableFromInline let commandVoltage: Double
    /// Largest number of states of one channel (scratch size).
    let maxStates: Int
    /// Index of the leak's homeostatic ḡ state, or −1.
    @usableFromInline let leakState: Int
    /// A mechanism (`CellMechanism`) and where its core and diagonal states start in the state vector.
    @usableFromInline struct MechanismSlot: Sendable {
        let mechanism: any CellMechanism
        let coreOffset: Int, coreCount: Int
        let diagonalOffset: Int, count: Int
        let readsCalciumCurrent: Bool
        /// Whether it reads the conductances in effect (`CellMechanism.readsConductances`).
        let readsConductances: Bool
        /// Number of readouts (`CellMechanism.readouts`).
        let readoutCount: Int

        /// The mechanism's values in a state-sized buffer.
        @inline(__always) func view(_ base: UnsafePointer<Double>) -> MechanismStates {
            let b = UnsafeMutablePointer(mutating: base)
            return MechanismStates(core: b + coreOffset, coreCount: coreCount, diagonal: b + diagonalOffset)
        }
        /// The global index of the mechanism's i-th state.
        @inline(__always) func index(_ i: Int) -> Int { i < coreCount ? coreOffset + i : diagonalOffset + i - coreCount }
    }
    /// The cell's mechanisms (homeostasis, the neuromodulation controller, then `NeuronDescription.mechanisms`),
    /// in state order.
    @usableFromInline let mechanismSlots: [MechanismSlot]
    /// The neuromodulation controller among `mechanismSlots`, if the cell has one (for its reference).
    let controller: NeuromodulationController?
    /// Whether a mechanism reads the calcium current.
    let mechanismsReadCalciumCurrent: Bool
    /// Where the conductances in effect come from (`CellSignals.conductances`).
    let conductanceSources: ConductanceSources
    /// How the exponential integrator steps the mechanisms' states.
    let mechanismSteps: MechanismSteps
    /// Whether every stage-0 state is a Hodgkin–Huxley gate (no kinetic scheme or mechanism).
    let everyStageZeroStateTabulated: Bool
    /// The exponential integrator's plan for one step from a gate table (`RushLarsenPlan`).
    let stepPlan: RushLarsenPlan

    /// Index of V and Ca in the state vector.
    public static let voltageIndex = 0, calciumIndex = 1

    /// Compiles a neuron after validating it; throws `ModelError` naming the field at fault.
    public init(_ d: NeuronDescription) throws(ModelError) {
        try d.validate()
        neuron = d
        // Layout: V, Ca | coupled channel states | the mechanisms' core states (the dense core) | gates |
        // the mechanisms' diagonal states (homeostasis' m first).
        let controller = try NeuromodulationController(d)
        self.controller = controller
        let mechanisms: [any CellMechanism] = (HomeostasisMechanism(d).map { [$0] } ?? []) + (controller.map { [$0] } ?? []) + d.mechanisms
        var coreOffsets: [Int] = [], stateLists: [[MechanismState]] = mechanisms.map(\.states)
        var names = ["V", "Ca"]
        var offsets: [Int?] = Array(repeating: nil, count: d.conductances.count)
        for (i, g) in d.conductances.enumerated() where g.channel.coupledStates {
            offsets[i] = names.count
            names += g.channel.stateNames.map { "\(g.name).\($0)" }
        }
        var gbarIndex: [String: Int] = [:]
        for k in mechanisms.indices {
            coreOffsets.append(names.count)
            names += stateLists[k].filter { $0.placement == .core }.map { "\(mechanisms[k].name).\($0.name)" }
        }
        let core = names.count
        for (i, g) in d.conductances.enumerated() where !g.channel.coupledStates {
            offsets[i] = names.count
            names += g.channel.stateNames.map { "\(g.name).\($0)" }
        }
        var mechanismSlots: [MechanismSlot] = []
        for (k, m) in mechanisms.enumerated() {
            let states = stateLists[k]
            let coreStates = states.prefix { $0.placement == .core }.count
            precondition(states.dropFirst(coreStates).allSatisfy { $0.placement == .diagonal },
                         "mechanism '\(m.name)': core states must come before diagonal ones")
            let slot = MechanismSlot(mechanism: m, coreOffset: coreOffsets[k], coreCount: coreStates, diagonalOffset: names.count,
                                     count: states.count, readsCalciumCurrent: m.readsCalciumCurrent,
                                     readsConductances: m.readsConductances, readoutCount: m.readouts.count)
            names += states.dropFirst(coreStates).map { "\(m.name).\($0.name)" }
            for driven in m.drivenConductances { gbarIndex[driven.conductance] = slot.index(driven.state) }
            mechanismSlots.append(slot)
        }
        self.mechanismSlots = mechanismSlots
        mechanismsReadCalciumCurrent = mechanismSlots.contains(where: \.readsCalciumCurrent)
        mechanismSteps = MechanismSteps(mechanismSlots, states: stateLists)
        let boxes = d.conductances.map { ChannelBox($0.channel) }
        channelBoxes = boxes
        slots = d.conductances.enumerated().map { i, g in
            Slot(channel: ChannelHandle(boxes[i]), gbar: g.gbar * (d.blockFractions[g.name] ?? 1), reversal: g.reversal, nernst: g.nernst, context: g.context,
                 offset: offsets[i]!, stateCount: g.channel.stateCount, carriesCalcium: g.feedsCalcium,
                 coupled: g.channel.coupledStates, gbarState: gbarIndex[g.name] ?? -1, scale: d.blockFractions[g.name] ?? 1,
                 hodgkinHuxley: g.channel.tabulatesRates, p: g.channel.activationExponent, q: g.channel.inactivationExponent,
                 calciumGated: g.channel.calciumGated,
                 calciumFactorized: g.channel.calciumGated && g.channel.activationCalciumFactor(1) != nil)
        }
        leakState = gbarIndex["leak"] ?? -1
        coreCount = core
        layout = StateLayout(names: names)
        leakScale = d.blockFractions["leak"] ?? 1
        gLeak = d.leakConductance * leakScale
        conductanceSources = ConductanceSources(indices: slots.map(\.gbarState) + [leakState], scales: slots.map(\.scale) + [leakScale],
                                                constants: slots.map(\.gbar) + [gLeak])
        ramp = d.currentRamp
        eLeak = d.leakReversal
        capacitance = d.capacitance
        calcium = d.calcium
        appliedCurrent = d.appliedCurrent
        isClamped = d.voltageClamp != nil
        commandVoltage = d.voltageClamp ?? .nan
        maxStates = max(2, d.conductances.map { $0.channel.stateCount }.max() ?? 0)
        everyStageZeroStateTabulated = slots.allSatisfy(\.hodgkinHuxley) && mechanismSlots.isEmpty
        stepPlan = RushLarsenPlan(slots)
    }

    /// ḡ of a slot at state y (mS/cm²): the homeostatic state (never below 0) or the constant.
    @inline(__always) func gbar(_ s: Slot, _ y: UnsafePointer<Double>) -> Double {
        s.gbarState >= 0 ? max(y[s.gbarState], 0) * s.scale : s.gbar
    }
    @inline(__always) func leak(_ y: UnsafePointer<Double>) -> Double {
        leakState >= 0 ? max(y[leakState], 0) * leakScale : gLeak
    }
    /// I_app at time t (ms).
    @inline(__always) public func appliedCurrent(at t: Double) -> Double {
        if let ramp { return ramp.current(at: t) }
        return appliedCurrent
    }

    /// Number of states.
    public var dimension: Int { layout.count }

    /// The initial state: V₀ (the command potential when clamped), Ca₀ and every channel's initial states
    /// (HH gates at x∞(V₀, Ca₀)).
    public func initialState() -> [Double] {
        var y = Array(repeating: 0.0, count: dimension)
        y[0] = neuron.voltageClamp ?? neuron.initialVoltage
        y[1] = neuron.initialCalcium
        y.withUnsafeMutableBufferPointer { yp in
            for s in slots {
                s.channel { $0.kinetics.initialStates(V: yp[0], calcium: yp[1], context: s.context, into: yp.baseAddress! + s.offset) }
            }
        }
        if !mechanismSlots.isEmpty {
            y.withUnsafeMutableBufferPointer { yp in
                let p = yp.baseAddress!
                // Driven ḡ start at the description's values; the mechanisms start from the cell at rest.
                for slot in mechanismSlots {
                    for driven in slot.mechanism.drivenConductances { p[slot.index(driven.state)] = neuron.gbar(driven.conductance)! }
                }
                let signals = self.signals(p, calciumCurrent: mechanismsReadCalciumCurrent)
                for slot in mechanismSlots { slot.mechanism.initialStates(neuron, signals: signals, into: slot.view(p)) }
            }
        }
        return y
    }

    /// The signals a mechanism reads at state y: V, Ca, the calcium current (NaN unless `calciumCurrent`),
    /// the capacitance and the conductances in effect.
    func signals(_ y: UnsafePointer<Double>, calciumCurrent: Bool = true) -> CellSignals {
        let iCa = calciumCurrent
            ? withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStates + 1) { membraneConductances(y, scratch: $0.baseAddress!).2 }
            : .nan
        return CellSignals(voltage: y[0], calcium: y[1], calciumCurrent: iCa, capacitance: capacitance,
                           conductances: conductanceSources.view(y))
    }

    /// The equations above, with the mechanisms' states (each state's unit per ms).
    public func rightHandSide(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>) {
        let V = y[0], Ca = y[1]
        let gl = leak(y)
        var gTotal = gl, gE = gl * eLeak, iCa = 0.0
        for s in slots { addExactDerivatives(s, V: V, calcium: Ca, y, dy, gTotal: &gTotal, gE: &gE, iCa: &iCa) }
        membraneAndControlDerivatives(t, y, dy, gTotal: gTotal, gE: gE, iCa: iCa)
    }

    /// Writes the derivatives of slot `s`'s states (the channel's own code) and adds its conductance to
    /// Σ g, Σ g E and, if it carries calcium, its current to I_Ca.
    @inline(__always)
    func addExactDerivatives(_ s: Slot, V: Double, calcium Ca: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>,
                             gTotal: inout Double, gE: inout Double, iCa: inout Double) {
        let g = gbar(s, y) * s.channel { $0.kinetics.stateDerivatives(V: V, calcium: Ca, states: y + s.offset,
                                                   context: s.context, into: dy + s.offset) }
        let E = s.reversal(calcium: Ca)
        gTotal += g
        gE += g * E
        if s.carriesCalcium { iCa += g * (V - E) }
    }

    /// The derivatives of V, Ca and the mechanisms' states, from the membrane's Σ g
    /// (mS/cm², leak included), Σ g E (µA/cm²) and calcium current (µA/cm²).
    @inline(__always)
    func membraneAndControlDerivatives(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>,
                                       gTotal: Double, gE: Double, iCa: Double) {
        let V = y[0], Ca = y[1]
        dy[0] = isClamped ? 0 : (gE - gTotal * V + appliedCurrent(at: t)) / capacitance
        dy[1] = (-calcium.influx * iCa - Ca + calcium.rest) / calcium.tau
        if !mechanismSlots.isEmpty {
            let signals = CellSignals(voltage: V, calcium: Ca, calciumCurrent: iCa, capacitance: capacitance,
                                      conductances: conductanceSources.view(y))
            mechanismSlots.withUnsafeBufferPointer { list in
                for k in 0..<list.count { list[k].mechanism.derivatives(list[k].view(y), signals: signals, into: list[k].view(dy)) }
            }
        }
    }

    /// The exact Jacobian, channel derivatives by dual numbers, in arrow form.
    public func jacobian(_ t: Double, _ y: UnsafePointer<Double>, into J: inout ArrowJacobian) {
        J.A.withUnsafeMutableBufferPointer { A in
            J.B.withUnsafeMutableBufferPointer { B in
                J.C.withUnsafeMutableBufferPointer { C in
                    J.D.withUnsafeMutableBufferPointer { D in
                        jacobian(y, A: A.baseAddress!, B: B.baseAddress!, C: C.baseAddress!, D: D.baseAddress!)
                    }
                }
            }
        }
    }

    /// `jacobian(_:_:into:)` into the blocks' storage (A k×k and B k×n row-major, C n×k gate-major, D n).
    private func jacobian(_ y: UnsafePointer<Double>, A: UnsafeMutablePointer<Double>, B: UnsafeMutablePointer<Double>,
                          C: UnsafeMutablePointer<Double>, D: UnsafeMutablePointer<Double>) {
        let V = y[0], Ca = y[1]
        let k = coreCount, n = dimension - coreCount
        A.update(repeating: 0, count: k * k)
        let gl = leak(y)
        var dIdV = gl, dCadV = 0.0
        // Σ ḡ open dE/dCa over the conductances whose E follows the pool (µA/cm² per pool unit).
        var dIdCaNernst = 0.0
        let m = maxStates
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * m + 1 + m * m) { tmp in
            let dOpen = tmp.baseAddress!, dV = dOpen + m + 1, dCa = dV + m, dLocal = dCa + m
            for s in slots {
                let open = s.channel { $0.kinetics.openFraction(V: V, states: y + s.offset, context: s.context, dOpen: dOpen) }
                s.channel { $0.kinetics.stateJacobian(V: V, calcium: Ca, states: y + s.offset, context: s.context,
                                        dV: dV, dCa: dCa, dLocal: dLocal) }
                let drive = V - s.reversal(calcium: Ca)
                let gb = gbar(s, y)
                // ∂I/∂V = ḡ (open + ∂open/∂V · (V − E))
                let dI = gb * (open + dOpen[s.stateCount] * drive)
                if let nernst = s.nernst { dIdCaNernst -= gb * open * nernst.slope(calcium: Ca) }
                if s.gbarState >= 0, y[s.gbarState] > 0 {
                    // ∂I/∂ḡ = open (V − E)
                    A[0 * k + s.gbarState] = -s.scale * open * drive / capacitance
                    if s.carriesCalcium { A[1 * k + s.gbarState] = -calcium.influx * s.scale * open * drive / calcium.tau }
                }
                dIdV += dI
                if s.carriesCalcium { dCadV += dI }
                for a in 0..<s.stateCount {
                    let i = s.offset + a
                    let dIdx = gb * dOpen[a] * drive
                    let vRow = -dIdx / capacitance
                    let caRow = s.carriesCalcium ? -calcium.influx * dIdx / calcium.tau : 0
                    if s.coupled {
                        A[0 * k + i] = vRow
                        A[1 * k + i] = caRow
                        A[i * k + 0] = dV[a]
                        A[i * k + 1] = dCa[a]
                        for b in 0..<s.stateCount { A[i * k + s.offset + b] = dLocal[a * s.stateCount + b] }
                    } else {
                        let g = i - k
                        B[0 * n + g] = vRow
                        B[1 * n + g] = caRow
                        var c = 2
                        while c < k { B[c &* n &+ g] = 0; c &+= 1 }
                        let row = C + g * k
                        row[0] = dV[a]
                        row[1] = dCa[a]
                        if k > 2 { (row + 2).update(repeating: 0, count: k - 2) }
                        D[g] = dLocal[a * s.stateCount + a]
                    }
                }
            }
        }
        A[0] = -dIdV / capacitance
        A[1] = -dIdCaNernst / capacitance
        A[k] = -calcium.influx * dCadV / calcium.tau
        A[k + 1] = (-calcium.influx * dIdCaNernst - 1) / calcium.tau
        if leakState >= 0, y[leakState] > 0 { A[0 * k + leakState] = -leakScale * (V - eLeak) / capacitance }
        if !mechanismSlots.isEmpty { mechanismJacobian(y, A: A, B: B, C: C, D: D) }
        if isClamped {
            // V is held: its row (∂(dV/dt)/∂·) is zero.
            A.update(repeating: 0, count: k)
            B.update(repeating: 0, count: n)
        }
    }

    /// Stage 0: every channel state; stage 1: V and Ca.
    public var linearStages: [[Range<Int>]] { [[2..<dimension], [0..<2]] }

    /// Stage 0: each channel state's x∞ and τ, the mechanisms' states; stage 1: V and Ca, with
    /// V∞ the conductance-weighted reversal (mV), τ_V = C/g_total (ms), and Ca∞, τ_Ca.
    public func linearForm(stage: Int, _ t: Double, _ y: UnsafePointer<Double>,
                           steadyState: UnsafeMutablePointer<Double>, timeConstant: UnsafeMutablePointer<Double>) {
        if stage == 0 {
            stateLinearForm(y, steadyState: steadyState, timeConstant: timeConstant, includingTabulated: true)
            return
        }
        let (gTotal, gE, iCa) = withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStates + 1) {
            membraneConductances(y, scratch: $0.baseAddress!)
        }
        // V relaxes to the conductance-weighted reversal with τ_V = C / g_total; a clamped V stays where it is
        // (dV/dt = 0: the constant rate 0).
        steadyState[0] = isClamped ? 0 : (gE + appliedCurrent(at: t)) / gTotal
        timeConstant[0] = isClamped ? .infinity : capacitance / gTotal
        steadyState[1] = calcium.rest - calcium.influx * iCa
        timeConstant[1] = calcium.tau
    }

    /// Σ g (total conductance, mS/cm²), Σ g E (µA/cm²) and the calcium current (µA/cm²) at state y, g
    /// including the leak; `scratch` holds maxStates + 1 doubles.
    @inline(__always)
    func membraneConductances(_ y: UnsafePointer<Double>, scratch: UnsafeMutablePointer<Double>) -> (Double, Double, Double) {
        let V = y[0], Ca = y[1]
        let gl = leak(y)
        var gTotal = gl, gE = gl * eLeak, iCa = 0.0
        for s in slots {
            let open = s.hodgkinHuxley
                ? integerPower(y[s.offset], s.p) * (s.q > 0 ? integerPower(y[s.offset + 1], s.q) : 1)
                : s.channel { $0.kinetics.openFraction(V: V, states: y + s.offset, context: s.context, dOpen: scratch) }
            let g = gbar(s, y) * open
            let E = s.reversal(calcium: Ca)
            gTotal += g
            gE += g * E
            if s.carriesCalcium { iCa += g * (V - E) }
        }
        return (gTotal, gE, iCa)
    }

    /// Stage-0 linear forms (x∞ and τ in ms) of the channel states (of the Hodgkin–Huxley gates only when
    /// `includingTabulated`) and of the mechanisms' states.
    func stateLinearForm(_ y: UnsafePointer<Double>, steadyState: UnsafeMutablePointer<Double>,
                         timeConstant: UnsafeMutablePointer<Double>, includingTabulated: Bool) {
        let V = y[0], Ca = y[1]
        for s in slots where includingTabulated || !s.hodgkinHuxley {
            s.channel { $0.kinetics.linearForm(V: V, calcium: Ca, states: y + s.offset, context: s.context,
                                 inf: steadyState + s.offset, tau: timeConstant + s.offset) }
        }
        if !mechanismSlots.isEmpty {
            let signals = self.signals(y, calciumCurrent: mechanismsReadCalciumCurrent)
            mechanismSlots.withUnsafeBufferPointer { list in
                for k in 0..<list.count {
                    list[k].mechanism.linearForm(list[k].view(y), signals: signals, steadyState: list[k].view(steadyState),
                                                 timeConstant: list[k].view(timeConstant))
                }
            }
        }
    }

    /// V 1e-3 mV, Ca 1e-4, gates 1e-6; each mechanism state its own (`MechanismState.absoluteTolerance`).
    public var defaultAbsoluteTolerances: [Double] {
        var a = (0..<dimension).map { $0 == 0 ? 1e-3 : ($0 == 1 ? 1e-4 : 1e-6) }
        for slot in mechanismSlots {
            for (i, state) in slot.mechanism.states.enumerated() { a[slot.index(i)] = state.absoluteTolerance }
        }
        return a
    }

    /// Names of the ionic currents `currents(_:into:)` reports, in order: one per channel, then leak.
    public var currentNames: [String] { neuron.conductances.map(\.name) + ["leak"] }

    /// Writes the conductance in effect of each channel (mS/cm²: block fraction × ḡ, ḡ never below 0) at
    /// state `y`, in the order of `currentNames`.
    public func effectiveConductances(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        for (i, s) in slots.enumerated() { out[i] = gbar(s, y) }
        out[slots.count] = leak(y)
    }

    /// The current an ideal voltage clamp injects to hold V where it is at state y and time t (ms):
    /// I_clamp = Σ_i I_i + I_leak − I_app (µA/cm², positive into the cell like I_app; with I_app = 0 it is the
    /// net ionic current, outward positive). Defined at any state: C dV/dt = I_clamp would vanish.
    public func clampCurrent(_ t: Double, _ y: UnsafePointer<Double>) -> Double {
        let (gTotal, gE, _) = withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStates + 1) {
            membraneConductances(y, scratch: $0.baseAddress!)
        }
        return gTotal * y[0] - gE - appliedCurrent(at: t)
    }

    /// Writes each ionic current (µA/cm², outward positive) at state `y`, in model order, then leak.
    public func currents(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let V = y[0], Ca = y[1]
        withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStates + 1) { dOpen in
            for (i, s) in slots.enumerated() {
                out[i] = gbar(s, y) * s.channel { $0.kinetics.openFraction(V: V, states: y + s.offset, context: s.context,
                                                             dOpen: dOpen.baseAddress!) } * (V - s.reversal(calcium: Ca))
            }
        }
        out[slots.count] = leak(y) * (V - eLeak)
    }
}

extension CompiledNeuron {
    /// Ca∞(V): the calcium at which dCa/dt = 0 with V held and every gate at its steady state
    /// (model units; Docs/science/networks.md §5 initial conditions). Iterated because gates may depend on Ca.
    public func steadyCalcium(V: Double) -> Double {
        var y = initialState()
        y[0] = V
        var ca = neuron.initialCalcium
        for _ in 0..<20 {
            y[1] = ca
            var feeds: [CalciumPool.Feed] = []
            y.withUnsafeMutableBufferPointer { yp in
                let p = yp.baseAddress!
                for s in slots {
                    s.channel { $0.kinetics.initialStates(V: V, calcium: ca, context: s.context, into: p + s.offset) }
                }
                withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStates + 1) { dOpen in
                    for s in slots where s.carriesCalcium {
                        let g = gbar(s, p) * s.channel { $0.kinetics.openFraction(V: V, states: p + s.offset, context: s.context,
                                                                         dOpen: dOpen.baseAddress!) }
                        feeds.append(CalciumPool.Feed(conductance: g, reversal: s.reversal, nernst: s.nernst))
                    }
                }
            }
            // With fixed reversals Ca∞ is explicit; a reversal that follows the pool makes it a root (Newton).
            let next = feeds.contains { $0.nernst != nil } ? calcium.restingCalcium(V: V, feeds: feeds).calcium
                : calcium.rest - calcium.influx * feeds.reduce(0) { $0 + $1.conductance * (V - $1.reversal) }
            if abs(next - ca) <= 1e-12 * max(abs(ca), 1) { return next }
            ca = next
        }
        return ca
    }
}

extension CompiledNeuron {
    /// The state of the cell held at V (mV) long enough for its channels to rest: Ca = Ca∞(V)
    /// (`steadyCalcium(V:)`), every channel state at its steady state at (V, Ca∞), the mechanisms' states as
    /// `initialState()` starts them.
    public func restingState(heldAt V: Double) -> [Double] {
        var y = initialState()
        let ca = steadyCalcium(V: V)
        y[0] = V
        y[1] = ca
        y.withUnsafeMutableBufferPointer { yp in
            for s in slots { s.channel { $0.kinetics.initialStates(V: V, calcium: ca, context: s.context, into: yp.baseAddress! + s.offset) } }
        }
        return y
    }
}
