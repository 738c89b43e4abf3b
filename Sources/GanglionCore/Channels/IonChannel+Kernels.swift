/// Integer power by repeated multiplication (p is 0…4 in the models here).
@inlinable @inline(__always)
func integerPower(_ x: Double, _ p: Int) -> Double {
    switch p {
    case 0: return 1
    case 1: return x
    case 2: return x * x
    case 3: return x * x * x
    case 4: let x2 = x * x; return x2 * x2
    default:
        var r = 1.0
        for _ in 0..<p { r *= x }
        return r
    }
}

@inlinable @inline(__always)
func integerPower<T: GateScalar>(_ x: T, _ p: Int) -> T {
    var r: T = 1
    for _ in 0..<p { r = r * x }
    return r
}

// The Hodgkin–Huxley kernels, from the gating functions.
extension HodgkinHuxleyChannel {
    /// m∞(V, Ca).
    @inlinable
    public func activationSteadyState(V: Double, calcium Ca: Double) -> Double { mInf(V, calcium: Ca) }

    /// The gating functions on dual numbers.
    @inlinable
    public func gateRates(V: Dual, calcium Ca: Double) -> (mInf: Dual, tauM: Dual, hInf: Dual, tauH: Dual) {
        (mInf(V, calcium: Dual(Ca)), tauM(V), hInf(V), tauH(V))
    }

    /// Hodgkin–Huxley default: m = m∞(V, Ca) and h = h∞(V), at rest.
    @inlinable
    public func initialStates(V: Double, calcium Ca: Double, context: ChannelContext, into s: UnsafeMutablePointer<Double>) {
        s[0] = mInf(V, calcium: Ca)
        if inactivationExponent > 0 { s[1] = hInf(V) }
    }

    /// Hodgkin–Huxley default: dx/dt = (x∞ − x)/(k τ_x) (1/ms), k the time-constant factor; returns m^p h^q.
    @inlinable
    public func stateDerivatives(V: Double, calcium Ca: Double, states: UnsafePointer<Double>,
                                        context: ChannelContext, into d: UnsafeMutablePointer<Double>) -> Double {
        let m = states[0]
        d[0] = (mInf(V, calcium: Ca) - m) / (context.tauScale * tauM(V))
        var open = integerPower(m, activationExponent)
        if inactivationExponent > 0 {
            let h = states[1]
            d[1] = (hInf(V) - h) / (context.tauScale * tauH(V))
            open *= integerPower(h, inactivationExponent)
        }
        return open
    }

    /// Hodgkin–Huxley default: x∞ and k τ_x (ms) of m and h, exactly the gates' own linear kinetics.
    @inlinable
    public func linearForm(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                  inf: UnsafeMutablePointer<Double>, tau: UnsafeMutablePointer<Double>) {
        inf[0] = mInf(V, calcium: Ca)
        tau[0] = context.tauScale * tauM(V)
        if inactivationExponent > 0 {
            inf[1] = hInf(V)
            tau[1] = context.tauScale * tauH(V)
        }
    }

    /// Hodgkin–Huxley default: m^p h^q, with ∂/∂m, ∂/∂h and ∂/∂V = 0.
    @inlinable
    public func openFraction(V: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                    dOpen: UnsafeMutablePointer<Double>) -> Double {
        let p = activationExponent, q = inactivationExponent
        let m = states[0]
        let mp = integerPower(m, p)
        if q == 0 {
            dOpen[0] = Double(p) * integerPower(m, p - 1)
            dOpen[1] = 0
            return mp
        }
        let h = states[1]
        let hq = integerPower(h, q)
        dOpen[0] = Double(p) * integerPower(m, p - 1) * hq
        dOpen[1] = mp * Double(q) * integerPower(h, q - 1)
        dOpen[2] = 0
        return mp * hq
    }

