import Foundation
import GanglionCore

/// Reads channel files: a Hodgkin–Huxley channel declared in JSON, with its gating functions as formulas
/// (the format is documented in `Docs/write-a-channel.md`).
///
///     {"channel": "Kd", "ion": "potassium",
///      "m": {"exponent": 4, "inf": "1/(1 + exp((V + 12.3)/-11.8))", "tau": "7.2 - 6.4/(1 + exp((V + 28.3)/-19.2))"}}
public enum ChannelFile {
    static let topKeys: Set<String> = ["channel", "source", "notes", "ion", "reversal", "parameters", "m", "h", "calcium_range"]
    static let gateKeys: Set<String> = ["exponent", "inf", "tau", "alpha", "beta"]

    /// Loads the channel file at `path`.
    public static func load(_ path: String) throws(ModelFileError) -> DeclaredChannel {
        let data = try ModelFileError.readInput(path)
        return try parse(data, file: path)
    }

    /// Parses channel-file JSON; `file` names it in errors (with the line and column of the field).
    public static func parse(_ data: Data, file: String) throws(ModelFileError) -> DeclaredChannel {
        try ModelFileError.parsing(data, file: file) { document throws(ModelFileError) in
            try parse(value: document.value, file: file)
        }
    }

    /// Parses a channel given as a JSON value inside `file` (`prefix`: its field there, e.g. `channels.NaP`).
    public static func parse(value: Any, file: String, field prefix: String? = nil) throws(ModelFileError) -> DeclaredChannel {
        let r = FieldReader(file: file, prefix: prefix)
        let root = try r.object(value, "", allowed: topKeys)!
        guard let name = try r.string(root["channel"], "channel") else { throw r.fail("channel", "missing (the channel's name, e.g. \"Kd\")") }
        guard name.first?.isLetter == true, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw r.fail("channel", "'\(name)' is not a name (a letter, then letters, digits or _)")
        }
        _ = try r.string(root["source"], "source")
        _ = try r.string(root["notes"], "notes")
        guard let ionName = try r.string(root["ion"], "ion") else {
            throw r.fail("ion", "missing (one of \(Ion.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let ion = Ion(rawValue: ionName) else {
            throw r.fail("ion", "unknown ion \"\(ionName)\" (known: \(Ion.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let reversal = try r.number(root["reversal"], "reversal")
        if let reversal, !(reversal > -200 && reversal < 200) { throw r.fail("reversal", "\(reversal) mV is outside −200…200 mV") }
        var calciumRange: ClosedRange<Double> = 0...100
        if let range = root["calcium_range"] {
            guard let list = range as? [Any], list.count == 2, let lo = try r.number(list[0], "calcium_range[0]"),
                  let hi = try r.number(list[1], "calcium_range[1]"), lo >= 0, hi > lo else {
                throw r.fail("calcium_range", "must be [low, high] with 0 ≤ low < high (model units), got \(describeJSON(range))")
            }
            calciumRange = lo...hi
        }
        let parameters = try parameterTable(root["parameters"], r)
        func gate(_ key: String, allowsCalcium: Bool) throws(ModelFileError) -> DeclaredChannel.Gate? {
            guard let v = root[key] else { return nil }
            let g = try r.object(v, key, allowed: gateKeys)!
            guard let p = try r.number(g["exponent"], "\(key).exponent") else { throw r.fail("\(key).exponent", "missing (an integer ≥ 1)") }
            guard let exponent = Int(exactly: p), (1...8).contains(exponent) else {
                throw r.fail("\(key).exponent", "must be an integer from 1 to 8, got \(p)")
            }
            func formula(_ f: String, calcium: Bool) throws(ModelFileError) -> Formula? {
                guard let text = try r.string(g[f], "\(key).\(f)") else { return nil }
                let field = "\(key).\(f)"
                do {
                    let syntax = try FormulaParser.parse(text)
                    let resolved = try syntax.resolve { n in
                        switch n {
                        case "V": return .voltage
                        case "Ca": return calcium ? .calcium : nil
                        default: return parameters.values[n].map(Formula.constant)
                        }
                    }
                    return resolved
                } catch {
                    var message = "in \"\(text)\", \(error)"
                    if error.message.hasPrefix("unknown symbol 'Ca'") {
                        message += " (only m's steady state \"inf\" may depend on Ca)"
                    } else if error.message.hasPrefix("unknown symbol") {
                        let known = (["V"] + (calcium ? ["Ca"] : []) + parameters.values.keys.sorted()).joined(separator: ", ")
                        message += " (known: \(known), and the functions \(Formula.Function.allCases.map(\.rawValue).joined(separator: ", ")))"
                    }
                    throw r.fail(field, message)
                }
            }
            let inf = try formula("inf", calcium: allowsCalcium), tau = try formula("tau", calcium: false)
            let alpha = try formula("alpha", calcium: false), beta = try formula("beta", calcium: false)
            switch (inf, tau, alpha, beta) {
            case let (inf?, tau?, nil, nil): return .init(exponent: exponent, steadyState: inf, timeConstant: tau)
            case let (nil, nil, alpha?, beta?): return .init(exponent: exponent, alpha: alpha, beta: beta)
            default:
                throw r.fail(key, "give either \"inf\" and \"tau\", or \"alpha\" and \"beta\"")
            }
        }
        guard let m = try gate("m", allowsCalcium: true) else {
            throw r.fail("m", "missing (the activation gate: {\"exponent\": p, \"inf\": …, \"tau\": …})")
        }
        let h = try gate("h", allowsCalcium: false)
        do {
            return try DeclaredChannel(name: name, ion: ion, fixedReversal: reversal, activation: m, inactivation: h,
                                       calciumRange: calciumRange)
        } catch {
            let gateKey = String(error.function.prefix { $0 != "." })
            let object = root[gateKey] as? [String: Any]
            let fromRates = object?["alpha"] != nil
            let field = fromRates ? gateKey : error.function
            let what = error.function.hasSuffix(".inf") ? "the steady state" : "the time constant"
            throw r.fail(field, "\(what)\(fromRates ? " (from alpha and beta)" : "") is \(error.value) at V = \(error.voltage) mV"
                         + (error.calciumDependent ? " and Ca = \(error.calcium)" : "") + ": \(error.reason)")
        }
    }

    static func parameterTable(_ value: Any?, _ r: FieldReader) throws(ModelFileError) -> ParameterTable {
        guard let value else { return try ParameterTable([:], file: r.file) }
        let object = try r.object(value, "parameters")!
        var definitions: [String: ParameterTable.Definition] = [:]
        for name in object.keys.sorted() {
            let field = "parameters.\(name)"
            var v = object[name]!
            if let o = v as? [String: Any] {
                let inner = try r.object(o, field, allowed: ["value", "unit", "notes"])!
                _ = try r.string(inner["unit"], "\(field).unit")
                _ = try r.string(inner["notes"], "\(field).notes")
                guard let x = inner["value"] else { throw r.fail("\(field).value", "missing") }
                v = x
            }
            switch v {
            case let s as String:
                do { definitions[name] = .init(value: .formula(try FormulaParser.parse(s)), field: r.path(field) ?? field) } catch {
                    throw r.fail(field, "in \"\(s)\", \(error)")
                }
            default:
                guard let x = try r.number(v, field) else { continue }
                definitions[name] = .init(value: .number(x), field: r.path(field) ?? field)
            }
        }
        return try ParameterTable(definitions, file: r.file)
    }
}
