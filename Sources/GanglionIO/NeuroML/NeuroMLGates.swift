import Foundation

/// NeuroML 2's standard Hodgkin–Huxley gates and rate forms as Ganglion formula text (V in mV, rates in
/// 1/ms, time constants in ms). With x = (V − midpoint)/scale:
///
/// | NeuroML | formula |
/// |---|---|
/// | `HHExpRate`, `HHExpVariable` | rate · exp(x) |
/// | `HHSigmoidRate`, `HHSigmoidVariable` | rate / (1 + exp(−x)) |
/// | `HHExpLinearRate`, `HHExpLinearVariable` | rate · x/(1 − exp(−x)) = rate / exprel(−x), exact at x = 0 |
/// | `fixedTimeCourse` | tau |
///
/// A gate's q10 factors (the product of its `q10Settings`) divide its time constant: its rates are
/// multiplied by the product (x∞ is unchanged), a time course is divided by it.
enum NeuroMLGates {
    static let gateKinds: Set<String> = ["gateHHrates", "gateHHtauInf", "gateHHratesInf", "gateHHratesTau", "gateHHratesTauInf"]
    static let rateForms: Set<String> = ["HHExpRate", "HHSigmoidRate", "HHExpLinearRate"]
    static let variableForms: Set<String> = ["HHExpVariable", "HHSigmoidVariable", "HHExpLinearVariable"]

    /// A number as formula text: the shortest text that reads back to the same Double.
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    /// `(V − midpoint)/scale` as text.
    static func reduced(midpoint: Double, scale: Double) -> String {
        let shifted = midpoint == 0 ? "V" : midpoint < 0 ? "V + \(number(-midpoint))" : "V - \(number(midpoint))"
        return "(\(shifted))/\(number(scale))"
    }

    /// `coefficient · body`, leaving out a coefficient of 1.
    static func times(_ c: Double, _ body: String) -> String { c == 1 ? body : "\(number(c)) * \(body)" }

