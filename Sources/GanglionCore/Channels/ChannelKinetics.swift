/// The kinetics of one ionic channel as a value: what a cell's `Conductance` refers to, and what the
/// compiled right-hand side, the exact Jacobian, the exponential integrator, the rate tables and the DICs
/// call.
///
/// Two kinds of value conform: a Swift channel type (`IonChannel`) wrapped as `StaticChannel`, whose
/// functions are compiled and specialised, and a channel declared in a file (`DeclaredChannel`), whose
/// functions are expressions evaluated when the rate tables are built. The members mirror `IonChannel`'s;
/// see there for units and meaning.
public protocol ChannelKinetics: Sendable {
    /// Short name from the literature (`Na`, `CaS`, `KCa`…), used in model files and state names.
    var name: String { get }
    /// The ion carried (selects the reversal potential, and whether the current feeds the calcium pool).
    var ion: Ion { get }
    /// Activation exponent p.
    var activationExponent: Int { get }
    /// Inactivation exponent q (0: no inactivation gate).
    var inactivationExponent: Int { get }
    /// Whether m∞ depends on the intracellular calcium concentration.
    var calciumGated: Bool { get }
    /// Number of state variables the channel adds.
    var stateCount: Int { get }
    /// Names of the states (`m`, `h`, or a kinetic scheme's `o`, `i`).
    var stateNames: [String] { get }
    /// Whether the states are coupled to each other (a kinetic scheme).
    var coupledStates: Bool { get }
    /// Whether the exponential integrator may tabulate the gates' rates over V (`IonChannel.tabulatesRates`).
    var tabulatesRates: Bool { get }
    /// Equal for two values exactly when their kinetics are equal: cells share rate tables by it.
    var kineticsIdentity: String { get }
    /// A reversal potential the channel fixes (mV), or nil when the cell's reversal for `ion` applies.
    var fixedReversal: Double? { get }

    /// Steady-state activation m∞(V, Ca) (dimensionless; a kinetic scheme's open-state steady state).
    func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T
    /// Activation time constant τ_m(V) (ms), generic for exact derivatives (the DIC reference time constants).
    func tauM<T: GateScalar>(_ V: T) -> T
    /// Steady-state inactivation h∞(V) (1 without inactivation).
    func hInf<T: GateScalar>(_ V: T) -> T
    /// Inactivation time constant τ_h(V) (ms).
    func tauH<T: GateScalar>(_ V: T) -> T
    /// m∞(V, Ca) (dimensionless).
    func activationSteadyState(V: Double, calcium Ca: Double) -> Double
    /// b(Ca) when m∞(V, Ca) = a(V) · b(Ca) factors, else nil.
    func activationCalciumFactor(_ Ca: Double) -> Double?
    /// m∞, τ_m (ms), h∞ and τ_h (ms) at a dual-number V, m∞ at calcium Ca.
    func gateRates(V: Dual, calcium Ca: Double) -> (mInf: Dual, tauM: Dual, hInf: Dual, tauH: Dual)
    /// Writes the initial states at (V, Ca).
    func initialStates(V: Double, calcium Ca: Double, context: ChannelContext, into s: UnsafeMutablePointer<Double>)
    /// Writes the states' time derivatives (1/ms) and returns the open fraction.
    func stateDerivatives(V: Double, calcium Ca: Double, states: UnsafePointer<Double>,
                          context: ChannelContext, into d: UnsafeMutablePointer<Double>) -> Double
    /// Each state's x∞ and τ (ms) with the other states frozen.
    func linearForm(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                    inf: UnsafeMutablePointer<Double>, tau: UnsafeMutablePointer<Double>)
    /// The open fraction, with ∂open/∂state in `dOpen[0..<stateCount]` and ∂open/∂V in `dOpen[stateCount]`.
    func openFraction(V: Double, states: UnsafePointer<Double>, context: ChannelContext,
                      dOpen: UnsafeMutablePointer<Double>) -> Double
    /// Exact partial derivatives of the state derivatives by V, Ca and the channel's own states.
    func stateJacobian(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                       dV: UnsafeMutablePointer<Double>, dCa: UnsafeMutablePointer<Double>,
                       dLocal: UnsafeMutablePointer<Double>)
    /// Steady-state open fraction at (V, Ca) and, per gating variable, what the DICs need.
    func dicTerms(V: Double, calcium Ca: Double, context: ChannelContext) -> (open: Double, gates: DICGates)
    /// Steady-state open fraction as a function of V and Ca, generic (for dCa∞/dV by dual numbers).
    func steadyOpenFraction<T: GateScalar>(_ V: T, calcium Ca: T, context: ChannelContext) -> T
}

