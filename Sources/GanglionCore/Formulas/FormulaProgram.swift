/// A `Formula` compiled to a flat postfix program, evaluated with a small stack: no recursion, no
/// reference counting, one pass over an array of trivial instructions. Declared channels evaluate their
/// gating functions through it (table building, CVODE's Jacobian, voltages outside the tables, a
/// calcium-gated m∞ at each step).
public struct FormulaProgram: Sendable {
    @usableFromInline enum Instruction: Sendable {
        case constant(Double), voltage, calcium
        case negate, add, subtract, multiply, divide
        /// base ^ n by repeated multiplication (n may be negative).
        case integerPower(Int)
        /// base ^ exponent = e^(exponent · ln base).
        case power
        case call(Formula.Function)
        // Fused forms of the common gating functions, computed with the same operations in the same order
        // (so a Boltzmann gives the built-in `boltzmann`'s value bit for bit):
        /// pushes e^((V + a)/b).
        case expShiftedVoltage(a: Double, b: Double)
        /// top ← c/(1 + top).
        case constantOverOnePlus(Double)
        /// pushes c/(1 + e^((V + a)/b)): a Boltzmann function (c = 1) or a sigmoidal time constant's term.
        case sigmoid(a: Double, b: Double, c: Double)
        /// top ← c − top.
        case constantMinus(Double)
        /// top ← top + c, top − c, top · c, top / c.
        case addConstant(Double), subtractConstant(Double), multiplyConstant(Double), divideConstant(Double)
    }
    @usableFromInline let instructions: [Instruction]
    /// The largest stack depth the program reaches.
    @usableFromInline let depth: Int

    /// `formula` compiled; an integer constant exponent (|n| ≤ 64) becomes repeated multiplication.
    public init(_ formula: Formula) { self.init(outputs: [formula]) }

    /// Several formulas compiled into one program that leaves their values on the stack, in order
    /// (`evaluate(V:Ca:_:)` reads them): one pass for a gate's x∞ and τ together.
    public init(outputs formulas: [Formula]) {
        var code: [Instruction] = []
        var depth = 0, current = 0
        func push(_ i: Instruction, pops: Int) {
            code.append(i)
            current += 1 - pops
            depth = Swift.max(depth, current)
        }
        func emit(_ f: Formula) {
            switch f {
            case .constant(let c): push(.constant(c), pops: 0)
            case .voltage: push(.voltage, pops: 0)
            case .calcium: push(.calcium, pops: 0)
            case .call(.exp, let args) where args.count == 1:
                if let (a, b) = args[0].shiftedVoltageOverConstant {
                    push(.expShiftedVoltage(a: a, b: b), pops: 0)
                } else {
                    emit(args[0]); push(.call(.exp), pops: 1)
                }
            case .divide(.constant(let c), .add(.constant(1), .call(.exp, let args)))
                where args.count == 1 && args[0].shiftedVoltageOverConstant != nil:
                let (a, b) = args[0].shiftedVoltageOverConstant!
                push(.sigmoid(a: a, b: b, c: c), pops: 0)
            case .divide(.constant(let c), .add(.constant(1), let x)):
                emit(x); push(.constantOverOnePlus(c), pops: 1)
            case .subtract(.constant(let c), let x): emit(x); push(.constantMinus(c), pops: 1)
            case .add(let a, .constant(let c)): emit(a); push(.addConstant(c), pops: 1)
            case .subtract(let a, .constant(let c)): emit(a); push(.subtractConstant(c), pops: 1)
            case .multiply(let a, .constant(let c)): emit(a); push(.multiplyConstant(c), pops: 1)
            case .divide(let a, .constant(let c)): emit(a); push(.divideConstant(c), pops: 1)
            case .negate(let a): emit(a); push(.negate, pops: 1)
            case .add(let a, let b): emit(a); emit(b); push(.add, pops: 2)
            case .subtract(let a, let b): emit(a); emit(b); push(.subtract, pops: 2)
            case .multiply(let a, let b): emit(a); emit(b); push(.multiply, pops: 2)
            case .divide(let a, let b): emit(a); emit(b); push(.divide, pops: 2)
            case .power(let a, .constant(let e)) where Int(exactly: e).map({ abs($0) <= 64 }) == true:
                emit(a); push(.integerPower(Int(e)), pops: 1)
            case .power(let a, let b): emit(a); emit(b); push(.power, pops: 2)
            case .call(let fn, let args):
                for x in args { emit(x) }
                push(.call(fn), pops: args.count)
            }
        }
        for f in formulas { emit(f) }
        instructions = code
        self.depth = Swift.max(depth, 1)
    }

