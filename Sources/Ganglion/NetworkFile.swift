import Foundation

/// A network experiment file (`Docs/network-files.md`): cells, synapses, gap junctions, controllers,
/// a protocol addressed to cells, and the outputs.
public struct NetworkExperiment: Sendable {
    /// Name of the experiment: the file's `name`, else the file name without its extension.
    public var name: String
    /// Which computations are used where the authors' code differs (the file's, or the override).
    public var profile: Profile
    /// The run: network, duration, solver, protocol, analysis windows and outputs.
    public var request: NetworkRequest
    /// Trace file name inside the output folder (nil: no trace).
    public var traceName: String?
    /// Whether conductances are written (every `request.conductanceInterval` ms).
    public var writesConductances: Bool

    /// Reads a network file. Relative paths inside it are relative to its folder; `solver` replaces some of the
    /// file's solver settings (before any run the controllers need is made).
    public static func load(_ path: String, profile override: Profile? = nil, solver overrides: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> NetworkExperiment {
        OutputPolicy.protectInput(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(file: path, field: nil, message: "cannot read the file (does it exist?)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(data, file: path, folder: folder, profile: override, solver: overrides)
    }

    /// Parses a network file's contents; `file` names it in errors, relative paths are taken from `folder`,
    /// `override` replaces the file's profile and `overrides` some of its solver settings. Throws
    /// `ModelFileError` naming the field at fault.
    public static func parse(_ data: Data, file: String, folder: String, profile override: Profile? = nil,
                             solver overrides: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> NetworkExperiment {
        try ModelFileError.parsing(data, file: file) { document throws(ModelFileError) in
            try parse(value: document.value, file: file, folder: folder, profile: override, solver: overrides)
        }
    }

    static func parse(value parsed: Any, file: String, folder: String, profile override: Profile? = nil,
                      solver overrides: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> NetworkExperiment {
        let f = FieldReader(file: file)
        guard let root = parsed as? [String: Any] else { throw f.fail(nil, "must be a JSON object (a network), got \(describeJSON(parsed))") }
        _ = try f.object(root, "", allowed: ["name", "notes", "duration_ms", "profile", "solver", "population", "cells", "initial",
                                             "homeostasis", "neuromodulation", "synapses", "electrical", "protocol", "outputs"])
        var profile: Profile = .ganglion
        if let p = try f.string(root["profile"], "profile") {
            guard let v = Profile(rawValue: p) else { throw f.fail("profile", "unknown profile '\(p)' (known: ganglion, paper)") }
            profile = v
        }
        if let override { profile = override }
        guard let duration = try f.positive(root["duration_ms"], "duration_ms") else { throw f.fail("duration_ms", "missing") }
        // Solver (no atol: each state keeps its cell's default absolute tolerance); the controllers' reference
        // runs and the network run use it.
        let solverSettings = try f.solverSettings(root["solver"], allowed: ["name", "rtol", "dt", "max_step", "linear_solver"], overrides: overrides)
        func resolve(_ s: String) -> String { s.hasPrefix("/") || NamedModel.named(s) != nil ? s : folder + "/" + s }

        // The population the cells may draw from: a file, or generated per cell (with the cell's τ factors).
        var populationFile: [NeuronDescription]?
        var generator: (recipe: Population.Recipe, seed: UInt64, targets: [DICName: Double], variant: CompensationVariant)?
        switch root["population"] {
        case nil: break
        case let path as String: populationFile = try PopulationFile.load(resolve(path)).cells
        case let p:
            let g = try f.object(p, "population", allowed: ["generate", "seed", "variant", "g_s", "g_u"])!
            guard let family = try f.string(g["generate"], "population.generate"), let recipe = Population.Recipe.named(family) else {
                throw f.fail("population.generate", "missing or unknown family (known: \(Population.Recipe.all.map(\.kind.name).joined(separator: ", ")))")
            }
            guard let seed = try f.number(g["seed"], "population.seed"), seed >= 0, seed == seed.rounded(), seed < 9e15 else {
                throw f.fail("population.seed", g["seed"] == nil ? "missing: the generator's seed, a whole number ≥ 0" : "must be a whole number ≥ 0")
            }
            var variant = profile.compensationVariant
            if let v = try f.string(g["variant"], "population.variant") {
                guard let c = CompensationVariant(rawValue: v) else { throw f.fail("population.variant", "unknown variant '\(v)' (exact, paper, pnas)") }
                variant = c
            }
            var targets: [DICName: Double] = [:]
            if let gs = try f.number(g["g_s"], "population.g_s") { targets[.s] = gs }
            if let gu = try f.number(g["g_u"], "population.g_u") { targets[.u] = gu }
            generator = (recipe, UInt64(seed), targets, variant)
        }

        // Initial voltages: V_i = mean + spread (r − 0.5) from a seeded generator (Docs/science/networks.md §5), Ca at Ca∞(V_i).
        var initialV: (mean: Double, spread: Double, rng: Xoshiro256StarStar)?
        var steadyCalcium = false
        if let i = try f.object(root["initial"], "initial", allowed: ["V_mean", "V_spread", "seed", "Ca"]) {
            let mean = try f.number(i["V_mean"], "initial.V_mean") ?? -60
            let spread = try f.number(i["V_spread"], "initial.V_spread") ?? 10
            guard spread >= 0 else { throw f.fail("initial.V_spread", "must be ≥ 0, got \(spread)") }
            let seed = try f.number(i["seed"], "initial.seed") ?? 1
            guard seed >= 0, seed == seed.rounded(), seed < 9e15 else { throw f.fail("initial.seed", "must be a whole number in 0…9e15, got \(seed)") }
            initialV = (mean, spread, Xoshiro256StarStar(seed: UInt64(seed)))
            switch try f.string(i["Ca"], "initial.Ca") ?? "steady" {
            case "steady": steadyCalcium = true
            case "model": steadyCalcium = false
            case let other: throw f.fail("initial.Ca", "unknown '\(other)' (steady: Ca∞(V₀); model: the model's initial Ca)")
            }
        }

        // Cells.
        guard let list = root["cells"] as? [Any], !list.isEmpty else {
            throw f.fail("cells", root["cells"].map { "must be a non-empty list of cells, got \(describeJSON($0))" } ?? "missing (a list of cells)")
        }
        var cells: [NetworkDescription.Cell] = []
        var cellTargets: [(gs: Double?, gu: Double?)] = []
        var thresholds: [Double?] = []
        for (i, item) in list.enumerated() {
            let field = "cells[\(i)]"
            guard let c = try f.object(item, field, allowed: ["name", "cell", "tau_scale", "V0", "modulate", "dic_targets"]) else { continue }
            guard let name = try f.string(c["name"], "\(field).name"), !name.isEmpty else { throw f.fail("\(field).name", "missing") }
            if let problem = FileName.labelProblem(name) { throw f.fail("\(field).name", "'\(name.debugDescription.dropFirst().dropLast())' \(problem)") }
            var scales: [String: Double] = [:]
            if let t = try f.object(c["tau_scale"], "\(field).tau_scale", allowed: NeuronKind.channelNames) {
                for (k, v) in t { scales[k] = try f.positive(v, "\(field).tau_scale.\(k)")! }
            }
            var neuron: NeuronDescription
            switch c["cell"] {
            case let s as String where s.hasPrefix("#"):
                guard let k = Int(s.dropFirst()), k >= 0, k < 100_000 else { throw f.fail("\(field).cell", "'\(s)' is not #INDEX") }
                if let all = populationFile {
                    guard k < all.count else { throw f.fail("\(field).cell", "the population has \(all.count) cells; #\(k) does not exist") }
                    neuron = all[k]
                } else if let g = generator {
                    do {
                        neuron = try Population.generate(g.recipe, count: k + 1, seed: g.seed, targets: g.targets, variant: g.variant, tauScales: scales).cells[k]
                    } catch { throw f.fail("\(field).cell", "\(error)") }
                } else { throw f.fail("\(field).cell", "'\(s)' needs a \"population\"") }
            case let s as String: neuron = try ModelFile.loadAny(resolve(s))
            case let o as [String: Any]: neuron = try ModelFile.parse(value: o, file: file, field: "\(field).cell", defaultName: name)
            default: throw f.fail("\(field).cell", "missing (a model file, a named model, #INDEX of the population, or an inline model)")
            }
            for (k, v) in scales {
                guard let j = neuron.conductances.firstIndex(where: { $0.name == k }) else {
                    throw f.fail("\(field).tau_scale.\(k)", "the cell has no channel '\(k)'")
                }
                neuron.conductances[j].tauScale = v
            }
            if let v = try f.number(c["V0"], "\(field).V0") { neuron.initialVoltage = v } else if var g = initialV {
                neuron.initialVoltage = g.mean + g.spread * (g.rng.uniform() - 0.5)
                initialV = g
            }
            // V_th of the cell as given (τ factors included): the threshold of its sharp events and controller.
            var vth: Double?
            if neuron.dicReferences != nil { vth = try? DICCalculator(neuron.effective()).threshold(.grid).V }
            if let m = try f.object(c["modulate"], "\(field).modulate", allowed: ["g_s", "g_u", "conductances"]) {
                // Start from the cell modulated to these DICs at its threshold (the compensation solve).
                var targets: [DICName: Double] = [:]
                if let v = try f.number(m["g_s"], "\(field).modulate.g_s") { targets[.s] = v }
                if let v = try f.number(m["g_u"], "\(field).modulate.g_u") { targets[.u] = v }
                guard !targets.isEmpty else { throw f.fail("\(field).modulate", "give g_s, g_u or both") }
                guard let pair = try f.strings(m["conductances"], "\(field).modulate.conductances") ?? NeuronKind.of(neuron)?.modulatedPair else {
                    throw f.fail("\(field).modulate.conductances", "missing (the cell has no family to take the default pair from)")
                }
                guard let v = vth else { throw f.fail("\(field).modulate", "the cell has no threshold to solve at") }
                do { neuron = try compensate(neuron, unknowns: pair, targets: targets, at: .value(v), variant: profile.compensationVariant).neuron } catch {
                    throw f.fail("\(field).modulate", "the compensation solve failed: \(error)")
                }
            }
            let t = try f.object(c["dic_targets"], "\(field).dic_targets", allowed: ["g_s", "g_u"])
            cellTargets.append((try f.number(t?["g_s"], "\(field).dic_targets.g_s"), try f.number(t?["g_u"], "\(field).dic_targets.g_u")))
            thresholds.append(vth)
            cells.append(.init(name: name, neuron: neuron))
        }
        let names = cells.map(\.name)
        func cellIndex(_ s: Any?, _ field: String) throws(ModelFileError) -> Int {
            guard let s else { throw f.fail(field, "missing (a cell name)") }
            guard let n = s as? String else { throw f.fail(field, "must be a cell name, got \(describeJSON(s))") }
            guard let k = names.firstIndex(of: n) else { throw f.fail(field, "unknown cell '\(n)' (cells: \(names.joined(separator: ", ")))") }
            return k
        }

        // Controllers: the experiment-file blocks, built per cell (each cell's own V_th, τ_X, reference).
        var pendingHomeostasis: [Homeostasis?] = Array(repeating: nil, count: cells.count)
        var homeostasisFrom: Set<Int> = []
        if let protocolList = root["protocol"] as? [Any] {
            for item in protocolList {
                guard let e = item as? [String: Any], e["start_homeostasis"] != nil else { continue }
                for k in try targetCells(e["cells"], "protocol", names: names, f) { homeostasisFrom.insert(k) }
            }
        }
        let controllers = root["homeostasis"] != nil || root["neuromodulation"] != nil
        /// The experiment-file blocks (controllers, and `extra`) read for one cell, with its family's defaults, and
        /// run with the network's solver settings.
        func template(_ extra: [String: Any] = [:], cell: NeuronDescription) throws(ModelFileError) -> Experiment {
            var o: [String: Any] = ["duration_ms": duration, "profile": profile.rawValue]
            for k in ["homeostasis", "neuromodulation"] { if let v = root[k] { o[k] = v } }
            for (k, v) in extra { o[k] = v }
            var x = try Experiment.parse(value: o, file: file, folder: folder, profile: profile, cell: cell)
            x.request.solverSettings = solverSettings
            return x
        }
        if controllers {
            for (i, c) in cells.enumerated() {
                var x = try template(cell: c.neuron)
                if var plan = x.neuromodulation {
                    if let gs = cellTargets[i].gs { plan.template.gs = gs }
                    if let gu = cellTargets[i].gu { plan.template.gu = gu }
                    // The authors' network code starts the integrator at 0 (Docs/science/controllers.md §6).
                    if profile == .paper, (root["neuromodulation"] as? [String: Any])?["integrator_start"] == nil { plan.template.integratorStart = .zero }
                    x.neuromodulation = plan
                } else if cellTargets[i].gs != nil || cellTargets[i].gu != nil {
                    throw f.fail("cells[\(i)].dic_targets", "needs a \"neuromodulation\" block")
                }
                let delayed = homeostasisFrom.contains(i)
                do {
                    if delayed {
                        // Homeostasis starts later: built now (τ_X from the t = 0 conductances), switched on by the event.
                        var plain = x
                        plain.homeostasis = nil
                        let withH = try x.request(forCell: 0).neuron
                        pendingHomeostasis[i] = withH.homeostasis
                        cells[i].neuron = try plain.request(forCell: 0).neuron
                    } else {
                        cells[i].neuron = try x.request(forCell: 0).neuron
                    }
                } catch { throw f.fail("cells[\(i)] (\(c.name))", "the controllers: \(error)") }
                if let m = cells[i].neuron.neuromodulation { thresholds[i] = m.thresholdVoltage }
            }
        } else if !homeostasisFrom.isEmpty {
            throw f.fail("protocol", "start_homeostasis needs a \"homeostasis\" block")
        } else if let i = cellTargets.firstIndex(where: { $0.gs != nil || $0.gu != nil }) {
            throw f.fail("cells[\(i)].dic_targets", "needs a \"neuromodulation\" block")
        }
        if steadyCalcium {
            for i in cells.indices {
                do { cells[i].neuron.initialCalcium = try CompiledNeuron(cells[i].neuron).steadyCalcium(V: cells[i].neuron.initialVoltage) } catch {
                    throw f.fail("cells[\(i)]", "\(error)")
                }
            }
        }

        // Synapses.
        var synapses: [ChemicalSynapse] = []
        if let v = root["synapses"] {
            guard let list = v as? [Any] else { throw f.fail("synapses", "must be a list, got \(describeJSON(v))") }
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
        }
        var gaps: [ElectricalSynapse] = []
        if let v = root["electrical"] {
            guard let list = v as? [Any] else { throw f.fail("electrical", "must be a list, got \(describeJSON(v))") }
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
        }
        let network = NetworkDescription(cells: cells, synapses: synapses, electricalSynapses: gaps)
        do { try network.validate() } catch { throw f.fail(error.field, error.reason) }

        var request = NetworkRequest(network: network, duration: duration)
        request.pendingHomeostasis = pendingHomeostasis
        request.thresholds = thresholds
        request.solverSettings = solverSettings

        // Protocol: each event addresses "cells" (a name, a list, or "all") with one single-cell action, or
        // switches homeostasis on.
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
                    for k in e.keys where k != "t" && k != "start_homeostasis" { throw f.fail("\(field).\(k)", "does not go with start_homeostasis") }
                    let m = try f.string(o["m"], "\(field).start_homeostasis.m") ?? "current"
                    guard m == "initial" || m == "current" else { throw f.fail("\(field).start_homeostasis.m", "must be initial (ḡ(0)) or current") }
                    request.events.append(NetworkEvent(time: t, cells: targets, action: .startHomeostasis(mFromInitial: m == "initial")))
                    continue
                }
                // The single-cell action, parsed (and checked) exactly as in an experiment file, once per family
                // of the cells addressed (each takes its family's defaults).
                var families: [String] = []
                for k in targets where !families.contains(cells[k].neuron.kind) { families.append(cells[k].neuron.kind) }
                for kind in families {
                    let group = targets.filter { cells[$0].neuron.kind == kind }
                    let parsedEvent: ProtocolEvent
                    do throws(ModelFileError) {
                        var plain = cells[group[0]].neuron
                        plain.homeostasis = nil
                        plain.neuromodulation = nil
                        let x = try template(["protocol": [e]], cell: plain)
                        guard let one = x.request.events.first else { throw f.fail(field, "no event") }
                        parsedEvent = one
                    } catch {
                        var err = error
                        err.field = err.field.map { $0.replacingOccurrences(of: "protocol[0]", with: field) }
                        throw err
                    }
                    request.events.append(NetworkEvent(time: parsedEvent.time, cells: group, action: .cell(parsedEvent.action)))
                }
            }
            request.events.sort { $0.time < $1.time }
        }

        // Outputs.
        var traceName: String? = "trace.csv"
        var writesConductances = false
        if let o = try f.object(root["outputs"], "outputs", allowed: ["trace", "trace_window_ms", "dt_out_ms", "record", "windows_ms",
                                                                     "reference_cell", "burst_onset_isi_ms", "conductances_every_ms",
                                                                     "checkpoint_every_ms", "snapshots_ms", "snapshot"]) {
            if let t = o["trace"] {
                if let b = t as? Bool, !b { traceName = nil } else {
                    let t = try f.string(t, "outputs.trace")!
                    // A file name inside the run's folder, never a path out of it.
                    if let problem = FileName.problem(t) { throw f.fail("outputs.trace", "'\(t.debugDescription.dropFirst().dropLast())' \(problem)") }
                    traceName = t
                }
            }
            request.traceWindow = try f.window(o["trace_window_ms"], "outputs.trace_window_ms")
            if let w = request.traceWindow, w.upperBound > duration { throw f.fail("outputs.trace_window_ms", "ends after the run (\(duration) ms)") }
            request.outputInterval = try f.positive(o["dt_out_ms"], "outputs.dt_out_ms") ?? 0.1
            request.record = try f.strings(o["record"], "outputs.record") ?? []
            if let ws = o["windows_ms"] {
                guard let l = ws as? [Any], !l.isEmpty else { throw f.fail("outputs.windows_ms", "must be a non-empty list of [START, END], got \(describeJSON(ws))") }
                request.windows = []
                for (k, w) in l.enumerated() {
                    let r = try f.window(w, "outputs.windows_ms[\(k)]")!
                    guard r.upperBound <= duration else { throw f.fail("outputs.windows_ms[\(k)]", "ends after the run (\(duration) ms)") }
                    request.windows.append(r)
                }
            }
            if let r = o["reference_cell"] { request.referenceCell = try cellIndex(r, "outputs.reference_cell") }
            if let g = try f.positive(o["burst_onset_isi_ms"], "outputs.burst_onset_isi_ms") { request.onsetRule = .minimumGap(g) }
            if let c = try f.positive(o["conductances_every_ms"], "outputs.conductances_every_ms") {
                request.conductanceInterval = c
                writesConductances = true
            }
            if let list = o["snapshots_ms"] {
                guard let a = list as? [Any] else { throw f.fail("outputs.snapshots_ms", "must be a list of times (ms), got \(describeJSON(list))") }
                for (k, x) in a.enumerated() {
                    let t = try f.number(x, "outputs.snapshots_ms[\(k)]")!
                    guard t >= 0, t <= duration else { throw f.fail("outputs.snapshots_ms[\(k)]", "\(t) ms is outside the run (0–\(duration) ms)") }
                    request.snapshotTimes.append(t)
                }
            }
            if let s = try f.object(o["snapshot"], "outputs.snapshot", allowed: ["duration_ms", "window_ms"]) {
                request.snapshotDuration = try f.positive(s["duration_ms"], "outputs.snapshot.duration_ms") ?? 15000
                if let why = RunLimits.violation(duration: request.snapshotDuration, outputInterval: 0.1) {
                    throw f.fail("outputs.snapshot.duration_ms", why)
                }
                let d = request.snapshotDuration
                request.snapshotWindow = try f.window(s["window_ms"], "outputs.snapshot.window_ms") ?? (d > 3000 ? 3000...d : 0...d)
                guard request.snapshotWindow.upperBound <= d else {
                    throw f.fail("outputs.snapshot.window_ms", "ends after the snapshot run (\(d) ms)")
                }
            }
            if let c = try f.number(o["checkpoint_every_ms"], "outputs.checkpoint_every_ms") {
                guard c >= 0, c.isFinite else { throw f.fail("outputs.checkpoint_every_ms", "must be ≥ 0 ms (0: no checkpoints), got \(c)") }
                request.checkpointInterval = c > 0 ? c : nil
            }
        }
        let name = try f.string(root["name"], "name") ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        // The name becomes the default output folder, out/<name>.
        if let problem = FileName.problem(name) { throw f.fail("name", "'\(name.debugDescription.dropFirst().dropLast())' \(problem)") }
        return NetworkExperiment(name: name, profile: profile, request: request, traceName: traceName, writesConductances: writesConductances)
    }

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

/// Typed access to the fields of a parsed JSON object, with errors naming the file and the field.
struct FieldReader {
    let file: String
    func fail(_ field: String?, _ message: String) -> ModelFileError { ModelFileError(file: file, field: field, message: message) }
    func object(_ v: Any?, _ field: String, allowed: Set<String>) throws(ModelFileError) -> [String: Any]? {
        guard let v else { return nil }
        guard let o = v as? [String: Any] else { throw fail(field, "must be an object, got \(describeJSON(v))") }
        for k in o.keys.sorted() where !allowed.contains(k) {
            throw fail("\(field.isEmpty ? "" : field + ".")\(k)", "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        return o
    }
    func number(_ v: Any?, _ field: String) throws(ModelFileError) -> Double? {
        guard let v else { return nil }
        guard !(v is Bool), let x = v as? Double, x.isFinite else { throw fail(field, "must be a finite number, got \(describeJSON(v))") }
        return x
    }
    func positive(_ v: Any?, _ field: String) throws(ModelFileError) -> Double? {
        guard let x = try number(v, field) else { return nil }
        guard x > 0 else { throw fail(field, "must be > 0, got \(x)") }
        return x
    }
    func string(_ v: Any?, _ field: String) throws(ModelFileError) -> String? {
        guard let v else { return nil }
        guard let s = v as? String else { throw fail(field, "must be a string, got \(describeJSON(v))") }
        return s
    }
    func strings(_ v: Any?, _ field: String) throws(ModelFileError) -> [String]? {
        guard let v else { return nil }
        guard let list = v as? [String] else { throw fail(field, "must be a list of names, got \(describeJSON(v))") }
        return list
    }
    func window(_ v: Any?, _ field: String) throws(ModelFileError) -> ClosedRange<Double>? {
        guard let v else { return nil }
        guard let a = v as? [Any], a.count == 2, let lo = try number(a[0], field), let hi = try number(a[1], field), hi > lo, lo >= 0 else {
            throw fail(field, "must be [START, END] in ms with 0 ≤ START < END, got \(describeJSON(v))")
        }
        return lo...hi
    }
}
