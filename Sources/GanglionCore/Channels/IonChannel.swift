/// The ion a current carries; it picks the reversal potential a cell assigns to the channel.
public enum Ion: String, Sendable, Codable, CaseIterable {
    case sodium, calcium, potassium, hcn, nonspecific
}

/// A voltage-gated (and possibly calcium-gated) ionic conductance of Hodgkin–Huxley form:
///
///     I = ḡ · m^p · h^q · (V − E)        (µA/cm², with ḡ in mS/cm², V and E in mV)
///     dx/dt = (x∞(V, Ca) − x) / τ_x(V)   for x ∈ {m, h}
///
/// A channel is a namespace of gating functions: it carries no state and no parameters. ḡ, E and
/// modifiers (such as a time-constant factor) belong to the cell that uses the channel. The gating
/// functions are generic over `GateScalar` so that the same code gives values (`Double`) and exact
/// derivatives (`Dual`).
///
/// Adding a channel means one file with one type conforming to this protocol.
public protocol IonChannel: Sendable {
    /// Short name from the literature, used in model files and state names (`Na`, `CaS`, `KCa`…).
    static var name: String { get }
    /// The ion carried (selects the reversal potential).
    static var ion: Ion { get }
    /// Activation exponent p.
    static var activationExponent: Int { get }
    /// Inactivation exponent q (0: no inactivation gate, 1: one gate).
    static var inactivationExponent: Int { get }
    /// Whether m∞ depends on the intracellular calcium concentration.
    static var calciumGated: Bool { get }

    /// Steady-state activation m∞(V, Ca) (dimensionless). `V` in mV, `Ca` in the model's units.
    static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T
    /// Activation time constant τ_m(V) in ms.
    static func tauM<T: GateScalar>(_ V: T) -> T
    /// Steady-state inactivation h∞(V); unused when `inactivationExponent == 0`.
    static func hInf<T: GateScalar>(_ V: T) -> T
    /// Inactivation time constant τ_h(V) in ms; unused when `inactivationExponent == 0`.
    static func tauH<T: GateScalar>(_ V: T) -> T

    // Kernels used by the compiled right-hand side. They have default implementations (in
    // `IonChannel+Kernels.swift`); being requirements, each channel gets its own specialised copy.

    /// Writes the gates' time derivatives (1/ms) to `d[0..<gateCount]` and returns the open fraction m^p h^q.
    static func gateDerivatives(V: Double, calcium Ca: Double, gates: UnsafePointer<Double>,
                                tauScale: Double, into d: UnsafeMutablePointer<Double>) -> Double
    /// Writes each gate's steady state and time constant (ms, including `tauScale`).
    static func gateSteadyStates(V: Double, calcium Ca: Double, tauScale: Double,
                                 inf: UnsafeMutablePointer<Double>, tau: UnsafeMutablePointer<Double>)
    /// The open fraction m^p h^q and its partial derivatives by each gate (written to `dOpen`).
    static func openFraction(gates: UnsafePointer<Double>, dOpen: UnsafeMutablePointer<Double>) -> Double
    /// Exact partial derivatives of each gate's dx/dt with respect to V, Ca and x itself.
    static func gateJacobian(V: Double, calcium Ca: Double, gates: UnsafePointer<Double>, tauScale: Double,
                             dV: UnsafeMutablePointer<Double>, dCa: UnsafeMutablePointer<Double>,
                             dSelf: UnsafeMutablePointer<Double>)
}

extension IonChannel {
    public static var inactivationExponent: Int { 0 }
    public static var calciumGated: Bool { false }
    public static func hInf<T: GateScalar>(_ V: T) -> T { 1 }
    public static func tauH<T: GateScalar>(_ V: T) -> T { 1 }
    /// Number of state variables (gates) the channel adds.
    public static var gateCount: Int { 1 + inactivationExponent }
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