    /// Hodgkin–Huxley default: exact derivatives by dual numbers; the gates are uncoupled (diagonal `dLocal`).
    @inlinable
    public func stateJacobian(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                     dV: UnsafeMutablePointer<Double>, dCa: UnsafeMutablePointer<Double>,
                                     dLocal: UnsafeMutablePointer<Double>) {
        // d/dV [(x∞ − x)/τ] = x∞′/τ − (x∞ − x)·τ′/τ²
        let k = context.tauScale
        let (mi, tm, hi, th) = gateRates(V: Dual.variable(V), calcium: Ca)
        let tau = k * tm.value
        dV[0] = mi.derivative / tau - (mi.value - states[0]) * k * tm.derivative / (tau * tau)
        dCa[0] = calciumGated ? mInf(Dual(V), calcium: Dual.variable(Ca)).derivative / tau : 0
        if inactivationExponent > 0 {
            let tauh = k * th.value
            dV[1] = hi.derivative / tauh - (hi.value - states[1]) * k * th.derivative / (tauh * tauh)
            dCa[1] = 0
            dLocal[0] = -1 / tau; dLocal[1] = 0
            dLocal[2] = 0; dLocal[3] = -1 / tauh
        } else {
            dLocal[0] = -1 / tau
        }
    }

    /// Hodgkin–Huxley default: m∞^p h∞^q at (V, Ca), and the m (and h) gate terms by dual numbers.
    public func dicTerms(V: Double, calcium Ca: Double, context: ChannelContext) -> (open: Double, gates: DICGates) {
        let p = activationExponent, q = inactivationExponent
        let m = mInf(Dual.variable(V), calcium: Dual(Ca))
        let mCa = calciumGated ? mInf(Dual(V), calcium: Dual.variable(Ca)).derivative : 0
        let tm = context.tauScale * tauM(V)
        let h = q > 0 ? hInf(Dual.variable(V)) : Dual(1)
        let hq = integerPower(h.value, q)
        let mp = integerPower(m.value, p)
        let gm = DICGate(openSlope: Double(p) * integerPower(m.value, p - 1) * hq, voltageSlope: m.derivative,
                         calciumSlope: mCa, tau: tm)
        guard q > 0 else { return (mp * hq, DICGates(gm)) }
        return (mp * hq, DICGates(gm, DICGate(openSlope: mp * Double(q) * integerPower(h.value, q - 1), voltageSlope: h.derivative,
                                              tau: context.tauScale * tauH(V))))
    }

    /// Hodgkin–Huxley default: m∞(V, Ca)^p h∞(V)^q.
    @inlinable
    public func steadyOpenFraction<T: GateScalar>(_ V: T, calcium Ca: T, context: ChannelContext) -> T {
        integerPower(mInf(V, calcium: Ca), activationExponent) * integerPower(hInf(V), inactivationExponent)
    }
}

/// A channel of the Hodgkin–Huxley form as a value: it states its gating functions and exponents, and
/// every kernel of `ChannelKinetics` comes from them (the defaults above): open = m^p h^q and
/// dx/dt = (x∞ − x)/(k τ_x) for x ∈ {m, h}.
public protocol HodgkinHuxleyChannel: ChannelKinetics {}

extension HodgkinHuxleyChannel {
    /// Default: 1 + q, the gates m and, if any, h.
    public var stateCount: Int { 1 + inactivationExponent }
    /// Default: `m`, and `h` when the channel inactivates.
    public var stateNames: [String] { inactivationExponent > 0 ? ["m", "h"] : ["m"] }
    /// Default: false, independent gates.
    public var coupledStates: Bool { false }
    /// Default: true, the gates' rates are tabulatable over V.
    public var tabulatesRates: Bool { true }
    /// Default: nil, m∞ is not known to factor.
    public func activationCalciumFactor(_ Ca: Double) -> Double? { nil }
}

