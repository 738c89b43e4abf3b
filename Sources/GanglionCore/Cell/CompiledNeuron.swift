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
    }

    /// The description it was compiled from.
    public let neuron: NeuronDescription
    /// Names of the state entries, in state-vector order.
    public let layout: StateLayout
    /// Number of states in the dense core of the Jacobian: V, Ca, coupled channel states, homeostatic ḡ
    /// and the neuromodulation controller's states.
    public let coreCount: Int
    @usableFromInline let slots: [Slot]
    @usableFromInline let gLeak: Double, eLeak: Double, capacitance: Double
    @usableFromInline let calcium: CalciumPool
    /// Applied current I_app (µA/cm²), when there is no ramp.
    public let appliedCurrent: Double
    @usableFromInline let ramp: CurrentRamp?
    @usableFromInline let leakScale: Double
    /// Largest number of states of one channel (scratch size).
    let maxStates: Int
    /// Index of the leak's homeostatic ḡ state, or −1.
    @usableFromInline let leakState: Int
    /// A conductance driven by the neuromodulation controller: its membrane ḡ, pool ḡ^i and integrator z states.
    @usableFromInline struct Modulated: Sendable {
        let gbarIndex: Int, poolIndex: Int, zIndex: Int, initial: Double
    }
    @usableFromInline let modulated: [Modulated]
    @usableFromInline let modulation: Neuromodulation?
    @usableFromInline let reference: ControllerReference?
    /// A mechanism (`CellMechanism`) and where its core and diagonal states start in the state vector.
    @usableFromInline struct MechanismSlot: Sendable {
        let mechanism: any CellMechanism
        let coreOffset: Int, coreCount: Int
        let diagonalOffset: Int, count: Int
        let readsCalciumCurrent: Bool
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
    /// The cell's mechanisms (homeostasis first, then `NeuronDescription.mechanisms`), in state order.
    @usableFromInline let mechanismSlots: [MechanismSlot]
    /// Whether a mechanism reads the calcium current.
    let mechanismsReadCalciumCurrent: Bool
    /// How the exponential integrator steps the mechanisms' states.
    let mechanismSteps: MechanismSteps
    /// Whether every stage-0 state is a Hodgkin–Huxley gate (no kinetic scheme, controller or homeostasis).
    let everyStageZeroStateTabulated: Bool
    /// The exponential integrator's plan for one step from a gate table (`RushLarsenPlan`).
    let stepPlan: RushLarsenPlan

    /// Index of V and Ca in the state vector.
    public static let voltageIndex = 0, calciumIndex = 1

    /// Compiles a neuron after validating it; throws `ModelError` naming the field at fault.
    public init(_ d: NeuronDescription) throws(ModelError) {
        try d.validate()
        neuron = d
        let homeostasis = d.homeostasis
        // Layout: V, Ca | coupled channel states | homeostasis' core states | the controller's states | other
        // mechanisms' core states (the dense core) | gates | mechanisms' diagonal states (homeostasis' m first).
        let mechanisms: [any CellMechanism] = (HomeostasisMechanism(d).map { [$0] } ?? []) + d.mechanisms
        var coreOffsets: [Int] = [], stateLists: [[MechanismState]] = mechanisms.map(\.states)
        var names = ["V", "Ca"]
        var offsets: [Int?] = Array(repeating: nil, count: d.conductances.count)
        for (i, g) in d.conductances.enumerated() where g.channel.coupledStates {
            offsets[i] = names.count
            names += g.channel.stateNames.map { "\(g.name).\($0)" }
        }
        var gbarIndex: [String: Int] = [:]
        func placeCore(_ k: Int) {
            coreOffsets.append(names.count)
            names += stateLists[k].filter { $0.placement == .core }.map { "\(mechanisms[k].name).\($0.name)" }
        }
        if homeostasis != nil { placeCore(0) }
        var modulated: [Modulated] = []
        if let m = d.neuromodulation {
            for n in m.conductances {
                gbarIndex[n] = names.count
                modulated.append(Modulated(gbarIndex: names.count, poolIndex: names.count + 1, zIndex: names.count + 2, initial: d.gbar(n)!))
                names += ["neuromodulation.\(n).gbar", "neuromodulation.\(n).pool", "neuromodulation.\(n).z"]
            }
        }
        self.modulated = modulated
        modulation = d.neuromodulation
        if let m = d.neuromodulation {
            let r: ControllerReference
            do { r = try ControllerReference(d, modulation: m) } catch {
                throw .invalidValue(field: "neuromodulation", value: .nan, reason: "\(error)")
            }
            // The pair must be able to set g_s and g_u at V_th (a non-singular solve at the initial cell).
            let g = d.conductances.map { $0.gbar * (d.blockFractions[$0.name] ?? 1) }
            let x = g.withUnsafeBufferPointer { r.solve($0.baseAddress!, gLeak: d.leakConductance, gs: m.gs, gu: m.gu) }
            guard x.0.isFinite, x.1.isFinite else {
                throw .invalidValue(field: "neuromodulation.conductances", value: .nan,
                                    reason: "\(m.conductances.joined(separator: " and ")) cannot set g_s and g_u at V_th = \(m.thresholdVoltage) mV (the compensation solve is singular or has no solution)")
            }
            reference = r
        } else { reference = nil }
        for k in coreOffsets.count..<mechanisms.count { placeCore(k) }
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
                                     count: states.count, readsCalciumCurrent: m.readsCalciumCurrent, readoutCount: m.readouts.count)
            names += states.dropFirst(coreStates).map { "\(m.name).\($0.name)" }
            for driven in m.drivenConductances { gbarIndex[driven.conductance] = slot.index(driven.state) }
            mechanismSlots.append(slot)
        }
        self.mechanismSlots = mechanismSlots
        mechanismsReadCalciumCurrent = mechanismSlots.contains(where: \.readsCalciumCurrent)
        mechanismSteps = MechanismSteps(mechanismSlots, states: stateLists)
        slots = d.conductances.enumerated().map { i, g in
            Slot(channel: g.channel, gbar: g.gbar * (d.blockFractions[g.name] ?? 1), reversal: g.reversal, context: g.context,
                 offset: offsets[i]!, stateCount: g.channel.stateCount, carriesCalcium: g.channel.ion == .calcium,
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
        ramp = d.currentRamp
        eLeak = d.leakReversal
        capacitance = d.capacitance
        calcium = d.calcium
        appliedCurrent = d.appliedCurrent
        maxStates = max(2, d.conductances.map { $0.channel.stateCount }.max() ?? 0)
        everyStageZeroStateTabulated = slots.allSatisfy(\.hodgkinHuxley) && modulation == nil && mechanismSlots.isEmpty
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
        if let m = modulation {
            for c in modulated {
                y[c.gbarIndex] = c.initial
                y[c.poolIndex] = c.initial
                y[c.zIndex] = m.integratorStart == .steadyState ? m.beta * c.initial / m.ki : 0
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

    /// The signals a mechanism reads at state y: V, Ca, the calcium current (NaN unless `calciumCurrent`)
    /// and the capacitance.
    func signals(_ y: UnsafePointer<Double>, calciumCurrent: Bool = true) -> CellSignals {
        let iCa = calciumCurrent
            ? withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStates + 1) { membraneConductances(y, scratch: $0.baseAddress!).2 }
            : .nan
        return CellSignals(voltage: y[0], calcium: y[1], calciumCurrent: iCa, capacitance: capacitance)
    }

    /// The controller's reference ḡ^ref for the two modulated conductances at state y (mS/cm²).
    @inline(__always) func controllerReference(_ y: UnsafePointer<Double>) -> (Double, Double) {
        referenceSolution(y)?.x ?? (0, 0)
    }

    /// The reference's solve at state y from the conductances in effect (`ControllerReference.detailedSolution`;
    /// `near`: a nearby problem's solution to start from); nil without a controller.
    @inline(__always)
    func referenceSolution(_ y: UnsafePointer<Double>, near: (c: Double, exact: Bool)? = nil) -> (x: (Double, Double), exact: Bool, c: Double)? {
        guard let reference, let m = modulation else { return nil }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: slots.count) { g in
            for (j, s) in slots.enumerated() { g[j] = gbar(s, y) }
            return reference.detailedSolution(g.baseAddress!, gLeak: leak(y), gs: m.gs, gu: m.gu, near: near)
        }
    }

    /// Whether the controller's reference at state y meets the DIC targets exactly: false past a fold of the
    /// exact problem, where it is the closest approach (`ControllerReference.solution`); true without a controller.
    public func controllerReferenceIsExact(state y: UnsafePointer<Double>) -> Bool {
        referenceSolution(y)?.exact ?? true
    }

    /// Whether the controller's reference can be inexact (the exact STG reference, nonlinear in ḡ_CaS).
    public var controllerReferenceCanFold: Bool { reference?.iterates ?? false }

    /// The reference ḡ^ref of the modulated conductances at state y, by name (empty without a controller).
    public func controllerReference(state y: [Double]) -> [String: Double] {
        guard let m = modulation else { return [:] }
        let r = y.withUnsafeBufferPointer { controllerReference($0.baseAddress!) }
        return [m.conductances[0]: r.0, m.conductances[1]: r.1]
    }

    /// The controller's derivatives (pool, membrane, integrator) given the reference.
    @inline(__always) func controllerDerivatives(_ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>, reference r: (Double, Double)) {
        guard let m = modulation else { return }
        for (k, c) in modulated.enumerated() {
            let e = (k == 0 ? r.0 : r.1) - y[c.gbarIndex]
            let v = m.kp * e + m.ki * y[c.zIndex]
            let u = m.antiWindup ? min(v, m.uMax) : v
            dy[c.poolIndex] = m.alpha * (y[c.gbarIndex] - y[c.poolIndex]) - m.beta * y[c.poolIndex] + u
            dy[c.gbarIndex] = m.alpha * (y[c.poolIndex] - y[c.gbarIndex])
            dy[c.zIndex] = m.antiWindup ? e + m.kt * (u - v) : e
        }
    }

    /// The equations above, with the homeostasis and neuromodulation states (each state's unit per ms).
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
        let g = gbar(s, y) * s.channel.stateDerivatives(V: V, calcium: Ca, states: y + s.offset,
                                                   context: s.context, into: dy + s.offset)
        gTotal += g
        gE += g * s.reversal
        if s.carriesCalcium { iCa += g * (V - s.reversal) }
    }

    /// The derivatives of V, Ca, the homeostatic and the controller states, from the membrane's Σ g
    /// (mS/cm², leak included), Σ g E (µA/cm²) and calcium current (µA/cm²).
    @inline(__always)
    func membraneAndControlDerivatives(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>,
                                       gTotal: Double, gE: Double, iCa: Double) {
        let V = y[0], Ca = y[1]
        dy[0] = (gE - gTotal * V + appliedCurrent(at: t)) / capacitance
        dy[1] = (-calcium.influx * iCa - Ca + calcium.rest) / calcium.tau
        if !mechanismSlots.isEmpty {
            let signals = CellSignals(voltage: V, calcium: Ca, calciumCurrent: iCa, capacitance: capacitance)
            mechanismSlots.withUnsafeBufferPointer { list in
                for k in 0..<list.count { list[k].mechanism.derivatives(list[k].view(y), signals: signals, into: list[k].view(dy)) }
            }
        }
        if modulation != nil { controllerDerivatives(y, dy, reference: controllerReference(y)) }
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
        let m = maxStates
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * m + 1 + m * m) { tmp in
            let dOpen = tmp.baseAddress!, dV = dOpen + m + 1, dCa = dV + m, dLocal = dCa + m
            for s in slots {
                let open = s.channel.openFraction(V: V, states: y + s.offset, context: s.context, dOpen: dOpen)
                s.channel.stateJacobian(V: V, calcium: Ca, states: y + s.offset, context: s.context,
                                        dV: dV, dCa: dCa, dLocal: dLocal)
                let drive = V - s.reversal
                let gb = gbar(s, y)
                // ∂I/∂V = ḡ (open + ∂open/∂V · (V − E))
                let dI = gb * (open + dOpen[s.stateCount] * drive)
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
        A[1] = 0
        A[k] = -calcium.influx * dCadV / calcium.tau
        A[k + 1] = -1 / calcium.tau
        if leakState >= 0, y[leakState] > 0 { A[0 * k + leakState] = -leakScale * (V - eLeak) / capacitance }
        if let mod = modulation { controllerJacobian(y, mod, into: A) }
        if !mechanismSlots.isEmpty { mechanismJacobian(y, A: A, B: B, C: C, D: D) }
    }

    /// The controller's rows of the core block A (k×k row-major). ∂ḡ^ref/∂(other conductances) by forward
    /// differences of the reference solve (it is cheap); ḡ^ref does not depend on V, Ca or the modulated
    /// conductances.
    func controllerJacobian(_ y: UnsafePointer<Double>, _ m: Neuromodulation, into A: UnsafeMutablePointer<Double>) {
        let k = coreCount
        // The reference at y, and where its solve ended: the perturbed solves below start there, so they
        // stay on its branch and cost a few evaluations each.
        // The unperturbed value is solved again from there too, so that it and the perturbed ones take the
        // same iterations and their rounding cancels in the difference quotients.
        let solved = referenceSolution(y)!
        let near = (c: solved.c, exact: solved.exact)
        let r0 = referenceSolution(y, near: near)!.x
        // Sensitivity of the reference to each core state that sets another channel's conductance: at most
        // one per channel and the leak.
        withUnsafeTemporaryAllocation(of: (state: Int, d0: Double, d1: Double).self, capacity: slots.count + 1) { dRef in
            var count = 0
            withUnsafeTemporaryAllocation(of: Double.self, capacity: slots.count) { g in
                for (j, s) in slots.enumerated() { g[j] = gbar(s, y) }
                let gl = leak(y)
                for (j, s) in slots.enumerated() where s.gbarState >= 0 && !modulated.contains(where: { $0.gbarIndex == s.gbarState }) {
                    guard y[s.gbarState] > 0 else { continue }
                    let h = 1e-7 * max(g[j], 1e-6)
                    let saved = g[j]
                    g[j] = saved + h
                    let r = reference!.detailedSolution(g.baseAddress!, gLeak: gl, gs: m.gs, gu: m.gu, near: near).x
                    g[j] = saved
                    dRef[count] = (s.gbarState, s.scale * (r.0 - r0.0) / h, s.scale * (r.1 - r0.1) / h)
                    count += 1
                }
                if leakState >= 0, y[leakState] > 0 {
                    let h = 1e-7 * max(gl, 1e-9)
                    let r = reference!.detailedSolution(g.baseAddress!, gLeak: gl + h, gs: m.gs, gu: m.gu, near: near).x
                    dRef[count] = (leakState, leakScale * (r.0 - r0.0) / h, leakScale * (r.1 - r0.1) / h)
                    count += 1
                }
            }
            for (c, x) in modulated.enumerated() {
                let e = (c == 0 ? r0.0 : r0.1) - y[x.gbarIndex]
                let v = m.kp * e + m.ki * y[x.zIndex]
                let saturated = m.antiWindup && v > m.uMax
                let dUdE = saturated ? 0 : m.kp, dUdZ = saturated ? 0 : m.ki
                let dZdE = m.antiWindup ? 1 + m.kt * (dUdE - m.kp) : 1
                let dZdZ = m.antiWindup ? m.kt * (dUdZ - m.ki) : 0
                (A + x.poolIndex * k).update(repeating: 0, count: k)
                (A + x.gbarIndex * k).update(repeating: 0, count: k)
                (A + x.zIndex * k).update(repeating: 0, count: k)
                A[x.poolIndex * k + x.poolIndex] = -m.alpha - m.beta
                A[x.poolIndex * k + x.gbarIndex] = m.alpha - dUdE
                A[x.poolIndex * k + x.zIndex] = dUdZ
                A[x.gbarIndex * k + x.poolIndex] = m.alpha
                A[x.gbarIndex * k + x.gbarIndex] = -m.alpha
                A[x.zIndex * k + x.gbarIndex] = -dZdE
                A[x.zIndex * k + x.zIndex] = dZdZ
                for i in 0..<count {
                    let d = dRef[i]
                    let dr = c == 0 ? d.d0 : d.d1
                    A[x.poolIndex * k + d.state] = dUdE * dr
                    A[x.zIndex * k + d.state] = dZdE * dr
                }
            }
        }
    }

    /// Stage 0: every channel state; stage 1: V and Ca.
    public var linearStages: [[Range<Int>]] { [[2..<dimension], [0..<2]] }

    /// Stage 0: each channel state's x∞ and τ, the controllers' states; stage 1: V and Ca, with
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
        // V relaxes to the conductance-weighted reversal with τ_V = C / g_total.
        steadyState[0] = (gE + appliedCurrent(at: t)) / gTotal
        timeConstant[0] = capacitance / gTotal
        steadyState[1] = calcium.rest - calcium.influx * iCa
        timeConstant[1] = calcium.tau
    }

    /// Σ g (total conductance, mS/cm²), Σ g E (µA/cm²) and the calcium current (µA/cm²) at state y, g
    /// including the leak; `scratch` holds maxStates + 1 doubles.
    @inline(__always)
    func membraneConductances(_ y: UnsafePointer<Double>, scratch: UnsafeMutablePointer<Double>) -> (Double, Double, Double) {
        let V = y[0]
        let gl = leak(y)
        var gTotal = gl, gE = gl * eLeak, iCa = 0.0
        for s in slots {
            let open = s.hodgkinHuxley
                ? integerPower(y[s.offset], s.p) * (s.q > 0 ? integerPower(y[s.offset + 1], s.q) : 1)
                : s.channel.openFraction(V: V, states: y + s.offset, context: s.context, dOpen: scratch)
            let g = gbar(s, y) * open
            gTotal += g
            gE += g * s.reversal
            if s.carriesCalcium { iCa += g * (V - s.reversal) }
        }
        return (gTotal, gE, iCa)
    }

    /// Stage-0 linear forms (x∞ and τ in ms) of the channel states (of the Hodgkin–Huxley gates only when
    /// `includingTabulated`), the controller's and the homeostasis states.
    func stateLinearForm(_ y: UnsafePointer<Double>, steadyState: UnsafeMutablePointer<Double>,
                         timeConstant: UnsafeMutablePointer<Double>, includingTabulated: Bool) {
        let V = y[0], Ca = y[1]
        for s in slots where includingTabulated || !s.hodgkinHuxley {
            s.channel.linearForm(V: V, calcium: Ca, states: y + s.offset, context: s.context,
                                 inf: steadyState + s.offset, tau: timeConstant + s.offset)
        }
        if let m = modulation {
            // The controller: the pool relaxes to (α ḡ + u)/(α + β), ḡ to the pool, z at a constant rate.
            let r = controllerReference(y)
            withUnsafeTemporaryAllocation(of: Double.self, capacity: dimension) { dy in
                controllerDerivatives(y, dy.baseAddress!, reference: r)
                for x in modulated {
                    let u = dy[x.poolIndex] - m.alpha * (y[x.gbarIndex] - y[x.poolIndex]) + m.beta * y[x.poolIndex]
                    steadyState[x.poolIndex] = (m.alpha * y[x.gbarIndex] + u) / (m.alpha + m.beta)
                    timeConstant[x.poolIndex] = 1 / (m.alpha + m.beta)
                    steadyState[x.gbarIndex] = y[x.poolIndex]
                    timeConstant[x.gbarIndex] = 1 / m.alpha
                    steadyState[x.zIndex] = dy[x.zIndex]
                    timeConstant[x.zIndex] = .infinity
                }
            }
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

    /// V 1e-3 mV, Ca 1e-4, gates 1e-6; homeostatic and controller states 1e-6 of their initial size
    /// (ḡ in mS/cm², z in mS cm⁻² ms).
    public var defaultAbsoluteTolerances: [Double] {
        var a = (0..<dimension).map { $0 == 0 ? 1e-3 : ($0 == 1 ? 1e-4 : 1e-6) }
        // Homeostatic states (mS/cm²): 1e-6 of their initial size.
        if let m = modulation {
            for x in modulated {
                a[x.gbarIndex] = 1e-6 * max(x.initial, 1e-3)
                a[x.poolIndex] = a[x.gbarIndex]
                a[x.zIndex] = 1e-6 * max(m.beta * x.initial / m.ki, 1e-3)
            }
        }
        for slot in mechanismSlots {
            for (i, state) in slot.mechanism.states.enumerated() { a[slot.index(i)] = state.absoluteTolerance }
        }
        return a
    }

    /// Names of the ionic currents `currents(_:into:)` reports, in order: one per channel, then leak.
    public var currentNames: [String] { slots.map { $0.channel.name } + ["leak"] }

    /// Writes the conductance in effect of each channel (mS/cm²: block fraction × ḡ, ḡ never below 0) at
    /// state `y`, in the order of `currentNames`.
    public func effectiveConductances(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        for (i, s) in slots.enumerated() { out[i] = gbar(s, y) }
        out[slots.count] = leak(y)
    }

    /// Writes each ionic current (µA/cm², outward positive) at state `y`, in model order, then leak.
    public func currents(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let V = y[0]
        withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStates + 1) { dOpen in
            for (i, s) in slots.enumerated() {
                out[i] = gbar(s, y) * s.channel.openFraction(V: V, states: y + s.offset, context: s.context,
                                                             dOpen: dOpen.baseAddress!) * (V - s.reversal)
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
            var iCa = 0.0
            y.withUnsafeMutableBufferPointer { yp in
                let p = yp.baseAddress!
                for s in slots {
                    s.channel.initialStates(V: V, calcium: ca, context: s.context, into: p + s.offset)
                }
                withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStates + 1) { dOpen in
                    for s in slots where s.carriesCalcium {
                        iCa += gbar(s, p) * s.channel.openFraction(V: V, states: p + s.offset, context: s.context,
                                                                  dOpen: dOpen.baseAddress!) * (V - s.reversal)
                    }
                }
            }
            let next = calcium.rest - calcium.influx * iCa
            if abs(next - ca) <= 1e-12 * max(abs(ca), 1) { return next }
            ca = next
        }
        return ca
    }
}
