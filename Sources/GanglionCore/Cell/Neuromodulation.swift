/// The activity-dependent neuromodulation controller (Docs/science/controllers.md §2). For each modulated conductance X:
///
///     dḡ_X^i/dt = α (ḡ_X − ḡ_X^i) − β ḡ_X^i + u_X     (intracellular pool, mS/cm²)
///     dḡ_X/dt   = α (ḡ_X^i − ḡ_X)                      (membrane conductance)
///     dz_X/dt   = e_X + K_t (u_X − v_X)                 (integrator, mS/cm² ms)
///     e_X = ḡ_X^ref − ḡ_X,  v_X = K_p e_X + K_i z_X,  u_X = min(v_X, u_max)   (anti-windup by back-calculation)
///
/// Without anti-windup u_X = v_X and dz_X/dt = e_X (the authors' DA controller). The reference ḡ^ref solves
/// the compensation problem (Docs/science/dics.md §5) for the target g_s and g_u at the fixed threshold V_th with every
/// other conductance as it is at that instant (homeostatic states, blockades included), at every
/// right-hand-side evaluation.
public struct Neuromodulation: Sendable, Equatable {
    /// How the integrator starts.
    public enum IntegratorStart: String, Sendable, Equatable {
        /// z(0) = β ḡ(0)/K_i: the controller starts at its steady state (Ganglion's default).
        case steadyState = "steady-state"
        /// z(0) = 0 (the authors' network code).
        case zero
    }

    /// The two modulated conductances (CaS and A for STG; CaL and CaN for DA).
    public var conductances: [String]
    /// Target g_s and g_u at threshold (normalised by g_leak, Docs/science/dics.md §3).
    public var gs: Double, gu: Double
    /// V_th (mV), fixed for the whole run.
    public var thresholdVoltage: Double
    /// α, β (ms⁻¹); K_p (ms⁻¹); K_i (ms⁻²); K_t (ms); u_max (mS cm⁻² ms⁻¹).
    public var alpha = 5e-3, beta = 5e-3, kp = 3e-4, ki = 5e-6, kt = 1000.0, uMax = 1e7
    /// Anti-windup by back-calculation (default true); false: u_X = v_X and dz_X/dt = e_X.
    public var antiWindup = true
    /// How z starts (default at steady state).
    public var integratorStart = IntegratorStart.steadyState
    /// The reference solve: Ganglion's exact Ca∞ (`.exact`) or the authors' ḡ_CaS := 10 linearisation (`.paper`).
    public var variant: CompensationVariant = .exact

    /// A controller of `conductances` with targets `gs`, `gu` (dimensionless) at V_th = `thresholdVoltage`
    /// (mV), with the default gains, anti-windup and a steady-state start.
    public init(conductances: [String], gs: Double, gu: Double, thresholdVoltage: Double) {
        self.conductances = conductances
        self.gs = gs
        self.gu = gu
        self.thresholdVoltage = thresholdVoltage
    }

    func validate(_ neuron: NeuronDescription) throws(ModelError) {
        guard conductances.count == 2, Set(conductances).count == 2 else {
            throw .invalidValue(field: "neuromodulation.conductances", value: Double(conductances.count), reason: "must name two different conductances")
        }
        for c in conductances where !neuron.conductances.contains(where: { $0.name == c }) {
            throw .invalidValue(field: "neuromodulation.conductances.\(c)", value: .nan, reason: "no such channel")
        }
        if let h = neuron.homeostasis {
            for c in conductances where h.timeConstants[c] != nil {
                throw .invalidValue(field: "neuromodulation.conductances.\(c)", value: .nan,
                                    reason: "is also regulated by homeostasis: the regulated and modulated sets must be disjoint")
            }
        }
        guard neuron.dicReferences != nil else {
            throw .invalidValue(field: "neuromodulation", value: .nan, reason: "the model family '\(neuron.kind)' has no DIC reference time constants")
        }
        for (name, v) in [("g_s", gs), ("g_u", gu), ("V_th", thresholdVoltage)] where !v.isFinite {
            throw .invalidValue(field: "neuromodulation.\(name)", value: v, reason: "must be finite")
        }
        for (name, v) in [("alpha", alpha), ("beta", beta), ("K_p", kp), ("K_i", ki), ("K_t", kt), ("u_max", uMax)] where !(v.isFinite && v > 0) {
            throw .invalidValue(field: "neuromodulation.\(name)", value: v, reason: "must be > 0")
        }
    }
}
