import Foundation

/// A formula in the membrane potential V (mV) and the intracellular calcium Ca (the model's units), as a
/// declared channel's gating function is written: numbers, V, Ca, + − × ÷, powers and the functions of
/// `Formula.Function`. Named parameters are replaced by their values when a file is read, so a formula
/// holds only numbers and the two variables.
///
/// Evaluated generically over `GateScalar`: on `Double` for values, on `Dual` for exact derivatives.
public indirect enum Formula: Sendable, Hashable {
    case constant(Double)
    /// The membrane potential V (mV).
    case voltage
    /// The intracellular calcium concentration Ca (model units).
    case calcium
    case negate(Formula)
    case add(Formula, Formula)
    case subtract(Formula, Formula)
    case multiply(Formula, Formula)
    case divide(Formula, Formula)
    /// base ^ exponent; an integer constant exponent is taken by repeated multiplication (so a negative base
    /// is allowed), any other as e^(exponent · ln base). Fold a formula (`folded`) so that a constant
    /// exponent written as an expression (`2^(1 + 1)`) is a number.
    case power(Formula, Formula)
    case call(Function, [Formula])

    /// The functions a formula may call, with their number of arguments.
    public enum Function: String, Sendable, Hashable, CaseIterable {
        /// exprel(x) = (e^x − 1)/x, with exprel(0) = 1: the removable singularity of rates of the form
        /// x/(1 − e^(−x)) = 1/exprel(−x) (Hodgkin–Huxley's α_m and α_n), exact at and near x = 0.
        case exp, log, sqrt, tanh, min, max, exprel
        /// Number of arguments: 2 for `min` and `max`, else 1.
        public var arity: Int { self == .min || self == .max ? 2 : 1 }
    }

    /// The value at (V, Ca).
    @inlinable
    public func evaluate<T: GateScalar>(V: T, Ca: T) -> T {
        switch self {
        case .constant(let c): return T(c)
        case .voltage: return V
        case .calcium: return Ca
        case .negate(let a): return -a.evaluate(V: V, Ca: Ca)
        case .add(let a, let b): return a.evaluate(V: V, Ca: Ca) + b.evaluate(V: V, Ca: Ca)
        case .subtract(let a, let b): return a.evaluate(V: V, Ca: Ca) - b.evaluate(V: V, Ca: Ca)
        case .multiply(let a, let b): return a.evaluate(V: V, Ca: Ca) * b.evaluate(V: V, Ca: Ca)
        case .divide(let a, let b): return a.evaluate(V: V, Ca: Ca) / b.evaluate(V: V, Ca: Ca)
        case .power(let a, let b):
            let base = a.evaluate(V: V, Ca: Ca)
            if case .constant(let e) = b, let n = Int(exactly: e), abs(n) <= 64 {
                let r = integerPower(base, abs(n))
                return n < 0 ? 1 / r : r
            }
            return T.exp(b.evaluate(V: V, Ca: Ca) * T.log(base))
        case .call(let f, let args):
            let x = args[0].evaluate(V: V, Ca: Ca)
            switch f {
            case .exp: return T.exp(x)
            case .log: return T.log(x)
            case .sqrt: return T.sqrt(x)
            case .tanh: return T.tanh(x)
            case .exprel: return exprel(x)
            case .min:
                let y = args[1].evaluate(V: V, Ca: Ca)
                return y.primal < x.primal ? y : x
            case .max:
                let y = args[1].evaluate(V: V, Ca: Ca)
                return y.primal > x.primal ? y : x
            }
        }
    }

    /// The value at (V, Ca) on doubles.
    public func callAsFunction(V: Double, Ca: Double) -> Double { evaluate(V: V, Ca: Ca) }

    /// Whether V appears in the formula.
    public var dependsOnVoltage: Bool { contains(.voltage) }
    /// Whether Ca appears in the formula.
    public var dependsOnCalcium: Bool { contains(.calcium) }

    /// Whether `variable` (`.voltage` or `.calcium`) appears in the formula.
    func contains(_ variable: Formula) -> Bool {
        switch self {
        case .constant: return false
        case .voltage, .calcium: return self == variable
        case .negate(let a): return a.contains(variable)
        case .add(let a, let b), .subtract(let a, let b), .multiply(let a, let b), .divide(let a, let b), .power(let a, let b):
            return a.contains(variable) || b.contains(variable)
        case .call(_, let args): return args.contains { $0.contains(variable) }
        }
    }

    /// The same formula with every sub-formula free of V and Ca replaced by its value (innermost first, so a
    /// constant exponent written as an expression becomes a number before its power is taken).
    public var folded: Formula {
        let f: Formula
        switch self {
        case .constant, .voltage, .calcium: return self
        case .negate(let a): f = .negate(a.folded)
        case .add(let a, let b): f = .add(a.folded, b.folded)
        case .subtract(let a, let b): f = .subtract(a.folded, b.folded)
        case .multiply(let a, let b): f = .multiply(a.folded, b.folded)
        case .divide(let a, let b): f = .divide(a.folded, b.folded)
        case .power(let a, let b): f = .power(a.folded, b.folded)
        case .call(let fn, let args): f = .call(fn, args.map(\.folded))
        }
        return f.dependsOnVoltage || f.dependsOnCalcium ? f : .constant(f.evaluate(V: 0.0, Ca: 0.0))
    }

    /// When the formula factors as a(V) · b(Ca) through its top-level products and quotients, with b not
    /// constant: b(Ca). Nil otherwise.
    public var calciumFactor: Formula? {
        var factors: [(Formula, inverse: Bool)] = []
        func collect(_ f: Formula, _ inverse: Bool) {
            switch f {
            case .multiply(let a, let b): collect(a, inverse); collect(b, inverse)
            case .divide(let a, let b): collect(a, inverse); collect(b, !inverse)
            default: factors.append((f, inverse))
            }
        }
        collect(self, false)
        guard factors.allSatisfy({ !($0.0.dependsOnVoltage && $0.0.dependsOnCalcium) }) else { return nil }
        let calcium = factors.filter { $0.0.dependsOnCalcium }
        guard !calcium.isEmpty else { return nil }
        var b: Formula = .constant(1)
        for (f, inverse) in calcium { b = inverse ? .divide(b, f) : .multiply(b, f) }
        return b
    }
}

extension Formula: CustomStringConvertible {
    /// The formula in the grammar it is read in, fully parenthesised (numbers in their shortest exact form).
    public var description: String {
        switch self {
        case .constant(let c): return c < 0 ? "(\(c))" : "\(c)"
        case .voltage: return "V"
        case .calcium: return "Ca"
        case .negate(let a): return "(-\(a))"
        case .add(let a, let b): return "(\(a) + \(b))"
        case .subtract(let a, let b): return "(\(a) - \(b))"
        case .multiply(let a, let b): return "(\(a) * \(b))"
        case .divide(let a, let b): return "(\(a) / \(b))"
        case .power(let a, let b): return "(\(a) ^ \(b))"
        case .call(let f, let args): return "\(f.rawValue)(\(args.map(\.description).joined(separator: ", ")))"
        }
    }
}
