import Foundation

/// A voltage-dependent gating function in one of the shapes channel files use most, evaluated by compiled
/// Swift instead of a `FormulaProgram`: the same operations in the same order as the program's (so the same
/// value to the last bit), without an interpreter's dispatch. With σ(a, b, c) = c / (1 + e^((V + a)/b)) and
/// Ca the intracellular calcium:
public enum GateForm: Sendable, Equatable {
    /// k
    case constant(Double)
    /// σ(a, b, c)
    case sigmoid(a: Double, b: Double, c: Double)
    /// k + σ(a, b, c)
    case constantPlusSigmoid(k: Double, a: Double, b: Double, c: Double)
    /// k − σ(a, b, c)
    case constantMinusSigmoid(k: Double, a: Double, b: Double, c: Double)
    /// k + c / (e^((V + a1)/b1) + e^((V + a2)/b2))
    case constantPlusOverExponentials(k: Double, c: Double, a1: Double, b1: Double, a2: Double, b2: Double)
    /// c / (e^((V + a1)/b1) + e^((V + a2)/b2))
    case overExponentials(c: Double, a1: Double, b1: Double, a2: Double, b2: Double)
    /// σ(a1, b1, c1) · (k + σ(a2, b2, c2))
    case sigmoidTimesConstantPlusSigmoid(a1: Double, b1: Double, c1: Double, k: Double, a2: Double, b2: Double, c2: Double)
    /// (Ca / (Ca + K)) / (1 + e^((V + a)/b))
    case michaelisMentenOverBoltzmann(K: Double, a: Double, b: Double)

    /// The form of a folded formula, or nil when it has none of these shapes.
    public init?(_ f: Formula) {
        func sigmoid(_ f: Formula) -> (a: Double, b: Double, c: Double)? {
            guard case .divide(.constant(let c), .add(.constant(1), .call(.exp, let args))) = f, args.count == 1,
                  let (a, b) = args[0].shiftedVoltageOverConstant else { return nil }
            return (a, b, c)
        }
        func overExponentials(_ f: Formula) -> (c: Double, a1: Double, b1: Double, a2: Double, b2: Double)? {
            guard case .divide(.constant(let c), .add(.call(.exp, let x), .call(.exp, let y))) = f, x.count == 1, y.count == 1,
                  let (a1, b1) = x[0].shiftedVoltageOverConstant, let (a2, b2) = y[0].shiftedVoltageOverConstant else { return nil }
            return (c, a1, b1, a2, b2)
        }
        switch f {
        case .constant(let k): self = .constant(k)
        case _ where sigmoid(f) != nil:
            let s = sigmoid(f)!
            self = .sigmoid(a: s.a, b: s.b, c: s.c)
        case .add(.constant(let k), let x) where sigmoid(x) != nil, .add(let x, .constant(let k)) where sigmoid(x) != nil:
            let s = sigmoid(x)!
            self = .constantPlusSigmoid(k: k, a: s.a, b: s.b, c: s.c)
        case .subtract(.constant(let k), let x) where sigmoid(x) != nil:
            let s = sigmoid(x)!
            self = .constantMinusSigmoid(k: k, a: s.a, b: s.b, c: s.c)
        case .add(.constant(let k), let x) where overExponentials(x) != nil, .add(let x, .constant(let k)) where overExponentials(x) != nil:
            let e = overExponentials(x)!
            self = .constantPlusOverExponentials(k: k, c: e.c, a1: e.a1, b1: e.b1, a2: e.a2, b2: e.b2)
        case _ where overExponentials(f) != nil:
            let e = overExponentials(f)!
            self = .overExponentials(c: e.c, a1: e.a1, b1: e.b1, a2: e.a2, b2: e.b2)
        case .multiply(let x, .add(.constant(let k), let y)) where sigmoid(x) != nil && sigmoid(y) != nil:
            let s1 = sigmoid(x)!, s2 = sigmoid(y)!
            self = .sigmoidTimesConstantPlusSigmoid(a1: s1.a, b1: s1.b, c1: s1.c, k: k, a2: s2.a, b2: s2.b, c2: s2.c)
        case .divide(.divide(.calcium, .add(.calcium, .constant(let K))), .add(.constant(1), .call(.exp, let args)))
            where args.count == 1 && args[0].shiftedVoltageOverConstant != nil:
            let (a, b) = args[0].shiftedVoltageOverConstant!
            self = .michaelisMentenOverBoltzmann(K: K, a: a, b: b)
        default: return nil
        }
    }

    /// The value at V (mV) and calcium Ca (the pool's units; only `michaelisMentenOverBoltzmann` reads it).
    @inlinable @inline(__always)
    public func evaluate<T: GateScalar>(_ V: T, calcium Ca: T = 0) -> T {
        @inline(__always) func sigma(_ a: Double, _ b: Double, _ c: Double) -> T { T(c) / (1 + T.exp((V + T(a)) / T(b))) }
        @inline(__always) func exponentials(_ a1: Double, _ b1: Double, _ a2: Double, _ b2: Double) -> T {
            T.exp((V + T(a1)) / T(b1)) + T.exp((V + T(a2)) / T(b2))
        }
        switch self {
        case .constant(let k): return T(k)
        case let .sigmoid(a, b, c): return sigma(a, b, c)
        case let .constantPlusSigmoid(k, a, b, c): return T(k) + sigma(a, b, c)
        case let .constantMinusSigmoid(k, a, b, c): return T(k) - sigma(a, b, c)
        case let .constantPlusOverExponentials(k, c, a1, b1, a2, b2): return T(k) + T(c) / exponentials(a1, b1, a2, b2)
        case let .overExponentials(c, a1, b1, a2, b2): return T(c) / exponentials(a1, b1, a2, b2)
        case let .sigmoidTimesConstantPlusSigmoid(a1, b1, c1, k, a2, b2, c2): return sigma(a1, b1, c1) * (T(k) + sigma(a2, b2, c2))
        case let .michaelisMentenOverBoltzmann(K, a, b): return (Ca / (Ca + T(K))) / (1 + T.exp((V + T(a)) / T(b)))
        }
    }
}