/// A Swift channel type (`IonChannel`) as a `ChannelKinetics` value: every member forwards to the type's
/// own (specialised) static member, so a built-in channel costs what it did as a type.
public struct StaticChannel<Channel: IonChannel>: ChannelKinetics {
    /// The wrapper of `Channel`.
    @inlinable public init() {}
    @inlinable public var name: String { Channel.name }
    @inlinable public var ion: Ion { Channel.ion }
    @inlinable public var activationExponent: Int { Channel.activationExponent }
    @inlinable public var inactivationExponent: Int { Channel.inactivationExponent }
    @inlinable public var calciumGated: Bool { Channel.calciumGated }
    @inlinable public var stateCount: Int { Channel.stateCount }
    @inlinable public var stateNames: [String] { Channel.stateNames }
    @inlinable public var coupledStates: Bool { Channel.coupledStates }
    @inlinable public var tabulatesRates: Bool { Channel.tabulatesRates }
    /// The Swift type's identity within the process (STG's and DA's `Kd` differ).
    public var kineticsIdentity: String { "\(ObjectIdentifier(Channel.self))" }
    @inlinable public func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { Channel.mInf(V, calcium: Ca) }
    @inlinable public func tauM<T: GateScalar>(_ V: T) -> T { Channel.tauM(V) }
    @inlinable public func hInf<T: GateScalar>(_ V: T) -> T { Channel.hInf(V) }
    @inlinable public func tauH<T: GateScalar>(_ V: T) -> T { Channel.tauH(V) }
    @inlinable public func activationSteadyState(V: Double, calcium Ca: Double) -> Double {
        Channel.activationSteadyState(V: V, calcium: Ca)
    }
    @inlinable public func activationCalciumFactor(_ Ca: Double) -> Double? { Channel.activationCalciumFactor(Ca) }
    @inlinable public func gateRates(V: Dual, calcium Ca: Double) -> (mInf: Dual, tauM: Dual, hInf: Dual, tauH: Dual) {
        Channel.gateRates(V: V, calcium: Ca)
    }
    @inlinable public func initialStates(V: Double, calcium Ca: Double, context: ChannelContext, into s: UnsafeMutablePointer<Double>) {
        Channel.initialStates(V: V, calcium: Ca, context: context, into: s)
    }
    @inlinable public func stateDerivatives(V: Double, calcium Ca: Double, states: UnsafePointer<Double>,
                                            context: ChannelContext, into d: UnsafeMutablePointer<Double>) -> Double {
        Channel.stateDerivatives(V: V, calcium: Ca, states: states, context: context, into: d)
    }
    @inlinable public func linearForm(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                      inf: UnsafeMutablePointer<Double>, tau: UnsafeMutablePointer<Double>) {
        Channel.linearForm(V: V, calcium: Ca, states: states, context: context, inf: inf, tau: tau)
    }
    @inlinable public func openFraction(V: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                        dOpen: UnsafeMutablePointer<Double>) -> Double {
        Channel.openFraction(V: V, states: states, context: context, dOpen: dOpen)
    }
    @inlinable public func stateJacobian(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                         dV: UnsafeMutablePointer<Double>, dCa: UnsafeMutablePointer<Double>,
                                         dLocal: UnsafeMutablePointer<Double>) {
        Channel.stateJacobian(V: V, calcium: Ca, states: states, context: context, dV: dV, dCa: dCa, dLocal: dLocal)
    }
    public func dicTerms(V: Double, calcium Ca: Double, context: ChannelContext) -> (open: Double, gates: DICGates) {
        Channel.dicTerms(V: V, calcium: Ca, context: context)
    }
    @inlinable public func steadyOpenFraction<T: GateScalar>(_ V: T, calcium Ca: T, context: ChannelContext) -> T {
        Channel.steadyOpenFraction(V, calcium: Ca, context: context)
    }
}

extension ChannelKinetics {
    /// Default: nil, the cell's reversal potential for the channel's ion applies.
    public var fixedReversal: Double? { nil }
}

extension IonChannel {
    /// This channel type as a value (`ChannelKinetics`).
    @inlinable public static var kinetics: any ChannelKinetics { StaticChannel<Self>() }
}