    /// The value at (V, Ca) (of the first formula, for a program of several).
    @inlinable
    public func evaluate<T: GateScalar>(V: T, Ca: T) -> T { evaluate(V: V, Ca: Ca) { $0[0] } }

    /// Runs the program at (V, Ca) and hands `results` its values (one per formula, in order).
    @inlinable
    public func evaluate<T: GateScalar, R>(V: T, Ca: T, _ results: (UnsafePointer<T>) -> R) -> R {
        instructions.withUnsafeBufferPointer { code in
            withUnsafeTemporaryAllocation(of: T.self, capacity: depth) { stack in
                let s = stack.baseAddress!
                var top = -1   // index of the top of the stack
                for instruction in code {
                    switch instruction {
                    case .constant(let c): top += 1; (s + top).initialize(to: T(c))
                    case .voltage: top += 1; (s + top).initialize(to: V)
                    case .calcium: top += 1; (s + top).initialize(to: Ca)
                    case .negate: s[top] = -s[top]
                    case .add: top -= 1; s[top] = s[top] + s[top + 1]
                    case .subtract: top -= 1; s[top] = s[top] - s[top + 1]
                    case .multiply: top -= 1; s[top] = s[top] * s[top + 1]
                    case .divide: top -= 1; s[top] = s[top] / s[top + 1]
                    case .integerPower(let n):
                        let r = integerPower(s[top], abs(n))
                        s[top] = n < 0 ? 1 / r : r
                    case .power: top -= 1; s[top] = T.exp(s[top + 1] * T.log(s[top]))
                    case .expShiftedVoltage(let a, let b): top += 1; (s + top).initialize(to: T.exp((V + T(a)) / T(b)))
                    case .constantOverOnePlus(let c): s[top] = T(c) / (1 + s[top])
                    case .sigmoid(let a, let b, let c): top += 1; (s + top).initialize(to: T(c) / (1 + T.exp((V + T(a)) / T(b))))
                    case .constantMinus(let c): s[top] = T(c) - s[top]
                    case .addConstant(let c): s[top] = s[top] + T(c)
                    case .subtractConstant(let c): s[top] = s[top] - T(c)
                    case .multiplyConstant(let c): s[top] = s[top] * T(c)
                    case .divideConstant(let c): s[top] = s[top] / T(c)
                    case .call(let f):
                        switch f {
                        case .exp: s[top] = T.exp(s[top])
                        case .log: s[top] = T.log(s[top])
                        case .sqrt: s[top] = T.sqrt(s[top])
                        case .tanh: s[top] = T.tanh(s[top])
                        case .exprel: s[top] = exprel(s[top])
                        case .min: top -= 1; if s[top + 1].primal < s[top].primal { s[top] = s[top + 1] }
                        case .max: top -= 1; if s[top + 1].primal > s[top].primal { s[top] = s[top + 1] }
                        }
                    }
                }
                return results(s)
            }
        }
    }

    /// The value at (V, Ca) on doubles.
    @inlinable public func callAsFunction(V: Double, Ca: Double) -> Double { evaluate(V: V, Ca: Ca) }
}

/// exprel(x) = (e^x − 1)/x, with exprel(0) = 1; a series below |x| = 10⁻³ (error < x⁴/120).
@inlinable
func exprel<T: GateScalar>(_ x: T) -> T {
    guard abs(x.primal) >= 1e-3 else { return 1 + x * (0.5 + x * (1.0 / 6 + x * (1.0 / 24))) }
    return T.expm1(x) / x
}

extension Formula {
    /// (a, b) when the formula is (V + a)/b with constants a and b.
    var shiftedVoltageOverConstant: (Double, Double)? {
        if case .divide(.add(.voltage, .constant(let a)), .constant(let b)) = self { return (a, b) }
        return nil
    }
}
