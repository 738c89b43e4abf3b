import GanglionCore

/// The named parameters of a file that declares formulas: each a number or a formula of other parameters,
/// resolved to numbers in dependency order. A name that refers back to itself through others is an error
/// naming the cycle.
struct ParameterTable {
    /// Names no parameter may take: the variables and the functions.
    static let reserved: Set<String> = Set(["V", "Ca"] + Formula.Function.allCases.map(\.rawValue))

    /// Resolved values by name.
    private(set) var values: [String: Double] = [:]

    /// Resolves `definitions` (a number, or the syntax of a formula with its field for messages).
    init(_ definitions: [String: Definition], file: String) throws(ModelFileError) {
        for name in definitions.keys.sorted() {
            if Self.reserved.contains(name) {
                throw ModelFileError(file: file, field: definitions[name]!.field, message: "'\(name)' is reserved (V, Ca and the functions)")
            }
            guard name.first?.isLetter == true, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ModelFileError(file: file, field: definitions[name]!.field,
                                     message: "'\(name)' is not a name (a letter, then letters, digits or _)")
            }
        }
        var visiting: [String] = []
        func value(_ name: String) throws(ModelFileError) -> Double {
            if let v = values[name] { return v }
            let d = definitions[name]!
            if let start = visiting.firstIndex(of: name) {
                let cycle = (visiting[start...] + [name]).joined(separator: " → ")
                throw ModelFileError(file: file, field: definitions[visiting[start]]!.field, message: "circular definition: \(cycle)")
            }
            visiting.append(name)
            defer { visiting.removeLast() }
            let v: Double
            switch d.value {
            case .number(let x): v = x
            case .formula(let syntax):
                for (n, c) in syntax.names where definitions[n] == nil {
                    let known = definitions.keys.sorted().joined(separator: ", ")
                    throw ModelFileError(file: file, field: d.field,
                                         message: "column \(c): unknown symbol '\(n)' (a parameter may use numbers and the other parameters: \(known))")
                }
                var substituted: [String: Double] = [:]
                for (n, _) in syntax.names where substituted[n] == nil { substituted[n] = try value(n) }
                do {
                    v = try syntax.resolve { substituted[$0].map(Formula.constant) }(V: 0, Ca: 0)
                } catch {
                    throw ModelFileError(file: file, field: d.field, message: "\(error)")
                }
            }
            guard v.isFinite else { throw ModelFileError(file: file, field: d.field, message: "\(name) = \(v) is not finite") }
            values[name] = v
            return v
        }
        for name in definitions.keys.sorted() { _ = try value(name) }
    }

    /// One parameter as written: its value and the field it sits at.
    struct Definition {
        enum Value { case number(Double), formula(FormulaSyntax) }
        var value: Value
        var field: String
    }
}
