import GanglionCore

extension NetworkFileDescription {
    /// `synapses`: chemical synapses between named cells (`cellIndex` finds a cell by name).
    static func chemicalSynapses(_ value: Any?, _ f: FieldReader, cellIndex: (Any?, String) throws(ModelFileError) -> Int,
                                 names: [String]) throws(ModelFileError) -> [ChemicalSynapse] {
        guard let v = value else { return [] }
        guard let list = v as? [Any] else { throw f.fail("synapses", "must be a list, got \(describeJSON(v))") }
        var synapses: [ChemicalSynapse] = []
        for (k, item) in list.enumerated() {
            let field = "synapses[\(k)]"
            let s = try f.object(item, field, allowed: ["from", "to", "gbar", "type", "E", "tau_ms", "threshold_mV", "slope_mV", "V_half_mV", "k_minus_per_ms"])!
            let pre = try cellIndex(s["from"], "\(field).from"), post = try cellIndex(s["to"], "\(field).to")
            guard let g = try f.number(s["gbar"], "\(field).gbar") else { throw f.fail("\(field).gbar", "missing (mS/cm²)") }
            guard g >= 0 else { throw f.fail("\(field).gbar", "must be ≥ 0, got \(g)") }
            let type = try f.string(s["type"], "\(field).type") ?? "graded"
            var kinetics: ChemicalSynapse.Kinetics
            var reversal: Double
            switch type {
            case "graded":
                for key in ["V_half_mV", "k_minus_per_ms"] where s[key] != nil { throw f.fail("\(field).\(key)", "only for sigmoid synapses") }
                kinetics = .graded(threshold: try f.number(s["threshold_mV"], "\(field).threshold_mV") ?? -50,
                                   slope: try f.positive(s["slope_mV"], "\(field).slope_mV") ?? 10,
                                   tau: try f.positive(s["tau_ms"], "\(field).tau_ms") ?? 10)
                reversal = -75
            case "glutamatergic", "cholinergic", "sigmoid":
                for key in ["tau_ms", "threshold_mV"] where s[key] != nil { throw f.fail("\(field).\(key)", "only for graded synapses") }
                let km = type == "cholinergic" ? 0.01 : 0.025
                kinetics = .sigmoid(half: try f.number(s["V_half_mV"], "\(field).V_half_mV") ?? -35,
                                    slope: try f.positive(s["slope_mV"], "\(field).slope_mV") ?? 5,
                                    kMinus: try f.positive(s["k_minus_per_ms"], "\(field).k_minus_per_ms") ?? km)
                reversal = type == "cholinergic" ? -80 : -70
                if type == "sigmoid", s["E"] == nil { throw f.fail("\(field).E", "missing (a sigmoid synapse needs its reversal potential)") }
            default: throw f.fail("\(field).type", "unknown type '\(type)' (graded, glutamatergic, cholinergic, sigmoid)")
            }
            if let e = try f.number(s["E"], "\(field).E") { reversal = e }
            synapses.append(ChemicalSynapse(from: names[pre], to: names[post], gbar: g, reversal: reversal, kinetics: kinetics))
        }
        return synapses
    }

    /// `electrical`: gap junctions between named cells.
    static func electricalSynapses(_ value: Any?, _ f: FieldReader, cellIndex: (Any?, String) throws(ModelFileError) -> Int,
                                   names: [String]) throws(ModelFileError) -> [ElectricalSynapse] {
        guard let v = value else { return [] }
        guard let list = v as? [Any] else { throw f.fail("electrical", "must be a list, got \(describeJSON(v))") }
        var gaps: [ElectricalSynapse] = []
        for (k, item) in list.enumerated() {
            let field = "electrical[\(k)]"
            let e = try f.object(item, field, allowed: ["between", "g"])!
            guard let pair = e["between"] as? [Any], pair.count == 2 else {
                throw f.fail("\(field).between", e["between"].map { "must be [CELL, CELL], got \(describeJSON($0))" } ?? "missing: [CELL, CELL]")
            }
            let a = try cellIndex(pair[0], "\(field).between[0]"), b = try cellIndex(pair[1], "\(field).between[1]")
            guard let g = try f.number(e["g"], "\(field).g") else { throw f.fail("\(field).g", "missing (mS/cm²)") }
            gaps.append(ElectricalSynapse(names[a], names[b], conductance: g))
        }
        return gaps
    }
}
