import Foundation
import GanglionCore
import GanglionModels

extension NetworkFileDescription {
    /// Reads a network given as a JSON value (fields named as in `file`, without locations); relative paths are
    /// taken from `folder`. Throws `ModelFileError` naming the field at fault.
    public static func parse(value parsed: Any, file: String, folder: String) throws(ModelFileError) -> NetworkFileDescription {
        let f = FieldReader(file: file)
        guard let root = parsed as? [String: Any] else { throw f.fail(nil, "must be a JSON object (a network), got \(describeJSON(parsed))") }
        let circuits = try Self.circuits(root, f)
        _ = try f.object(root, "", allowed: ["name", "notes", "duration_ms", "profile", "solver", "population", "cells", "initial",
                                             "homeostasis", "neuromodulation", "synapses", "electrical", "protocol", "outputs", "circuits"])
        var profile: Profile?
        if let p = try f.string(root["profile"], "profile") {
            guard let v = Profile(rawValue: p) else { throw f.fail("profile", "unknown profile '\(p)' (known: ganglion, paper)") }
            profile = v
        }
        guard let duration = try f.positive(root["duration_ms"], "duration_ms") else { throw f.fail("duration_ms", "missing") }
        // No atol: each state keeps its cell's default absolute tolerance.
        let solver = try f.solverSettings(root["solver"], allowed: ["name", "rtol", "dt", "max_step", "linear_solver"])

        var population: PopulationSource?
        switch root["population"] {
        case nil: break
        case let path as String: population = .file(FieldReader.path(path, folder: folder))
        case let p:
            let g = try f.object(p, "population", allowed: ["generate", "seed", "variant", "g_s", "g_u"])!
            population = .generated(try f.populationGeneration(g, allowed: ["generate", "seed", "variant", "g_s", "g_u"]))
        }

        var initial: InitialState?
        if let i = try f.object(root["initial"], "initial", allowed: ["V_mean", "V_spread", "seed", "Ca"]) {
            let mean = try f.number(i["V_mean"], "initial.V_mean") ?? -60
            let spread = try f.number(i["V_spread"], "initial.V_spread") ?? 10
            guard spread >= 0 else { throw f.fail("initial.V_spread", "must be ≥ 0, got \(spread)") }
            let seed = try f.number(i["seed"], "initial.seed") ?? 1
            guard seed >= 0, seed == seed.rounded(), seed < 9e15 else { throw f.fail("initial.seed", "must be a whole number in 0…9e15, got \(seed)") }
            let steady: Bool
            switch try f.string(i["Ca"], "initial.Ca") ?? "steady" {
            case "steady": steady = true
            case "model": steady = false
            case let other: throw f.fail("initial.Ca", "unknown '\(other)' (steady: Ca∞(V₀); model: the model's initial Ca)")
            }
            initial = InitialState(meanVoltage: mean, spread: spread, seed: UInt64(seed), steadyCalcium: steady)
        }

        guard let list = root["cells"] as? [Any], !list.isEmpty else {
            throw f.fail("cells", root["cells"].map { "must be a non-empty list of cells, got \(describeJSON($0))" } ?? "missing (a list of cells)")
        }
        var cells: [Cell] = []
        for (i, item) in list.enumerated() {
            cells.append(try cell(item, field: "cells[\(i)]", hasPopulation: population != nil, folder: folder, f))
        }
        let names = cells.map(\.name)
        func cellIndex(_ s: Any?, _ field: String) throws(ModelFileError) -> Int {
            guard let s else { throw f.fail(field, "missing (a cell name)") }
            guard let n = s as? String else { throw f.fail(field, "must be a cell name, got \(describeJSON(s))") }
            guard let k = names.firstIndex(of: n) else { throw f.fail(field, "unknown cell '\(n)' (cells: \(names.joined(separator: ", ")))") }
            return k
        }

        // Controllers: the experiment-file blocks, for every cell.
        var startsHomeostasis = false
        if let protocolList = root["protocol"] as? [Any] {
            for item in protocolList {
                guard let e = item as? [String: Any], e["start_homeostasis"] != nil else { continue }
                _ = try targetCells(e["cells"], "protocol", names: names, f)
                startsHomeostasis = true
            }
        }
        if root["homeostasis"] == nil, root["neuromodulation"] == nil, startsHomeostasis {
            throw f.fail("protocol", "start_homeostasis needs a \"homeostasis\" block")
        }
        let homeostasis = try HomeostasisDeclaration.parse(root["homeostasis"], f)
        let neuromodulation = try NeuromodulationDeclaration.parse(root["neuromodulation"], f)
        if neuromodulation == nil, let i = cells.firstIndex(where: { $0.dicTargets.gs != nil || $0.dicTargets.gu != nil }) {
            throw f.fail("cells[\(i)].dic_targets", "needs a \"neuromodulation\" block")
        }

        let synapses = try chemicalSynapses(root["synapses"], f, cellIndex: cellIndex, names: names)
        let gaps = try electricalSynapses(root["electrical"], f, cellIndex: cellIndex, names: names)

        // Protocol: each event addresses "cells" (a name, a list, or "all") with one single-cell action, or
        // switches homeostasis on.
        var events: [Event] = []
        if let p = root["protocol"] {
            guard let list = p as? [Any] else { throw f.fail("protocol", "must be a list of events, got \(describeJSON(p))") }
            for (i, item) in list.enumerated() {
                let field = "protocol[\(i)]"
                guard var e = item as? [String: Any] else { throw f.fail(field, "must be an object, got \(describeJSON(item))") }
                let targets = try targetCells(e["cells"], "\(field).cells", names: names, f)
                e["cells"] = nil
                if let h = e["start_homeostasis"] {
                    let o = try f.object(h, "\(field).start_homeostasis", allowed: ["m"]) ?? [:]
                    guard let t = try f.number(e["t"], "\(field).t") else { throw f.fail("\(field).t", "missing") }
                    for k in e.keys.sorted() where k != "t" && k != "start_homeostasis" { throw f.fail("\(field).\(k)", "does not go with start_homeostasis") }
                    let m = try f.string(o["m"], "\(field).start_homeostasis.m") ?? "current"
                    guard m == "initial" || m == "current" else { throw f.fail("\(field).start_homeostasis.m", "must be initial (ḡ(0)) or current") }
                    events.append(Event(time: t, cells: targets, action: .startHomeostasis(mFromInitial: m == "initial")))
                    continue
                }
                let event = try ProtocolEventDeclaration.parse(e, field: field, f)
                switch event.action {
                case .exact(.clamp), .exact(.releaseClamp):
                    throw f.fail(field, "a voltage clamp holds a lone cell, not a cell of a circuit (use it in an experiment file or simulate)")
                default: break
                }
                events.append(Event(time: event.time, cells: targets, action: .cell(event.action)))
            }
        }
        let outputs = try NetworkOutputs.parse(root["outputs"], duration: duration, f, cellIndex: cellIndex)
        let name = try f.string(root["name"], "name") ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        // The name becomes the default output folder, out/<name>.
        if let problem = FileName.problem(name) { throw f.fail("name", "'\(name.debugDescription.dropFirst().dropLast())' \(problem)") }
        return NetworkFileDescription(file: file, name: name, profile: profile, duration: duration, solver: solver, population: population,
                                      initial: initial, cells: cells, homeostasis: homeostasis, neuromodulation: neuromodulation,
                                      synapses: synapses, electricalSynapses: gaps, events: events, outputs: outputs, circuits: circuits)
    }

