/// Reading an experiment's `regulation` object (Docs/experiment-files.md, "Activity-dependent
/// regulation"): the state-carrying mechanisms that regulate a cell's maximal conductances.
enum RegulationPlan {
    /// The kinds of regulation a file can name.
    static let kinds = ["liu1998"]

    /// The mechanisms of `regulation` (none when it is absent), checked against `cell`.
    static func parse(_ value: Any?, _ f: FieldReader, cell: NeuronDescription) throws(ModelFileError) -> [any CellMechanism] {
        guard let r = try f.object(value, "regulation", allowed: ["kind", "tau_ms", "targets", "regulate", "sensors"]) else { return [] }
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
        liu.rules = try rules(r["regulate"], f, cell: cell)
        var check = cell
        check.mechanisms = [liu]
        do { try check.validate() } catch { throw f.fail("regulation", error.description) }
        return [liu]
    }

    /// `regulate`: a list of conductances (coefficients from Table 1 of Liu et al. 1998) or an object of
    /// conductance → {"A", "B", "C"}; absent: every Table 1 conductance.
    static func rules(_ value: Any?, _ f: FieldReader, cell: NeuronDescription) throws(ModelFileError) -> [LiuRegulation.Rule] {
        let table = LiuRegulation.liu1998Coefficients
        switch value {
        case nil: return table
        case is [Any]:
            let names = try f.strings(value, "regulation.regulate") ?? []
            var out: [LiuRegulation.Rule] = []
            for (i, n) in names.enumerated() {
                guard let rule = table.first(where: { $0.conductance == n }) else {
                    throw f.fail("regulation.regulate[\(i)]", "'\(n)' has no coefficients in Liu et al. 1998's Table 1 (\(table.map(\.conductance).joined(separator: ", "))); give them as {\"\(n)\": {\"A\": …, \"B\": …, \"C\": …}}")
                }
                out.append(rule)
            }
            return out
        default:
            guard let o = try f.object(value, "regulation.regulate", allowed: Set(cell.conductanceNames)) else { return table }
            var out: [LiuRegulation.Rule] = []
            for name in cell.conductanceNames where o[name] != nil {
                let field = "regulation.regulate.\(name)"
                let c = try f.object(o[name], field, allowed: ["A", "B", "C"])!
                out.append(LiuRegulation.Rule(name, a: try f.number(c["A"], "\(field).A") ?? 0,
                                              b: try f.number(c["B"], "\(field).B") ?? 0, c: try f.number(c["C"], "\(field).C") ?? 0))
            }
            return out
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
