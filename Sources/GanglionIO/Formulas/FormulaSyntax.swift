import GanglionCore

/// A formula as written: numbers, names (with the column where each starts, 1-based) and operators, before
/// its names are resolved to V, Ca, parameters and functions (`resolve(_:)`).
public indirect enum FormulaSyntax: Sendable, Equatable {
    /// The binary operators, by precedence: `+ −` < `× ÷` < `^`.
    public enum Operator: Sendable, Equatable { case add, subtract, multiply, divide, power }
    case number(Double)
    case name(String, column: Int)
    case negate(FormulaSyntax)
    case binary(Operator, FormulaSyntax, FormulaSyntax)
    case call(String, [FormulaSyntax], column: Int)

    /// Every name the formula uses (functions excluded), with its first column.
    public var names: [(name: String, column: Int)] {
        switch self {
        case .number: return []
        case .name(let n, let c): return [(n, c)]
        case .negate(let a): return a.names
        case .binary(_, let a, let b): return a.names + b.names
        case .call(_, let args, _): return args.flatMap(\.names)
        }
    }

    /// The formula with each name replaced by `symbol(name)`; throws `FormulaError` at the column of a name
    /// `symbol` does not know (it returns nil), of an unknown function, or of a call with the wrong number
    /// of arguments.
    public func resolve(_ symbol: (String) -> Formula?) throws(FormulaError) -> Formula {
        switch self {
        case .number(let x): return .constant(x)
        case .name(let n, let c):
            guard let f = symbol(n) else { throw FormulaError(column: c, message: "unknown symbol '\(n)'") }
            return f
        case .negate(let a): return .negate(try a.resolve(symbol))
        case .binary(let op, let a, let b):
            let (x, y) = (try a.resolve(symbol), try b.resolve(symbol))
            switch op {
            case .add: return .add(x, y)
            case .subtract: return .subtract(x, y)
            case .multiply: return .multiply(x, y)
            case .divide: return .divide(x, y)
            case .power: return .power(x, y)
            }
        case .call(let name, let args, let c):
            guard let f = Formula.Function(rawValue: name) else {
                let known = Formula.Function.allCases.map(\.rawValue).joined(separator: ", ")
                throw FormulaError(column: c, message: "unknown function '\(name)' (known: \(known))")
            }
            guard args.count == f.arity else {
                throw FormulaError(column: c, message: "\(name) takes \(f.arity) argument\(f.arity == 1 ? "" : "s"), got \(args.count)")
            }
            var resolved: [Formula] = []
            for a in args { resolved.append(try a.resolve(symbol)) }
            return .call(f, resolved)
        }
    }
}

/// A formula that cannot be read or resolved: the 1-based column in the formula's text, and why.
public struct FormulaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Column (1-based, in characters) where the problem is.
    public var column: Int
    /// What is wrong.
    public var message: String
    /// An error at `column` (1-based).
    public init(column: Int, message: String) {
        self.column = column
        self.message = message
    }
    public var description: String { "column \(column): \(message)" }
}
