import Foundation

/// The scalar a gating function is written over: `Double` for simulation, `Dual` for exact
/// derivatives (forward-mode automatic differentiation) in Jacobians and DICs.
public protocol GateScalar: Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    init(_ value: Double)
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Self) -> Self
    static prefix func - (operand: Self) -> Self
    /// e^x
    static func exp(_ x: Self) -> Self
    /// The natural logarithm ln x.
    static func log(_ x: Self) -> Self
    /// e^x − 1, accurate for small x.
    static func expm1(_ x: Self) -> Self
    /// The square root √x.
    static func sqrt(_ x: Self) -> Self
    /// The hyperbolic tangent tanh x.
    static func tanh(_ x: Self) -> Self
    /// The plain value (for comparisons, e.g. bounding a time constant).
    var primal: Double { get }
}

extension GateScalar {
    /// max(x, bound) where the bound is a constant: the result's derivative is 0 when bounded.
    @inlinable public func bounded(below bound: Double) -> Self { primal < bound ? Self(bound) : self }
}

/// The largest exponent the gating functions' e^x takes: larger arguments give e^300 ≈ 1.9·10¹³⁰.
///
/// Within the models' voltage range the arguments stay below 100, so nothing there changes. Far outside
/// it — a voltage an implicit integrator tries in a step it will reject, such as V = −10⁴ mV — an
/// unbounded e^x overflows: a time constant written c/(1 + e^x) becomes 0 and its gate's derivative
/// infinite or NaN, and CVODE stops instead of retrying a smaller step. Bounded, every rate stays below
/// about 10¹³⁰ /ms, and squares of such rates times error weights (CVODE's error norm) stay finite.
public let maximumGateExponent = 300.0

/// e^min(x, `maximumGateExponent`) (NaN stays NaN).
@inlinable @inline(__always)
public func boundedExp(_ x: Double) -> Double { Foundation.exp(x > maximumGateExponent ? maximumGateExponent : x) }

extension Double: GateScalar {
    /// The value itself.
    @inlinable public var primal: Double { self }
    /// e^x, its argument bounded by `maximumGateExponent`.
    @inlinable @inline(__always)
    public static func exp(_ x: Double) -> Double { boundedExp(x) }
    /// ln x.
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    /// e^x − 1.
    @inlinable public static func expm1(_ x: Double) -> Double { Foundation.expm1(x) }
    /// √x.
    @inlinable public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    /// tanh x.
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
}

/// A dual number `value + derivative·ε` with ε² = 0: evaluating f on `Dual(x, 1)` gives f(x) and f′(x)
/// exactly (to rounding), with no step size to choose.
public struct Dual: GateScalar, Equatable {
    /// The function's value.
    public var value: Double
    /// Its derivative with respect to the independent variable.
    public var derivative: Double

    /// A dual number with this value and derivative.
    @inlinable public init(_ value: Double, derivative: Double) {
        self.value = value
        self.derivative = derivative
    }
    /// A constant (derivative 0).
    @inlinable public init(_ value: Double) { self.init(value, derivative: 0) }
    /// The value, without the derivative.
    @inlinable public var primal: Double { value }
    /// A constant from a literal.
    @inlinable public init(floatLiteral value: Double) { self.init(value) }
    /// A constant from a literal.
    @inlinable public init(integerLiteral value: Int) { self.init(Double(value)) }
    /// The independent variable at `value` (derivative 1).
    @inlinable public static func variable(_ value: Double) -> Dual { Dual(value, derivative: 1) }

    /// Sum, with (a + b)′ = a′ + b′.
    @inlinable public static func + (a: Dual, b: Dual) -> Dual { Dual(a.value + b.value, derivative: a.derivative + b.derivative) }
    /// Difference, with (a − b)′ = a′ − b′.
    @inlinable public static func - (a: Dual, b: Dual) -> Dual { Dual(a.value - b.value, derivative: a.derivative - b.derivative) }
    /// Product, with (a b)′ = a′ b + a b′.
    @inlinable public static func * (a: Dual, b: Dual) -> Dual {
        Dual(a.value * b.value, derivative: a.derivative * b.value + a.value * b.derivative)
    }
    /// Quotient, with (a / b)′ = (a′ − (a / b) b′) / b.
    @inlinable public static func / (a: Dual, b: Dual) -> Dual {
        let q = a.value / b.value
        return Dual(q, derivative: (a.derivative - q * b.derivative) / b.value)
    }
    /// Negation, with (−a)′ = −a′.
    @inlinable public static prefix func - (a: Dual) -> Dual { Dual(-a.value, derivative: -a.derivative) }
    /// e^x, with derivative e^x · x′; beyond `maximumGateExponent` the constant e^300 (derivative 0).
    @inlinable public static func exp(_ x: Dual) -> Dual {
        guard !(x.value > maximumGateExponent) else { return Dual(boundedExp(maximumGateExponent)) }
        let e = Foundation.exp(x.value)
        return Dual(e, derivative: e * x.derivative)
    }
    /// e^x − 1, with derivative e^x · x′.
    @inlinable public static func expm1(_ x: Dual) -> Dual { Dual(Foundation.expm1(x.value), derivative: Foundation.exp(x.value) * x.derivative) }
    /// ln x, with derivative x′/x.
    @inlinable public static func log(_ x: Dual) -> Dual { Dual(Foundation.log(x.value), derivative: x.derivative / x.value) }
    /// √x, with derivative x′/(2√x).
    @inlinable public static func sqrt(_ x: Dual) -> Dual {
        let r = x.value.squareRoot()
        return Dual(r, derivative: x.derivative / (2 * r))
    }
    /// tanh x, with derivative (1 − tanh² x) x′.
    @inlinable public static func tanh(_ x: Dual) -> Dual {
        let t = Foundation.tanh(x.value)
        return Dual(t, derivative: (1 - t * t) * x.derivative)
    }
}
