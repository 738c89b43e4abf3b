import GanglionCore
import Parsing

/// Reads a formula (`FormulaSyntax`) from text. The grammar, loosest binding first:
///
///     formula  = sum
///     sum      = product (("+" | "-" | "−") product)*
///     product  = unary (("*" | "×" | "/" | "÷") unary)*
///     unary    = ("-" | "−" | "+") unary | power
///     power    = primary ("^" unary)?               (right-associative: 2^3^2 = 2^9; −x^2 = −(x^2))
///     primary  = name "(" formula ("," formula)* ")" | name | number | "(" formula ")"
///     name     = letter (letter | digit | "_")*
///     number   = digits ["." digits] [("e" | "E") ["+" | "-"] digits]
///
/// Spaces may appear between any two tokens.
public enum FormulaParser {
    /// The syntax of `text`; throws `FormulaError` with the column where reading stopped.
    public static func parse(_ text: String) throws(FormulaError) -> FormulaSyntax {
        var input = text[...]
        do {
            let syntax = try Parse(input: Substring.self) {
                Spaces()
                SumParser()
                Spaces()
            }.parse(&input)
            guard input.isEmpty else {
                let column = text.distance(from: text.startIndex, to: input.startIndex) + 1
                let next = input.first.map { "'\($0)'" } ?? "the end"
                throw FormulaError(column: column, message: "unexpected \(next) (expected an operator, a closing parenthesis or the end)")
            }
            return syntax
        } catch let e as FormulaError {
            throw e
        } catch {
            throw FormulaError(column: column(of: error, in: text, fallback: input), message: reason(of: error))
        }
    }

    /// The column swift-parsing reports (`input:LINE:COLUMN`), else where the input stopped.
    private static func column(of error: any Error, in text: String, fallback: Substring) -> Int {
        let d = "\(error)"
        if let r = d.firstMatch(of: /input:\d+:(\d+)/), let c = Int(r.1) { return c }
        return text.distance(from: text.startIndex, to: fallback.startIndex) + 1
    }

    /// The "expected …" line of swift-parsing's message, or a generic reason.
    private static func reason(of error: any Error) -> String {
        let d = "\(error)"
        if let r = d.firstMatch(of: /\^ (.+)$/.anchorsMatchLineEndings()) { return String(r.1) }
        return "cannot read a formula here"
    }
}

/// `sum` of the grammar.
struct SumParser: Parser {
    func parse(_ input: inout Substring) throws -> FormulaSyntax {
        var value = try ProductParser().parse(&input)
        while true {
            var rest = input
            rest = rest.drop { $0 == " " || $0 == "\t" }
            guard let c = rest.first, c == "+" || c == "-" || c == "−" else { return value }
            rest.removeFirst()
            rest = rest.drop { $0 == " " || $0 == "\t" }
            input = rest
            let rhs = try ProductParser().parse(&input)
            value = .binary(c == "+" ? .add : .subtract, value, rhs)
        }
    }
}

/// `product` of the grammar.
struct ProductParser: Parser {
    func parse(_ input: inout Substring) throws -> FormulaSyntax {
        var value = try UnaryParser().parse(&input)
        while true {
            var rest = input.drop { $0 == " " || $0 == "\t" }
            guard let c = rest.first, "*×/÷".contains(c) else { return value }
            rest.removeFirst()
            input = rest.drop { $0 == " " || $0 == "\t" }
            let rhs = try UnaryParser().parse(&input)
            value = .binary(c == "*" || c == "×" ? .multiply : .divide, value, rhs)
        }
    }
}

/// `unary` of the grammar.
struct UnaryParser: Parser {
    func parse(_ input: inout Substring) throws -> FormulaSyntax {
        if let c = input.first, c == "-" || c == "−" || c == "+" {
            input.removeFirst()
            input = input.drop { $0 == " " || $0 == "\t" }
            let operand = try UnaryParser().parse(&input)
            return c == "+" ? operand : .negate(operand)
        }
        return try PowerParser().parse(&input)
    }
}

/// `power` of the grammar.
struct PowerParser: Parser {
    func parse(_ input: inout Substring) throws -> FormulaSyntax {
        let base = try PrimaryParser().parse(&input)
        var rest = input.drop { $0 == " " || $0 == "\t" }
        guard rest.first == "^" else { return base }
        rest.removeFirst()
        input = rest.drop { $0 == " " || $0 == "\t" }
        return .binary(.power, base, try UnaryParser().parse(&input))
    }
}

/// `primary` of the grammar.
struct PrimaryParser: Parser {
    var body: some Parser<Substring, FormulaSyntax> {
        OneOf {
            NameOrCallParser()
            Parse { FormulaSyntax.number($0) } with: {
                Double.parser()
            }
            Parse {
                "("
                Spaces()
                SumParser()
                Spaces()
                ")"
            }
        }
    }
}

/// `name` or a call `name(formula, …)`, remembering the column where the name starts.
struct NameOrCallParser: Parser {
    func parse(_ input: inout Substring) throws -> FormulaSyntax {
        let column = input.base.distance(from: input.base.startIndex, to: input.startIndex) + 1
        let name = try Parse(input: Substring.self) {
            Prefix(1) { $0.isLetter }
            Prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        }.map { String($0) + String($1) }.parse(&input)
        var rest = input.drop { $0 == " " || $0 == "\t" }
        guard rest.first == "(" else { return .name(name, column: column) }
        rest.removeFirst()
        input = rest
        let args = try Many {
            Spaces()
            SumParser()
            Spaces()
        } separator: {
            ","
        } terminator: {
            ")"
        }.parse(&input)
        return .call(name, args, column: column)
    }
}

/// Spaces and tabs, possibly none.
struct Spaces: Parser {
    func parse(_ input: inout Substring) throws {
        input = input.drop { $0 == " " || $0 == "\t" }
    }
}
