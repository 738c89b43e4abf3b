/// The activity-dependent neuromodulation controller (`Neuromodulation`, Docs/science/controllers.md §2) as
/// a cell mechanism: for each modulated conductance X, in the description's order, three core states, the
/// membrane ḡ_X (which drives X), the intracellular pool ḡ_X^i and the integrator z_X:
///
///     dḡ_X^i/dt = α (ḡ_X − ḡ_X^i) − β ḡ_X^i + u_X,   dḡ_X/dt = α (ḡ_X^i − ḡ_X),   dz_X/dt = e_X + K_t (u_X − v_X)
///
/// The reference ḡ^ref in e_X = ḡ_X^ref − ḡ_X is the compensation solve (`ControllerReference`) from the
/// conductances in effect (`CellSignals.conductances`: every other ḡ as it is at that instant, homeostatic
/// and regulated states and blockades included). Its Jacobian with respect to those conductances' states
/// is taken by forward differences of the reference solve (it is cheap); ḡ^ref does not depend on V, Ca or
/// the modulated conductances. Built by the compiled cell from its description.
struct NeuromodulationController: CellMechanism {
    let name = "neuromodulation"
    let modulation: Neuromodulation
    let reference: ControllerReference
    /// The description's ḡ of the two modulated conductances (mS/cm²): where ḡ and the pool start.
    let initial: (Double, Double)

    /// The controller of `neuron`, nil without one; throws when its reference cannot be built or cannot set
    /// g_s and g_u at V_th at the initial cell.
    init?(_ neuron: NeuronDescription) throws(ModelError) {
        guard let m = neuron.neuromodulation else { return nil }
        let r: ControllerReference
        do { r = try ControllerReference(neuron, modulation: m) } catch {
            throw .invalidValue(field: "neuromodulation", value: .nan, reason: "\(error)")
        }
        // The pair must be able to set g_s and g_u at V_th (a non-singular solve at the initial cell).
        let g = neuron.conductances.map { $0.gbar * (neuron.blockFractions[$0.name] ?? 1) }
        let x = g.withUnsafeBufferPointer { r.solve($0.baseAddress!, gLeak: neuron.leakConductance, gs: m.gs, gu: m.gu) }
        guard x.0.isFinite, x.1.isFinite else {
            throw .invalidValue(field: "neuromodulation.conductances", value: .nan,
                                reason: "\(m.conductances.joined(separator: " and ")) cannot set g_s and g_u at V_th = \(m.thresholdVoltage) mV (the compensation solve is singular or has no solution)")
        }
        modulation = m
        reference = r
        initial = (neuron.gbar(m.conductances[0])!, neuron.gbar(m.conductances[1])!)
    }

    /// Index of X's first state (ḡ_X; the pool and z follow).
    @inline(__always) private static func first(_ c: Int) -> Int { 3 * c }

    /// Per X: ḡ_X (τ = 1/α) and the pool (τ = 1/(α + β)), tolerance 1e-6 of X's initial size (mS/cm²);
    /// z_X at a constant rate, tolerance 1e-6 of its steady-state start β ḡ_X/K_i (mS cm⁻² ms).
    var states: [MechanismState] {
        let m = modulation
        return zip(m.conductances, [initial.0, initial.1]).flatMap { n, g in
            [MechanismState(name: "\(n).gbar", unit: "mS/cm²", absoluteTolerance: 1e-6 * max(g, 1e-3), fixedDecayRate: m.alpha),
             MechanismState(name: "\(n).pool", unit: "mS/cm²", absoluteTolerance: 1e-6 * max(g, 1e-3), fixedDecayRate: m.alpha + m.beta),
             MechanismState(name: "\(n).z", unit: "mS cm⁻² ms", absoluteTolerance: 1e-6 * max(m.beta * g / m.ki, 1e-3),
                            fixedTimeConstant: .infinity)]
        }
    }

    var readsCalciumCurrent: Bool { false }
    var readsConductances: Bool { true }

    var drivenConductances: [DrivenConductance] {
        modulation.conductances.enumerated().map { DrivenConductance(conductance: $1, state: Self.first($0)) }
    }