    /// `circuits`: `{"count": N, "stride": S}`; circuits need cells drawn from the population (`"#j"`).
    static func circuits(_ root: [String: Any], _ f: FieldReader) throws(ModelFileError) -> Circuits? {
        guard let block = root["circuits"] else { return nil }
        let c = try f.object(block, "circuits", allowed: ["count", "stride"])!
        func whole(_ key: String) throws(ModelFileError) -> Int? {
            guard let v = try f.number(c[key], "circuits.\(key)") else { return nil }
            guard v >= 1, v == v.rounded(), v <= 1_000_000 else { throw f.fail("circuits.\(key)", "must be a whole number in 1…1000000, got \(v)") }
            return Int(v)
        }
        guard let count = try whole("count") else { throw f.fail("circuits.count", "missing: how many circuits") }
        // The population cells each circuit draws, "#j" of its cells.
        var drawn: [Int] = []
        for item in root["cells"] as? [Any] ?? [] {
            if let s = (item as? [String: Any])?["cell"] as? String, s.hasPrefix("#"), let j = Int(s.dropFirst()), j >= 0 { drawn.append(j) }
        }
        guard let last = drawn.max() else {
            throw f.fail("circuits", "no cell is drawn from the population (\"cell\": \"#INDEX\"), so every circuit would be the same")
        }
        return Circuits(count: count, stride: try whole("stride") ?? last + 1)
    }

