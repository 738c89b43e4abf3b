import Foundation

/// A graded chemical synapse from a presynaptic to a postsynaptic cell (Docs/science/networks.md §2):
///
///     I_syn = ḡ s (V_post − E_syn),   ds/dt = (s∞(V_pre) − s) / τ_s(V_pre)
///
/// The current enters the postsynaptic membrane equation like an ionic current (outward positive).
public struct ChemicalSynapse: Sendable, Equatable {
    /// How s∞ and τ_s depend on the presynaptic voltage.
    public enum Kinetics: Sendable, Equatable {
        /// The paper's form: s∞(V) = tanh((V − V_th)/Δ) for V ≥ V_th, 0 below; τ_s constant.
        /// Thresholds, slopes in mV; τ in ms.
        case graded(threshold: Double, slope: Double, tau: Double)
        /// The Prinz et al. (2004) form: s∞(V) = 1/(1 + exp((V_half − V)/Δ)), τ_s = (1 − s∞)/k₋.
        /// V_half, Δ in mV; k₋ in 1/ms.
        case sigmoid(half: Double, slope: Double, kMinus: Double)

        /// The paper's graded inhibition: V_th = −50 mV, Δ = 10 mV, τ_s = 10 ms.
        public static let paper = Kinetics.graded(threshold: -50, slope: 10, tau: 10)
        /// Prinz's glutamatergic synapse: k₋ = 1/40 ms⁻¹ (E_syn = −70 mV).
        public static let glutamatergic = Kinetics.sigmoid(half: -35, slope: 5, kMinus: 0.025)
        /// Prinz's cholinergic synapse: k₋ = 1/100 ms⁻¹ (E_syn = −80 mV).
        public static let cholinergic = Kinetics.sigmoid(half: -35, slope: 5, kMinus: 0.01)
    }

    /// Presynaptic and postsynaptic cell names.
    public var pre: String, post: String
    /// Maximal conductance ḡ_syn (mS/cm²).
    public var gbar: Double
    /// Reversal potential E_syn (mV).
    public var reversal: Double
    /// How s∞ and τ_s depend on the presynaptic voltage.
    public var kinetics: Kinetics

    /// A synapse from `pre` onto `post` with ḡ_syn `gbar` (mS/cm²) and E_syn `reversal` (mV; default
    /// −75 mV, inhibitory), with the paper's graded kinetics by default.
    public init(from pre: String, to post: String, gbar: Double, reversal: Double = -75, kinetics: Kinetics = .paper) {
        self.pre = pre
        self.post = post
        self.gbar = gbar
        self.reversal = reversal
        self.kinetics = kinetics
    }

    /// s∞(V) (dimensionless).
    @inline(__always) public func steadyState(_ V: Double) -> Double { kinetics.steadyState(V) }

    /// τ_s(V) (ms).
    @inline(__always) public func timeConstant(_ V: Double) -> Double { kinetics.timeConstant(V) }

    /// A short description: `A → B (graded, 0.8 mS/cm², E −75 mV)`.
    public var summary: String {
        let form = switch kinetics {
        case .graded: "graded"
        case .sigmoid: "sigmoid"
        }
        return "\(pre) → \(post) (\(form), \(gbar) mS/cm², E \(reversal) mV)"
    }
}

/// A symmetric electrical synapse (gap junction): I_el,a = g_el (V_a − V_b), and the opposite current in b.
public struct ElectricalSynapse: Sendable, Equatable {
    /// Names of the two coupled cells.
    public var a: String, b: String
    /// Coupling conductance g_el (mS/cm²).
    public var conductance: Double
    /// A gap junction between cells `a` and `b` with coupling conductance `conductance` (mS/cm²).
    public init(_ a: String, _ b: String, conductance: Double) {
        self.a = a
        self.b = b
        self.conductance = conductance
    }
}
