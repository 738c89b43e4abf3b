/// The ion a current carries; it picks the reversal potential a cell assigns to the channel.
public enum Ion: String, Sendable, Codable, CaseIterable {
    case sodium, calcium, potassium, hcn, nonspecific
}

/// Per-cell parameters that modify a channel's kinetics without changing its identity.
public struct ChannelContext: Sendable, Equatable {
    /// Factor on every time constant of the channel (dimensionless; e.g. the network's k_KCa).
    public var tauScale: Double
    /// Extracellular magnesium (mM), for Mg-blocked channels (NMDA).
    public var magnesium: Double
    /// Modifiers with time-constant factor `tauScale` (dimensionless) and magnesium `magnesium` (mM);
    /// defaults: unscaled kinetics, 1.4 mM.
    public init(tauScale: Double = 1, magnesium: Double = 1.4) {
        self.tauScale = tauScale
        self.magnesium = magnesium
    }
}

/// The gates of one channel for the DICs (one or two), without a heap allocation: the DICs of the
/// controller's reference are evaluated at every right-hand-side evaluation.
public struct DICGates: RandomAccessCollection, Sendable, Equatable {
    /// The first gate (the activation m of a Hodgkin–Huxley channel).
    public let first: DICGate
    let second: DICGate
    /// Number of gates: 1 or 2.
    public let count: Int
    /// The gates `a` and, for a channel with two, `b`.
    public init(_ a: DICGate, _ b: DICGate? = nil) {
        first = a
        second = b ?? a
        count = b == nil ? 1 : 2
    }
    /// Index of the first gate, 0.
    public var startIndex: Int { 0 }
    /// One past the last gate's index: `count`.
    public var endIndex: Int { count }
    /// Gate `i` (0: the first, 1: the second).
    public subscript(i: Int) -> DICGate { i == 0 ? first : second }
}

/// What the DIC computation needs to know about one gating variable at steady state.
public struct DICGate: Sendable, Equatable {
    /// ∂(open fraction)/∂x at steady state.
    public var openSlope: Double
    /// dx∞/dV (1/mV).
    public var voltageSlope: Double
    /// ∂x∞/∂Ca (per calcium unit); non-zero only for calcium-gated channels.
    public var calciumSlope: Double
    /// τ_x(V) in ms (0: instantaneous, fully fast; ≥ 1e5: ultraslow).
    public var tau: Double
    /// A gate's DIC terms: ∂open/∂x, dx∞/dV (1/mV), ∂x∞/∂Ca (per calcium unit; default 0) and τ_x (ms).
    public init(openSlope: Double, voltageSlope: Double, calciumSlope: Double = 0, tau: Double) {
        self.openSlope = openSlope
        self.voltageSlope = voltageSlope
        self.calciumSlope = calciumSlope
        self.tau = tau
    }
}

/// An ionic conductance I = ḡ · open(states, V) · (V − E) (µA/cm², ḡ in mS/cm², V and E in mV).
///
/// The default (Hodgkin–Huxley) form: open = m^p h^q and dx/dt = (x∞(V, Ca) − x)/τ_x(V) for x ∈ {m, h}.
/// Such a channel only states its gating functions (`mInf`, `tauM`, `hInf`, `tauH`, exponents); every
/// kernel below has a default implementation. Channels of another form (a kinetic scheme, an
/// instantaneous block) override the kernels they need.
///
/// A channel is a namespace: it carries no state and no parameters. ḡ, E and modifiers belong to the cell
/// that uses it. The gating functions are generic over `GateScalar` so that the same code gives values
/// (`Double`) and exact derivatives (`Dual`). Adding a channel means one file with one type.
public protocol IonChannel: Sendable {
    /// Short name from the literature, used in model files and state names (`Na`, `CaS`, `KCa`…).
    static var name: String { get }
    /// The ion carried (selects the reversal potential).
    static var ion: Ion { get }
    /// Activation exponent p (Hodgkin–Huxley form).
    static var activationExponent: Int { get }
    /// Inactivation exponent q (0: no inactivation gate, 1: one gate).
    static var inactivationExponent: Int { get }
    /// Whether m∞ depends on the intracellular calcium concentration.
    static var calciumGated: Bool { get }
    /// Number of state variables the channel adds (HH: 1 + q).
    static var stateCount: Int { get }
    /// Names of the states (`m`, `h`, or a kinetic scheme's `o`, `i`).
    static var stateNames: [String] { get }
    /// Whether the states are coupled to each other (a kinetic scheme): they then join the dense core
    /// block of the Newton matrix instead of its diagonal.
    static var coupledStates: Bool { get }
    /// Whether the channel's states are exactly its Hodgkin–Huxley gates (`m`, and `h` when q = 1) with
    /// x∞ and τ given by `mInf`, `tauM`, `hInf`, `tauH`, and its open fraction is m^p h^q: the exponential
    /// integrator may then tabulate its gate updates over V (`GateTable`). A channel that overrides
    /// `linearForm` or `openFraction` must say `false`.
    static var tabulatesRates: Bool { get }