    /// Reads a gate element (`gateHHrates`, …, or `gate` with such a `type`) into Ganglion's form.
    static func gate(_ g: XMLElementNode, gateKind: String, reader: NeuroMLReader) throws(NeuroMLError) -> NeuroMLCell.Gate {
        let file = reader.currentFile
        guard let id = g.attributes["id"] else { throw NeuroMLError(file, g, "a gate needs an id") }
        guard let instancesText = g.attributes["instances"], let instances = Int(instancesText), (1...8).contains(instances) else {
            throw NeuroMLError(file, g, "instances must be an integer from 1 to 8 (Ganglion's gate exponents), got \(g.attributes["instances"].map { "\"\($0)\"" } ?? "none")")
        }
        let allowed: Set<String> = ["forwardRate", "reverseRate", "steadyState", "timeCourse", "q10Settings", "notes", "annotation"]
        for c in g.children where !allowed.contains(c.name) {
            throw NeuroMLError(file, c, "is not supported in a gate (supported: forwardRate, reverseRate, steadyState, timeCourse, q10Settings)")
        }
        var q10 = 1.0
        for s in g.children("q10Settings") { q10 *= try q10Factor(s, reader: reader) }
        func required(_ name: String) throws(NeuroMLError) -> XMLElementNode {
            guard let c = g.child(name) else { throw NeuroMLError(file, g, "a \(gateKind) needs a <\(name)>") }
            return c
        }
        let expected: [String: Set<String>] = [
            "gateHHrates": ["forwardRate", "reverseRate"], "gateHHtauInf": ["timeCourse", "steadyState"],
            "gateHHratesInf": ["forwardRate", "reverseRate", "steadyState"], "gateHHratesTau": ["forwardRate", "reverseRate", "timeCourse"],
            "gateHHratesTauInf": ["forwardRate", "reverseRate", "timeCourse", "steadyState"],
        ]
        for c in g.children where ["forwardRate", "reverseRate", "steadyState", "timeCourse"].contains(c.name) && !expected[gateKind]!.contains(c.name) {
            throw NeuroMLError(file, c, "a \(gateKind) has no <\(c.name)> (it has \(expected[gateKind]!.sorted().map { "<\($0)>" }.joined(separator: ", ")))")
        }
        func rates() throws(NeuroMLError) -> (String, String) {
            (try form(try required("forwardRate"), variable: false, q10: q10, reader: reader),
             try form(try required("reverseRate"), variable: false, q10: q10, reader: reader))
        }
        let kinetics: NeuroMLCell.Gate.Kinetics
        switch gateKind {
        case "gateHHrates":
            let (a, b) = try rates()
            kinetics = .rates(alpha: a, beta: b)
        case "gateHHtauInf", "gateHHratesTauInf":
            // A gateHHratesTauInf's rates are read and checked; its x∞ and τ are given.
            if g.child("forwardRate") != nil || g.child("reverseRate") != nil { _ = try rates() }
            kinetics = .steadyState(inf: try form(try required("steadyState"), variable: true, q10: 1, reader: reader),
                                    tau: try timeCourse(try required("timeCourse"), q10: q10, reader: reader))
        case "gateHHratesInf":
            let (a, b) = try rates()
            kinetics = .steadyState(inf: try form(try required("steadyState"), variable: true, q10: 1, reader: reader),
                                    tau: "1/(\(a) + \(b))")
        case "gateHHratesTau":
            let a = try form(try required("forwardRate"), variable: false, q10: 1, reader: reader)
            let b = try form(try required("reverseRate"), variable: false, q10: 1, reader: reader)
            kinetics = .steadyState(inf: "(\(a))/(\(a) + \(b))", tau: try timeCourse(try required("timeCourse"), q10: q10, reader: reader))
        default: throw NeuroMLError(file, g, "unsupported gate kind \(gateKind)")
        }
        return .init(id: id, kind: gateKind, exponent: instances, kinetics: kinetics)
    }

    /// A rate (`variable` false, 1/ms, times `q10`) or a steady state (`variable` true, dimensionless).
    static func form(_ e: XMLElementNode, variable: Bool, q10: Double, reader: NeuroMLReader) throws(NeuroMLError) -> String {
        let file = reader.currentFile
        let forms = variable ? variableForms : rateForms
        guard let type = e.attributes["type"] else { throw NeuroMLError(file, e, "needs a type (one of \(forms.sorted().joined(separator: ", ")))") }
        guard forms.contains(type) else {
            throw NeuroMLError(file, e, "type \"\(type)\" is not supported (a custom ComponentType or another form; supported: \(forms.sorted().joined(separator: ", ")))")
        }
        let rate = try reader.quantity(e, "rate", variable ? "none" : "per_time") * q10
        let x = reduced(midpoint: try reader.quantity(e, "midpoint", "voltage"), scale: try reader.quantity(e, "scale", "voltage"))
        guard try reader.quantity(e, "scale", "voltage") != 0 else { throw NeuroMLError(file, e, "scale must not be 0") }
        switch type {
        case "HHExpRate", "HHExpVariable": return times(rate, "exp(\(x))")
        case "HHSigmoidRate", "HHSigmoidVariable": return "\(number(rate))/(1 + exp(-\(x)))"
        default: return "\(number(rate))/exprel(-\(x))"
        }
    }

    /// A time course (ms) divided by `q10`.
    static func timeCourse(_ e: XMLElementNode, q10: Double, reader: NeuroMLReader) throws(NeuroMLError) -> String {
        let file = reader.currentFile
        guard e.attributes["type"] == "fixedTimeCourse" else {
            throw NeuroMLError(file, e, "type \"\(e.attributes["type"] ?? "")\" is not supported (a custom ComponentType; supported: fixedTimeCourse)")
        }
        let tau = try reader.quantity(e, "tau", "time") / q10
        guard tau > 0 else { throw NeuroMLError(file, e, "tau must be > 0 ms") }
        return number(tau)
    }

    /// The factor of one `q10Settings`: `q10Fixed` (fixedQ10), or `q10ExpTemp`
    /// (q10Factor^((T − experimentalTemp)/10 °C), T the simulation temperature).
    static func q10Factor(_ s: XMLElementNode, reader: NeuroMLReader) throws(NeuroMLError) -> Double {
        let file = reader.currentFile
        switch s.attributes["type"] {
        case "q10Fixed": return try reader.quantity(s, "fixedQ10", "none")
        case "q10ExpTemp":
            guard let t = reader.temperature else {
                throw NeuroMLError(file, s, "q10ExpTemp needs the simulation temperature: give --temperature, or a network with a temperature in the file")
            }
            reader.usedTemperature = true
            let q = try reader.quantity(s, "q10Factor", "none"), t0 = try reader.quantity(s, "experimentalTemp", "temperature")
            return pow(q, (t - t0) / 10)
        default:
            throw NeuroMLError(file, s, "type \"\(s.attributes["type"] ?? "")\" is not supported (supported: q10Fixed, q10ExpTemp)")
        }
    }
}