    /// One cell of `cells`.
    static func cell(_ item: Any, field: String, hasPopulation: Bool, folder: String, _ f: FieldReader) throws(ModelFileError) -> Cell {
        let c = try f.object(item, field, allowed: ["name", "cell", "tau_scale", "V0", "modulate", "dic_targets"])!
        guard let name = try f.string(c["name"], "\(field).name"), !name.isEmpty else { throw f.fail("\(field).name", "missing") }
        if let problem = FileName.labelProblem(name) { throw f.fail("\(field).name", "'\(name.debugDescription.dropFirst().dropLast())' \(problem)") }
        var scales: [String: Double] = [:]
        if let t = try f.object(c["tau_scale"], "\(field).tau_scale", allowed: NeuronKind.channelNames) {
            for k in t.keys.sorted() { scales[k] = try f.positive(t[k], "\(field).tau_scale.\(k)")! }
        }
        let origin: CellOrigin
        switch c["cell"] {
        case let s as String where s.hasPrefix("#"):
            guard let k = Int(s.dropFirst()), k >= 0, k < 100_000 else { throw f.fail("\(field).cell", "'\(s)' is not #INDEX") }
            guard hasPopulation else { throw f.fail("\(field).cell", "'\(s)' needs a \"population\"") }
            origin = .populationCell(k)
        case let s as String: origin = .cell(.model(FieldReader.path(s, folder: folder)))
        case let o as [String: Any]: origin = .cell(.inline(try ModelFile.parse(value: o, file: f.file, field: "\(field).cell", defaultName: name)))
        default: throw f.fail("\(field).cell", "missing (a model file, a named model, #INDEX of the population, or an inline model)")
        }
        let v0 = try f.number(c["V0"], "\(field).V0")
        var modulation: Modulation?
        if let m = try f.object(c["modulate"], "\(field).modulate", allowed: ["g_s", "g_u", "conductances"]) {
            var targets: [DICName: Double] = [:]
            if let v = try f.number(m["g_s"], "\(field).modulate.g_s") { targets[.s] = v }
            if let v = try f.number(m["g_u"], "\(field).modulate.g_u") { targets[.u] = v }
            guard !targets.isEmpty else { throw f.fail("\(field).modulate", "give g_s, g_u or both") }
            modulation = Modulation(targets: targets, conductances: try f.strings(m["conductances"], "\(field).modulate.conductances"))
        }
        let t = try f.object(c["dic_targets"], "\(field).dic_targets", allowed: ["g_s", "g_u"])
        return Cell(name: name, origin: origin, tauScales: scales, initialVoltage: v0, modulation: modulation,
                    dicTargets: (try f.number(t?["g_s"], "\(field).dic_targets.g_s"), try f.number(t?["g_u"], "\(field).dic_targets.g_u")))
    }

    /// The cells an event addresses: a name, a list of names, or "all".
    static func targetCells(_ v: Any?, _ field: String, names: [String], _ f: FieldReader) throws(ModelFileError) -> [Int] {
        func index(_ n: String) throws(ModelFileError) -> Int {
            guard let k = names.firstIndex(of: n) else { throw f.fail(field, "unknown cell '\(n)' (cells: \(names.joined(separator: ", ")))") }
            return k
        }
        switch v {
        case nil: throw f.fail(field, "missing: the cells the event addresses (a name, a list of names, or \"all\")")
        case let s as String: return s == "all" ? Array(names.indices) : [try index(s)]
        case let l as [Any]:
            guard !l.isEmpty else { throw f.fail(field, "an empty list") }
            var out: [Int] = []
            for x in l {
                guard let s = x as? String else { throw f.fail(field, "must be cell names, got \(describeJSON(x))") }
                out.append(try index(s))
            }
            return out
        default: throw f.fail(field, "must be a name, a list of names, or \"all\"")
        }
    }
}