    /// Steady-state activation m∞(V, Ca) (dimensionless). `V` in mV, `Ca` in the model's units.
    static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T
    /// Activation time constant τ_m(V) in ms.
    static func tauM<T: GateScalar>(_ V: T) -> T
    /// Steady-state inactivation h∞(V); unused when `inactivationExponent == 0`.
    static func hInf<T: GateScalar>(_ V: T) -> T
    /// Inactivation time constant τ_h(V) in ms; unused when `inactivationExponent == 0`.
    static func tauH<T: GateScalar>(_ V: T) -> T

    // Kernels of the compiled right-hand side (default implementations in `IonChannel+Kernels.swift`).
    // Being requirements, each channel gets its own specialised copy.

    /// m∞(V, Ca) on `Double`, specialised for the channel (the tabulated integrator calls it for a
    /// calcium-gated m∞, which a voltage table cannot hold).
    static func activationSteadyState(V: Double, calcium Ca: Double) -> Double
    /// For a calcium-gated channel whose m∞ factors as m∞(V, Ca) = a(V) · b(Ca): b(Ca) (dimensionless),
    /// so the tabulated integrator can read a(V) from its voltage table and multiply. Nil (the default)
    /// when m∞ does not factor; the integrator then calls `activationSteadyState` at every step.
    static func activationCalciumFactor(_ Ca: Double) -> Double?
    /// m∞, τ_m (ms), h∞ and τ_h (ms) at a dual-number V (values and V-derivatives), m∞ at calcium Ca;
    /// specialised for the channel (the gate tables are built from it).
    static func gateRates(V: Dual, calcium Ca: Double) -> (mInf: Dual, tauM: Dual, hInf: Dual, tauH: Dual)
    /// Writes the initial states (default: steady state at V₀, Ca₀).
    static func initialStates(V: Double, calcium Ca: Double, context: ChannelContext, into s: UnsafeMutablePointer<Double>)
    /// Writes the states' time derivatives (1/ms) to `d[0..<stateCount]` and returns the open fraction.
    static func stateDerivatives(V: Double, calcium Ca: Double, states: UnsafePointer<Double>,
                                 context: ChannelContext, into d: UnsafeMutablePointer<Double>) -> Double
    /// Each state's x∞ and τ (ms) with the other states frozen: dx/dt = (x∞ − x)/τ (for Rush–Larsen).
    static func linearForm(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                           inf: UnsafeMutablePointer<Double>, tau: UnsafeMutablePointer<Double>)
    /// The open fraction; writes ∂open/∂state to `dOpen[0..<stateCount]` and ∂open/∂V to `dOpen[stateCount]`.
    static func openFraction(V: Double, states: UnsafePointer<Double>, context: ChannelContext,
                             dOpen: UnsafeMutablePointer<Double>) -> Double
    /// Exact partial derivatives of each state's derivative: by V (`dV`), by Ca (`dCa`) and by the
    /// channel's own states (`dLocal`, row-major stateCount × stateCount).
    static func stateJacobian(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                              dV: UnsafeMutablePointer<Double>, dCa: UnsafeMutablePointer<Double>,
                              dLocal: UnsafeMutablePointer<Double>)
    /// Steady-state open fraction at (V, Ca) and, per gating variable, what the DICs need.
    static func dicTerms(V: Double, calcium Ca: Double, context: ChannelContext) -> (open: Double, gates: DICGates)
    /// Steady-state open fraction as a function of V and Ca, generic (for dCa∞/dV by dual numbers).
    static func steadyOpenFraction<T: GateScalar>(_ V: T, calcium Ca: T, context: ChannelContext) -> T
}

extension IonChannel {
    /// Default: 0, no inactivation gate.
    public static var inactivationExponent: Int { 0 }
    /// Default: false, m∞ depends on V only.
    public static var calciumGated: Bool { false }
    /// Default: nil, m∞ is not known to factor into a(V) · b(Ca).
    public static func activationCalciumFactor(_ Ca: Double) -> Double? { nil }
    /// Default: 1 + q (the Hodgkin–Huxley gates m and, if any, h).
    public static var stateCount: Int { 1 + inactivationExponent }
    /// Default: `m`, and `h` when the channel inactivates.
    public static var stateNames: [String] { inactivationExponent > 0 ? ["m", "h"] : ["m"] }
    /// Default: false, independent Hodgkin–Huxley gates.
    public static var coupledStates: Bool { false }
    /// Default: true for independent Hodgkin–Huxley gates (1 + q states, not coupled).
    public static var tabulatesRates: Bool { !coupledStates && stateCount == 1 + inactivationExponent }
    /// Default: 1, for channels without inactivation.
    public static func hInf<T: GateScalar>(_ V: T) -> T { 1 }
    /// Default: 1 ms, unused without inactivation.
    public static func tauH<T: GateScalar>(_ V: T) -> T { 1 }
}

/// Boltzmann steady state B(V; a, b) = 1 / (1 + exp((V + a)/b)).
@inlinable @inline(__always)
public func boltzmann<T: GateScalar>(_ V: T, _ a: Double, _ b: Double) -> T {
    1 / (1 + T.exp((V + T(a)) / T(b)))
}

/// Sigmoidal time constant T(V; a, b, d, e) = a − b / (1 + exp((V + d)/e)) (ms).
@inlinable @inline(__always)
public func sigmoidTau<T: GateScalar>(_ V: T, _ a: Double, _ b: Double, _ d: Double, _ e: Double) -> T {
    T(a) - T(b) / (1 + T.exp((V + T(d)) / T(e)))
}