    func validate(for neuron: NeuronDescription) throws(ModelError) {}

    func initialStates(_ neuron: NeuronDescription, signals: CellSignals, into x: MechanismStates) {
        let m = modulation
        for (c, g) in [initial.0, initial.1].enumerated() {
            x[Self.first(c)] = g
            x[Self.first(c) + 1] = g
            x[Self.first(c) + 2] = m.integratorStart == .steadyState ? m.beta * g / m.ki : 0
        }
    }

    /// The reference's solve from the conductances in effect (`ControllerReference.detailedSolution`; `near`:
    /// a nearby problem's solution to start from).
    @inline(__always)
    func solution(_ conductances: CellConductances, near: (c: Double, exact: Bool)? = nil) -> (x: (Double, Double), exact: Bool, c: Double) {
        let channels = conductances.count - 1
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: channels) { g in
            conductances.write(channels, into: g.baseAddress!)
            return reference.detailedSolution(g.baseAddress!, gLeak: conductances[channels], gs: modulation.gs, gu: modulation.gu, near: near)
        }
    }

    func derivatives(_ x: MechanismStates, signals: CellSignals, into dx: MechanismStates) {
        derivatives(x.core, reference: solution(signals.conductances).x, into: dx.core)
    }

    /// The derivatives (ḡ, pool, integrator per X) at the states `y` (all core) given the reference.
    @inline(__always)
    private func derivatives(_ y: UnsafeMutablePointer<Double>, reference r: (Double, Double), into dy: UnsafeMutablePointer<Double>) {
        let m = modulation
        for k in 0..<2 {
            let gbar = Self.first(k), pool = gbar + 1, z = gbar + 2
            let e = (k == 0 ? r.0 : r.1) - y[gbar]
            let v = m.kp * e + m.ki * y[z]
            let u = m.antiWindup ? min(v, m.uMax) : v
            dy[pool] = m.alpha * (y[gbar] - y[pool]) - m.beta * y[pool] + u
            dy[gbar] = m.alpha * (y[pool] - y[gbar])
            dy[z] = m.antiWindup ? e + m.kt * (u - v) : e
        }
    }

    func jacobian(_ x: MechanismStates, signals: CellSignals,
                  dStates: UnsafeMutablePointer<Double>, dSignals: UnsafeMutablePointer<Double>) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 6 * max(signals.conductances.count, 1)) {
            jacobian(x, signals: signals, dStates: dStates, dSignals: dSignals, dConductances: $0.baseAddress!)
        }
    }

    func jacobian(_ x: MechanismStates, signals: CellSignals, dStates: UnsafeMutablePointer<Double>,
                  dSignals: UnsafeMutablePointer<Double>, dConductances: UnsafeMutablePointer<Double>) {
        let m = modulation, view = signals.conductances, count = view.count, channels = count - 1
        dStates.update(repeating: 0, count: 36)
        dSignals.update(repeating: 0, count: 18)
        dConductances.update(repeating: 0, count: 6 * count)
        // The reference at y, and where its solve ended: the perturbed solves below start there, so they
        // stay on its branch and cost a few evaluations each.
        // The unperturbed value is solved again from there too, so that it and the perturbed ones take the
        // same iterations and their rounding cancels in the difference quotients.
        let solved = solution(view)
        let near = (c: solved.c, exact: solved.exact)
        let r0 = solution(view, near: near).x
        // Sensitivity of the reference to each state that sets another channel's conductance or the leak.
        withUnsafeTemporaryAllocation(of: (column: Int, d0: Double, d1: Double).self, capacity: count) { dRef in
            var found = 0
            withUnsafeTemporaryAllocation(of: Double.self, capacity: max(channels, 1)) { buffer in
                let g = buffer.baseAddress!
                view.write(channels, into: g)
                let gl = view[channels]
                let own = reference.unknowns
                for j in 0..<channels where j != own.0 && j != own.1 {
                    guard let slope = view.slope(j) else { continue }
                    let h = 1e-7 * max(g[j], 1e-6)
                    let saved = g[j]
                    g[j] = saved + h
                    let r = reference.detailedSolution(g, gLeak: gl, gs: m.gs, gu: m.gu, near: near).x
                    g[j] = saved
                    dRef[found] = (j, slope * (r.0 - r0.0) / h, slope * (r.1 - r0.1) / h)
                    found += 1
                }
                if let slope = view.slope(channels) {
                    let h = 1e-7 * max(gl, 1e-9)
                    let r = reference.detailedSolution(g, gLeak: gl + h, gs: m.gs, gu: m.gu, near: near).x
                    dRef[found] = (channels, slope * (r.0 - r0.0) / h, slope * (r.1 - r0.1) / h)
                    found += 1
                }
            }
            for c in 0..<2 {
                let gbar = Self.first(c), pool = gbar + 1, z = gbar + 2
                let e = (c == 0 ? r0.0 : r0.1) - x[gbar]
                let v = m.kp * e + m.ki * x[z]
                let saturated = m.antiWindup && v > m.uMax
                let dUdE = saturated ? 0 : m.kp, dUdZ = saturated ? 0 : m.ki
                let dZdE = m.antiWindup ? 1 + m.kt * (dUdE - m.kp) : 1
                let dZdZ = m.antiWindup ? m.kt * (dUdZ - m.ki) : 0
                dStates[pool * 6 + pool] = -m.alpha - m.beta
                dStates[pool * 6 + gbar] = m.alpha - dUdE
                dStates[pool * 6 + z] = dUdZ
                dStates[gbar * 6 + pool] = m.alpha
                dStates[gbar * 6 + gbar] = -m.alpha
                dStates[z * 6 + gbar] = -dZdE
                dStates[z * 6 + z] = dZdZ
                for i in 0..<found {
                    let d = dRef[i]
                    let dr = c == 0 ? d.d0 : d.d1
                    dConductances[pool * count + d.column] = dUdE * dr
                    dConductances[z * count + d.column] = dZdE * dr
                }
            }
        }
    }

    /// The pool relaxes to (α ḡ + u)/(α + β) with τ = 1/(α + β), ḡ to the pool with τ = 1/α; z moves at a
    /// constant rate.
    func linearForm(_ x: MechanismStates, signals: CellSignals, steadyState: MechanismStates, timeConstant: MechanismStates) {
        let m = modulation, y = x.core, inf = steadyState.core, tau = timeConstant.core
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 6) { buffer in
            let dy = buffer.baseAddress!
            derivatives(y, reference: solution(signals.conductances).x, into: dy)
            for k in 0..<2 {
                let gbar = Self.first(k), pool = gbar + 1, z = gbar + 2
                let u = dy[pool] - m.alpha * (y[gbar] - y[pool]) + m.beta * y[pool]
                inf[pool] = (m.alpha * y[gbar] + u) / (m.alpha + m.beta)
                tau[pool] = 1 / (m.alpha + m.beta)
                inf[gbar] = y[pool]
                tau[gbar] = 1 / m.alpha
                inf[z] = dy[z]
                tau[z] = .infinity
            }
        }
    }
}

extension CompiledNeuron {
    /// The controller's reference solve at state y (nil without a controller).
    func referenceSolution(_ y: UnsafePointer<Double>) -> (x: (Double, Double), exact: Bool, c: Double)? {
        controller.map { $0.solution(conductanceSources.view(y)) }
    }

    /// Whether the controller's reference at state y meets the DIC targets exactly: false past a fold of the
    /// exact problem, where it is the closest approach (`ControllerReference.solution`); true without a controller.
    public func controllerReferenceIsExact(state y: UnsafePointer<Double>) -> Bool {
        referenceSolution(y)?.exact ?? true
    }

    /// Whether the controller's reference can be inexact (the exact STG reference, nonlinear in ḡ_CaS).
    public var controllerReferenceCanFold: Bool { controller?.reference.iterates ?? false }

    /// The reference ḡ^ref of the modulated conductances at state y, by name (empty without a controller).
    public func controllerReference(state y: [Double]) -> [String: Double] {
        guard let m = controller?.modulation else { return [:] }
        let r = y.withUnsafeBufferPointer { referenceSolution($0.baseAddress!)!.x }
        return [m.conductances[0]: r.0, m.conductances[1]: r.1]
    }
}
