import GanglionCore

/// A file's `regulation` block as written (`Docs/experiment-files.md`, "Activity-dependent regulation"): the
/// regulation of Liu et al. (1998) with its time constant, targets and sensors. Coefficients given per
/// conductance are checked against the cell when the file is resolved.
public struct RegulationDeclaration: Sendable {
    /// The kinds of regulation a file can name.
    public static let kinds = ["liu1998"]
    /// The regulation: `tau_ms`, `targets` and `sensors` applied, the rules of Table 1 (all, or those listed).
    public var regulation: LiuRegulation
    /// `regulate` as an object of conductance → {"A", "B", "C"}; `nil`: the rules of `regulation` stand.
    public var coefficients: [String: LiuRegulation.Rule]?

    /// The block at `regulation` of a file (`nil` if absent). Throws `ModelFileError` naming the field at fault.
    public static func parse(_ value: Any?, _ f: FieldReader) throws(ModelFileError) -> RegulationDeclaration? {
        guard let r = try f.object(value, "regulation", allowed: ["kind", "tau_ms", "targets", "regulate", "sensors"]) else { return nil }
        guard let kind = try f.string(r["kind"], "regulation.kind") else {
            throw f.fail("regulation.kind", "missing (known: \(kinds.joined(separator: ", ")))")
        }
        guard kinds.contains(kind) else { throw f.fail("regulation.kind", "unknown kind '\(kind)' (known: \(kinds.joined(separator: ", ")))") }
        var liu = LiuRegulation()
        if let t = try f.positive(r["tau_ms"], "regulation.tau_ms") { liu.tau = t }
        if let t = try f.object(r["targets"], "regulation.targets", allowed: ["F", "S", "D"]) {
            liu.targets = (try f.number(t["F"], "regulation.targets.F") ?? liu.targets.fast,
                           try f.number(t["S"], "regulation.targets.S") ?? liu.targets.slow,
                           try f.number(t["D"], "regulation.targets.D") ?? liu.targets.dc)
        }
        if let s = try f.object(r["sensors"], "regulation.sensors", allowed: ["F", "S", "D"]) {
            liu.fast = try sensor(s["F"], "regulation.sensors.F", liu.fast, f)
            liu.slow = try sensor(s["S"], "regulation.sensors.S", liu.slow, f)
            liu.dc = try sensor(s["D"], "regulation.sensors.D", liu.dc, f)
        }
        var declaration = RegulationDeclaration(regulation: liu, coefficients: nil)
        try declaration.readRules(r["regulate"], f)
        return declaration
    }

    /// `regulate`: a list of conductances (coefficients from Table 1 of Liu et al. 1998) or an object of
    /// conductance → {"A", "B", "C"}; absent: every Table 1 conductance.
    mutating func readRules(_ value: Any?, _ f: FieldReader) throws(ModelFileError) {
        let table = LiuRegulation.liu1998Coefficients
        switch value {
        case nil: regulation.rules = table
        case is [Any]:
            let names = try f.strings(value, "regulation.regulate") ?? []
            var out: [LiuRegulation.Rule] = []
            for (i, n) in names.enumerated() {
                guard let rule = table.first(where: { $0.conductance == n }) else {
                    throw f.fail("regulation.regulate[\(i)]", "'\(n)' has no coefficients in Liu et al. 1998's Table 1 (\(table.map(\.conductance).joined(separator: ", "))); give them as {\"\(n)\": {\"A\": …, \"B\": …, \"C\": …}}")
                }
                out.append(rule)
            }
            regulation.rules = out
        default:
            let o = try f.object(value, "regulation.regulate")!
            var out: [String: LiuRegulation.Rule] = [:]
            for name in o.keys.sorted() {
                let field = "regulation.regulate.\(name)"
                let c = try f.object(o[name], field, allowed: ["A", "B", "C"])!
                out[name] = LiuRegulation.Rule(name, a: try f.number(c["A"], "\(field).A") ?? 0,
                                               b: try f.number(c["B"], "\(field).B") ?? 0, c: try f.number(c["C"], "\(field).C") ?? 0)
            }
            coefficients = out
        }
    }

    static func sensor(_ value: Any?, _ field: String, _ base: CalciumSensor, _ f: FieldReader) throws(ModelFileError) -> CalciumSensor {
        guard let o = try f.object(value, field, allowed: ["G", "Z_M", "Z_H", "tau_M", "tau_H"]) else { return base }
        var s = base
        if let v = try f.number(o["G"], "\(field).G") { s.gain = v }
        if let v = try f.number(o["Z_M"], "\(field).Z_M") { s.activationOffset = v }
        if let v = try f.positive(o["tau_M"], "\(field).tau_M") { s.activationTau = v }
        if let v = try f.number(o["Z_H"], "\(field).Z_H") { s.inactivationOffset = v }
        if let v = try f.positive(o["tau_H"], "\(field).tau_H") { s.inactivationTau = v }
        return s
    }
}