/// The Hodgkin–Huxley kernels of a Swift channel type, from its static gating functions (the defaults of
/// `IonChannel`'s kernels).
@usableFromInline
struct StaticGating<Channel: IonChannel>: HodgkinHuxleyChannel {
    @inlinable init() {}
    @inlinable var name: String { Channel.name }
    @inlinable var ion: Ion { Channel.ion }
    @inlinable var activationExponent: Int { Channel.activationExponent }
    @inlinable var inactivationExponent: Int { Channel.inactivationExponent }
    @inlinable var calciumGated: Bool { Channel.calciumGated }
    @usableFromInline var kineticsIdentity: String { "\(ObjectIdentifier(Channel.self))" }
    @inlinable func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { Channel.mInf(V, calcium: Ca) }
    @inlinable func tauM<T: GateScalar>(_ V: T) -> T { Channel.tauM(V) }
    @inlinable func hInf<T: GateScalar>(_ V: T) -> T { Channel.hInf(V) }
    @inlinable func tauH<T: GateScalar>(_ V: T) -> T { Channel.tauH(V) }
}

// The Hodgkin–Huxley defaults of a Swift channel type's kernels.
extension IonChannel {
    /// m∞(V, Ca).
    @inlinable
    public static func activationSteadyState(V: Double, calcium Ca: Double) -> Double { mInf(V, calcium: Ca) }
    /// The gating functions on dual numbers.
    @inlinable
    public static func gateRates(V: Dual, calcium Ca: Double) -> (mInf: Dual, tauM: Dual, hInf: Dual, tauH: Dual) {
        StaticGating<Self>().gateRates(V: V, calcium: Ca)
    }
    /// Hodgkin–Huxley default: m = m∞(V, Ca) and h = h∞(V), at rest.
    @inlinable
    public static func initialStates(V: Double, calcium Ca: Double, context: ChannelContext, into s: UnsafeMutablePointer<Double>) {
        StaticGating<Self>().initialStates(V: V, calcium: Ca, context: context, into: s)
    }
    /// Hodgkin–Huxley default: dx/dt = (x∞ − x)/(k τ_x) (1/ms), k the time-constant factor; returns m^p h^q.
    @inlinable
    public static func stateDerivatives(V: Double, calcium Ca: Double, states: UnsafePointer<Double>,
                                        context: ChannelContext, into d: UnsafeMutablePointer<Double>) -> Double {
        StaticGating<Self>().stateDerivatives(V: V, calcium: Ca, states: states, context: context, into: d)
    }
    /// Hodgkin–Huxley default: x∞ and k τ_x (ms) of m and h, exactly the gates' own linear kinetics.
    @inlinable
    public static func linearForm(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                  inf: UnsafeMutablePointer<Double>, tau: UnsafeMutablePointer<Double>) {
        StaticGating<Self>().linearForm(V: V, calcium: Ca, states: states, context: context, inf: inf, tau: tau)
    }
    /// Hodgkin–Huxley default: m^p h^q, with ∂/∂m, ∂/∂h and ∂/∂V = 0.
    @inlinable
    public static func openFraction(V: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                    dOpen: UnsafeMutablePointer<Double>) -> Double {
        StaticGating<Self>().openFraction(V: V, states: states, context: context, dOpen: dOpen)
    }
    /// Hodgkin–Huxley default: exact derivatives by dual numbers; the gates are uncoupled (diagonal `dLocal`).
    @inlinable
    public static func stateJacobian(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                     dV: UnsafeMutablePointer<Double>, dCa: UnsafeMutablePointer<Double>,
                                     dLocal: UnsafeMutablePointer<Double>) {
        StaticGating<Self>().stateJacobian(V: V, calcium: Ca, states: states, context: context, dV: dV, dCa: dCa, dLocal: dLocal)
    }
    /// Hodgkin–Huxley default: m∞^p h∞^q at (V, Ca), and the m (and h) gate terms by dual numbers.
    public static func dicTerms(V: Double, calcium Ca: Double, context: ChannelContext) -> (open: Double, gates: DICGates) {
        StaticGating<Self>().dicTerms(V: V, calcium: Ca, context: context)
    }
    /// Hodgkin–Huxley default: m∞(V, Ca)^p h∞(V)^q.
    @inlinable
    public static func steadyOpenFraction<T: GateScalar>(_ V: T, calcium Ca: T, context: ChannelContext) -> T {
        StaticGating<Self>().steadyOpenFraction(V, calcium: Ca, context: context)
    }
}
