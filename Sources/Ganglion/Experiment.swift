import Foundation

/// Which computations an experiment uses where the authors' code differs from the correct one
/// (Docs/science/controllers.md §6).
public enum Profile: String, Sendable, CaseIterable {
    /// Ganglion's defaults: exact compensation solves, conductances kept ≥ 0, sharp switches at the event time.
    case ganglion
    /// The authors' choices: linearised solve (ḡ_CaS := 10), negative conductance states allowed (max(ḡ, 0)
    /// in the currents), the sharp switch restarts V, gates and Ca.
    case paper

    /// The compensation computation of this profile: `paper` for the paper profile, else `exact`.
    public var compensationVariant: CompensationVariant { self == .paper ? .paper : .exact }
}

/// How the homeostatic controller of an experiment is built for each cell.
public struct HomeostasisPlan: Sendable {
    /// How the time constants τ_X of the regulated conductances are set.
    public enum Form: Sendable {
        /// τ_X = τ_Na ḡ_Na(0)/ḡ_X(0) (the paper's).
        case paper(tauNa: Double)
        /// τ_X given per regulated channel (ms), the general O'Leary et al. form.
        case oleary(tauM: [String: Double])
    }
    /// Where the calcium target Ca_tgt comes from.
    public enum Target: Sendable {
        /// A given Ca_tgt (model units).
        case value(Double)
        /// The mean calcium of a reference run of the plain cell, over this window (ms).
        case reference(window: ClosedRange<Double>)
    }
    /// How the τ_X are set.
    public var form: Form
    /// Regulated conductances by name (`leak` included if regulated); `nil`: every conductance and the
    /// leak, less the modulated ones when the cell has a neuromodulation controller. The O'Leary form
    /// regulates the channels of its `tauM`.
    public var regulated: [String]?
    /// τ_g (ms).
    public var tauG: Double
    /// The calcium target Ca_tgt: a value, or the mean calcium of a reference run.
    public var target: Target
    /// Whether ḡ_X may go below zero, as in the authors' code (the paper profile's default).
    public var allowsNegativeConductance: Bool

    /// The controller for one cell (a reference run first if the target is taken from one, integrated with `solver`).
    public func homeostasis(for cell: NeuronDescription, solver: SolverSettings = SolverSettings(),
                            shouldStop: (@Sendable () -> Bool)? = nil) throws(SimulationError) -> Homeostasis {
        let caTarget: Double
        switch target {
        case .value(let v): caTarget = v
        case .reference(let w):
            var plain = cell
            plain.homeostasis = nil
            var r = SimulationRequest(neuron: plain, duration: w.upperBound)
            r.window = w
            r.solverSettings = solver
            r.shouldStop = shouldStop
            guard let ca = try simulate(r).meanCalcium else {
                throw SimulationError(message: "the reference run gave no mean calcium")
            }
            caTarget = ca
        }
        var h: Homeostasis
        switch form {
        case .paper(let tauNa):
            do { h = try Homeostasis.paper(cell, regulated: regulated, tauNa: tauNa, tauG: tauG, calciumTarget: caTarget) } catch {
                throw SimulationError(message: "homeostasis: \(error)")
            }
        case .oleary(let tauM):
            h = Homeostasis(timeConstants: tauM, tauG: tauG, calciumTarget: caTarget)
        }
        h.allowsNegativeConductance = allowsNegativeConductance
        var check = cell
        check.homeostasis = h
        do { try check.validate() } catch { throw SimulationError(message: "homeostasis: \(error)") }
        return h
    }
}

/// How the neuromodulation controller of an experiment is built for each cell.
public struct NeuromodulationPlan: Sendable {
    /// The controller with everything but V_th (which is per cell unless given).
    public var template: Neuromodulation
    /// nil: the grid threshold of each initial cell (a model's fixed threshold, e.g. DA's −55.5, if it has one).
    public var thresholdVoltage: Double?

    /// The controller for one cell: the template with `thresholdVoltage`, or else the cell's grid
    /// threshold (mV). Throws `SimulationError` if the threshold cannot be found.
    public func neuromodulation(for cell: NeuronDescription) throws(SimulationError) -> Neuromodulation {
        var m = template
        if let v = thresholdVoltage { m.thresholdVoltage = v } else {
            do { m.thresholdVoltage = try DICCalculator(cell.effective()).threshold(.grid).V } catch {
                throw SimulationError(message: "neuromodulation: the cell's threshold: \(error)")
            }
        }
        return m
    }
}

/// A preparatory run (Docs/science/controllers.md §4): the cell with its controllers runs for a while (with these DIC
/// targets), then the experiment starts from its conductances with fresh initial conditions (V, gates, Ca,
/// m = ḡ, pool = ḡ, z at steady state) and τ_X recomputed from them; V_th stays the initial cell's.
public struct Preparation: Sendable {
    /// Duration of the preparatory run (ms).
    public var duration: Double
    /// DIC targets g_s and g_u (dimensionless) from the start of the preparatory run; `nil`: the
    /// controller's own.
    public var gs: Double?, gu: Double?
}

/// An experiment file (`Docs/experiment-files.md`): the cell or a population, optional homeostasis, a
/// duration, a protocol of timed events, the outputs, and the profile.
public struct Experiment: Sendable {
    /// Name of the experiment: the file's `name`, else the file name without its extension.
    public var name: String
    /// The cells: one, or the chosen cells of a population file (with their indices).
    public var cells: [(index: Int?, neuron: NeuronDescription)]
    /// Everything but the cell (`request.neuron` is the first cell).
    public var request: SimulationRequest
    /// How each cell's homeostatic controller is built; `nil`: no homeostasis.
    public var homeostasis: HomeostasisPlan?
    /// How each cell's neuromodulation controller is built; `nil`: no neuromodulation.
    public var neuromodulation: NeuromodulationPlan?
    /// Further state-carrying mechanisms given to every cell (the file's `regulation`).
    public var mechanisms: [any CellMechanism] = []
    /// A preparatory run before the experiment proper; `nil`: none.
    public var preparation: Preparation?
    /// Which computations are used where the authors' code differs (the file's, or the override).
    public var profile: Profile
    /// Sampling of the trace file (ms), nil: no trace.
    public var traceInterval: Double?
    /// Whether the experiment is over a population (output per cell plus statistics).
    public var isPopulation: Bool

    /// Reads an experiment file. Relative paths inside it are relative to its folder; `solver` replaces some of
    /// the file's solver settings.
    public static func load(_ path: String, profile override: Profile? = nil, solver overrides: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> Experiment {
        OutputPolicy.protectInput(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(file: path, field: nil, message: "cannot read the file (does it exist?)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(data, file: path, folder: folder, profile: override, solver: overrides)
    }

    /// The request for cell k of `cells`, with its homeostatic controller (a reference run first if needed).
    public func request(forCell k: Int) throws(SimulationError) -> SimulationRequest {
        var r = request
        var cell = cells[k].neuron
        func controllers(_ cell: NeuronDescription, threshold: Double?) throws(SimulationError) -> NeuronDescription {
            var c = cell
            c.mechanisms = mechanisms
            if let plan = neuromodulation {
                var m = try plan.neuromodulation(for: c)
                if let threshold { m.thresholdVoltage = threshold }
                c.neuromodulation = m
            }
            if var plan = homeostasis {
                if plan.regulated == nil, c.neuromodulation != nil || !c.mechanisms.isEmpty {
                    // Every conductance not driven by the controller or another mechanism.
                    let driven = Set(c.conductanceDrivers.map(\.conductance))
                    plan.regulated = c.conductanceNames.filter { !driven.contains($0) }
                }
                c.homeostasis = try plan.homeostasis(for: c, solver: r.solverSettings, shouldStop: r.shouldStop)
            }
            return c
        }
        cell = try controllers(cell, threshold: nil)
        if let p = preparation {
            // The preparatory run; then its conductances, fresh initial conditions, τ_X from them.
            var prep = SimulationRequest(neuron: cell, duration: p.duration)
            prep.solverSettings = r.solverSettings
            if p.gs != nil || p.gu != nil { prep.events = [ProtocolEvent(time: 0, action: .dicTargets(gs: p.gs, gu: p.gu))] }
            prep.conductanceTimes = [p.duration]
            prep.shouldStop = r.shouldStop
            let report = try simulate(prep)
            var next = cells[k].neuron
            for (name, g) in report.conductanceSamples[0].conductances { next.setGbar(name, g) }
            cell = try controllers(next, threshold: cell.neuromodulation?.thresholdVoltage)
        }
        r.neuron = cell
        return r
    }

    /// - Parameters:
    ///   - override: a profile replacing the file's (`ganglion run --profile`).
    ///   - overrides: replacements of some of the file's solver settings (`ganglion run --solver`, `--dt`, …).
    /// Errors give the line and column of the field at fault.
    public static func parse(_ data: Data, file: String, folder: String, profile override: Profile? = nil,
                             solver overrides: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> Experiment {
        try ModelFileError.parsing(data, file: file) { document throws(ModelFileError) in
            try parse(value: document.value, file: file, folder: folder, profile: override, solver: overrides)
        }
    }

    /// Parses an experiment given as a JSON value (fields named as in `file`, without locations); `cell`, if
    /// given, is the cell of an experiment without `cell` or `population`.
    static func parse(value parsed: Any, file: String, folder: String, profile override: Profile? = nil,
                      solver overrides: SolverOverrides = SolverOverrides(), cell given: NeuronDescription? = nil) throws(ModelFileError) -> Experiment {
        func fail(_ field: String?, _ message: String) -> ModelFileError { ModelFileError(file: file, field: field, message: message) }
        guard let root = parsed as? [String: Any] else { throw fail(nil, "must be a JSON object (an experiment), got \(describeJSON(parsed))") }
        let reader = FieldReader(file: file)
        func object(_ v: Any?, _ field: String, allowed: Set<String>) throws(ModelFileError) -> [String: Any]? {
            try reader.object(v, field, allowed: allowed)
        }
        func number(_ v: Any?, _ field: String) throws(ModelFileError) -> Double? { try reader.number(v, field) }
        func positive(_ v: Any?, _ field: String) throws(ModelFileError) -> Double? { try reader.positive(v, field) }
        func string(_ v: Any?, _ field: String) throws(ModelFileError) -> String? { try reader.string(v, field) }
        func bool(_ v: Any?, _ field: String) throws(ModelFileError) -> Bool? {
            guard let v else { return nil }
            guard let b = v as? Bool else { throw fail(field, "must be true or false, got \(describeJSON(v))") }
            return b
        }
        func strings(_ v: Any?, _ field: String) throws(ModelFileError) -> [String]? { try reader.strings(v, field) }
        func window(_ v: Any?, _ field: String) throws(ModelFileError) -> ClosedRange<Double>? { try reader.window(v, field) }
        func times(_ v: Any?, _ field: String, duration: Double) throws(ModelFileError) -> [Double] {
            guard let v else { return [] }
            guard let a = v as? [Any] else { throw fail(field, "must be a list of times (ms), got \(describeJSON(v))") }
            var out: [Double] = []
            for (i, x) in a.enumerated() {
                let t = try number(x, "\(field)[\(i)]")!
                guard t >= 0, t <= duration else { throw fail("\(field)[\(i)]", "\(t) ms is outside the run (0–\(duration) ms)") }
                out.append(t)
            }
            return out.sorted()
        }
        func resolve(_ s: String) -> String { s.hasPrefix("/") || NamedModel.named(s) != nil ? s : folder + "/" + s }

        _ = try object(root, "", allowed: ["name", "notes", "cell", "population", "cells", "duration_ms", "solver", "profile",
                                           "homeostasis", "neuromodulation", "regulation", "prepare", "protocol", "outputs"])
        var profile: Profile = .ganglion
        if let p = try string(root["profile"], "profile") {
            guard let v = Profile(rawValue: p) else { throw fail("profile", "unknown profile '\(p)' (known: ganglion, paper)") }
            profile = v
        }
        if let override { profile = override }

        // The cell, or the cells of a population.
        var cells: [(index: Int?, neuron: NeuronDescription)] = []
        let isPopulation = root["population"] != nil
        switch (root["cell"], root["population"]) {
        case (nil, nil) where given != nil: cells = [(nil, given!)]
        case (nil, nil): throw fail("cell", "missing (a model file, a named model, POP.json#INDEX, or an inline model object; or \"population\")")
        case (.some, .some): throw fail("population", "give either a cell or a population, not both")
        case (let s as String, nil): cells = [(nil, try ModelFile.loadAny(resolve(s)))]
        case (let o as [String: Any], nil):
            cells = [(nil, try ModelFile.parse(value: o, file: file, field: "cell", defaultName: "cell"))]
        case (let c?, nil): throw fail("cell", "must be a path string or a model object, got \(describeJSON(c))")
        case (nil, let p):
            let all: [NeuronDescription]
            if let path = p as? String {
                all = try PopulationFile.load(resolve(path)).cells
            } else if let o = p as? [String: Any], o["uniform"] != nil {
                all = try uniformPopulation(o, reader, resolve: resolve)
            } else if let g = try object(p, "population", allowed: ["generate", "count", "seed", "variant", "g_s", "g_u"]) {
                // Generated here, deterministically (Docs/science/dics.md §7; `ganglion population` writes the same cells).
                guard let family = try string(g["generate"], "population.generate"), let recipe = Population.Recipe.named(family) else {
                    throw fail("population.generate", "missing or unknown family (known: \(Population.Recipe.all.map(\.kind.name).joined(separator: ", ")))")
                }
                guard let count = try positive(g["count"], "population.count"), count == count.rounded(), count <= 100_000 else {
                    throw fail("population.count", "must be a whole number of cells in 1…100000")
                }
                guard let seed = try number(g["seed"], "population.seed"), seed >= 0, seed == seed.rounded(), seed < 9e15 else {
                    throw fail("population.seed", g["seed"] == nil ? "missing: the generator's seed, a whole number ≥ 0" : "must be a whole number ≥ 0")
                }
                var variant = profile.compensationVariant
                if let v = try string(g["variant"], "population.variant") {
                    guard let c = CompensationVariant(rawValue: v) else { throw fail("population.variant", "unknown variant '\(v)' (exact, paper, pnas)") }
                    variant = c
                }
                var targets: [DICName: Double] = [:]
                if let gs = try number(g["g_s"], "population.g_s") { targets[.s] = gs }
                if let gu = try number(g["g_u"], "population.g_u") { targets[.u] = gu }
                do {
                    all = try Population.generate(recipe, count: Int(count), seed: UInt64(seed), targets: targets, variant: variant).cells
                } catch { throw fail("population", "\(error)") }
            } else {
                throw fail("population", "must be the path of a population file or {\"generate\": FAMILY, \"count\": N, \"seed\": S}")
            }
            var chosen = Array(all.indices)
            switch root["cells"] {
            case nil: break
            case let n as Double where !(root["cells"] is Bool):
                guard n >= 1, n == n.rounded() else { throw fail("cells", "must be a positive whole number or a list of indices, got \(n)") }
                chosen = Array(chosen.prefix(Int(n)))
            case let list as [Any]:
                chosen = []
                for (i, x) in list.enumerated() {
                    guard let v = x as? Double, v == v.rounded(), v >= 0, Int(v) < all.count else {
                        throw fail("cells[\(i)]", "must be a cell index in 0..<\(all.count), got \(describeJSON(x))")
                    }
                    chosen.append(Int(v))
                }
            default: throw fail("cells", "must be a number of cells or a list of indices")
            }
            cells = chosen.map { ($0, all[$0]) }
        }
        if root["cells"] != nil, !isPopulation { throw fail("cells", "only with a population") }
        guard !cells.isEmpty else { throw fail("cells", "no cells chosen") }
        let first = cells[0].neuron
        // The family of the (first) cell: the defaults of the controllers and events.
        let family = NeuronKind.of(first)

        guard let duration = try number(root["duration_ms"], "duration_ms") else { throw fail("duration_ms", "missing") }
        guard duration > 0 else { throw fail("duration_ms", "must be > 0 ms, got \(duration)") }

        // Homeostasis.
        var plan: HomeostasisPlan?
        if let h = try object(root["homeostasis"], "homeostasis",
                              allowed: ["Ca_target", "tau_g", "tau_Na", "regulate", "form", "tau_m", "reference_window_ms", "allow_negative"]) {
            let target: HomeostasisPlan.Target
            switch h["Ca_target"] {
            case nil: throw fail("homeostasis.Ca_target", "missing (a number, or \"reference\")")
            case let s as String:
                guard s == "reference" else { throw fail("homeostasis.Ca_target", "must be a number or \"reference\", got '\(s)'") }
                target = .reference(window: try window(h["reference_window_ms"], "homeostasis.reference_window_ms") ?? 3000...15000)
            default:
                target = .value(try number(h["Ca_target"], "homeostasis.Ca_target")!)
                if h["reference_window_ms"] != nil { throw fail("homeostasis.reference_window_ms", "only with \"Ca_target\": \"reference\"") }
            }
            let regulate = try strings(h["regulate"], "homeostasis.regulate")
            for n in regulate ?? [] where first.gbar(n) == nil {
                throw fail("homeostasis.regulate", "unknown conductance '\(n)' (known: \(first.conductanceNames.joined(separator: ", ")))")
            }
            let form: HomeostasisPlan.Form
            switch try string(h["form"], "homeostasis.form") ?? "paper" {
            case "paper":
                if h["tau_m"] != nil { throw fail("homeostasis.tau_m", "only with \"form\": \"oleary\" (the paper's form derives τ_X from τ_Na)") }
                form = .paper(tauNa: try positive(h["tau_Na"], "homeostasis.tau_Na") ?? 600)
            case "oleary":
                if h["tau_Na"] != nil { throw fail("homeostasis.tau_Na", "only with \"form\": \"paper\"; give tau_m per channel") }
                guard let t = try object(h["tau_m"], "homeostasis.tau_m", allowed: Set(first.conductanceNames)), !t.isEmpty else {
                    throw fail("homeostasis.tau_m", "missing: the O'Leary form needs τ_m (ms) for every regulated channel")
                }
                var taus: [String: Double] = [:]
                for (k, v) in t { taus[k] = try positive(v, "homeostasis.tau_m.\(k)")! }
                if let regulate, Set(regulate) != Set(taus.keys) {
                    throw fail("homeostasis.regulate", "must name the same channels as tau_m (\(taus.keys.sorted().joined(separator: ", ")))")
                }
                form = .oleary(tauM: taus)
            case let other: throw fail("homeostasis.form", "unknown form '\(other)' (known: paper, oleary)")
            }
            plan = HomeostasisPlan(form: form, regulated: regulate, tauG: try positive(h["tau_g"], "homeostasis.tau_g") ?? 100, target: target,
                                   allowsNegativeConductance: try bool(h["allow_negative"], "homeostasis.allow_negative") ?? (profile == .paper))
            // Check the plan on the first cell now (a value target only: a reference run is done at run time).
            if case .value = target {
                do { _ = try plan!.homeostasis(for: first) } catch { throw fail("homeostasis", error.message) }
            }
        }
        let mechanisms = try RegulationPlan.parse(root["regulation"], reader, cell: first)
        for m in mechanisms {
            for d in m.drivenConductances where plan?.regulated?.contains(d.conductance) == true {
                throw fail("homeostasis.regulate", "'\(d.conductance)' is also driven by the regulation (\(m.name)): a conductance can have one driver")
            }
        }
        // The neuromodulation controller.
        var modulation: NeuromodulationPlan?
        if let n = try object(root["neuromodulation"], "neuromodulation",
                              allowed: ["conductances", "g_s", "g_u", "V_th", "alpha", "beta", "K_p", "K_i", "K_t", "u_max",
                                        "anti_windup", "integrator_start", "variant"]) {
            guard let pair = try strings(n["conductances"], "neuromodulation.conductances") ?? family?.modulatedPair else {
                throw fail("neuromodulation.conductances", "missing (the cell has no family to take the default pair from)")
            }
            guard let gs = try number(n["g_s"], "neuromodulation.g_s") else { throw fail("neuromodulation.g_s", "missing (the initial target)") }
            guard let gu = try number(n["g_u"], "neuromodulation.g_u") else { throw fail("neuromodulation.g_u", "missing (the initial target)") }
            var m = Neuromodulation(conductances: pair, gs: gs, gu: gu, thresholdVoltage: 0)
            if let v = try positive(n["alpha"], "neuromodulation.alpha") { m.alpha = v }
            if let v = try positive(n["beta"], "neuromodulation.beta") { m.beta = v }
            if let v = try positive(n["K_p"], "neuromodulation.K_p") { m.kp = v }
            if let v = try positive(n["K_i"], "neuromodulation.K_i") { m.ki = v }
            m.kt = try positive(n["K_t"], "neuromodulation.K_t") ?? m.beta / m.ki
            if let v = try positive(n["u_max"], "neuromodulation.u_max") { m.uMax = v }
            // The paper profile: the authors' controller of the family (Docs/science/controllers.md §6).
            m.antiWindup = try bool(n["anti_windup"], "neuromodulation.anti_windup") ?? (profile == .paper ? family?.paperAntiWindup ?? true : true)
            if let z = try string(n["integrator_start"], "neuromodulation.integrator_start") {
                guard let v = Neuromodulation.IntegratorStart(rawValue: z) else {
                    throw fail("neuromodulation.integrator_start", "unknown '\(z)' (steady-state or zero)")
                }
                m.integratorStart = v
            }
            m.variant = profile.compensationVariant
            if let v = try string(n["variant"], "neuromodulation.variant") {
                guard let c = CompensationVariant(rawValue: v) else { throw fail("neuromodulation.variant", "unknown variant '\(v)' (exact, paper, pnas)") }
                m.variant = c
            }
            let vth = try number(n["V_th"], "neuromodulation.V_th")
            var check = first
            check.neuromodulation = m
            check.mechanisms = mechanisms
            check.neuromodulation!.thresholdVoltage = vth ?? (try? DICCalculator(first.effective()).threshold(.grid).V) ?? -50
            do { _ = try CompiledNeuron(check) } catch { throw fail("neuromodulation", error.description) }
            if let regulated = plan?.regulated, let both = pair.first(where: regulated.contains) {
                throw fail("homeostasis.regulate", "'\(both)' is also modulated: the regulated and modulated sets must be disjoint")
            }
            modulation = NeuromodulationPlan(template: m, thresholdVoltage: vth)
        }
        var preparation: Preparation?
        if let p = try object(root["prepare"], "prepare", allowed: ["duration_ms", "dic_targets"]) {
            guard let d = try positive(p["duration_ms"], "prepare.duration_ms") else { throw fail("prepare.duration_ms", "missing") }
            var prep = Preparation(duration: d)
            if let t = try object(p["dic_targets"], "prepare.dic_targets", allowed: ["g_s", "g_u"]) {
                guard modulation != nil else { throw fail("prepare.dic_targets", "needs a neuromodulation controller") }
                prep.gs = try number(t["g_s"], "prepare.dic_targets.g_s")
                prep.gu = try number(t["g_u"], "prepare.dic_targets.g_u")
            }
            preparation = prep
        }
        var request = SimulationRequest(neuron: first, duration: duration)

        // Solver.
        request.solverSettings = try reader.solverSettings(root["solver"], allowed: ["name", "rtol", "atol", "dt", "max_step", "linear_solver"],
                                                           overrides: overrides)

        // Protocol.
        if let p = root["protocol"] {
            guard let list = p as? [Any] else { throw fail("protocol", "must be a list of events, got \(describeJSON(p))") }
            let actionKeys = ["block", "unblock", "current", "ramp", "set", "scale", "Ca_target", "sharp", "dic_targets", "clamp", "release"]
            var events: [ProtocolEvent] = []
            for (i, item) in list.enumerated() {
                let field = "protocol[\(i)]"
                guard let e = try object(item, field, allowed: Set(actionKeys + ["t", "fraction", "value", "factor", "until", "conductances", "V"])) else { continue }
                guard let t = try number(e["t"], "\(field).t") else { throw fail("\(field).t", "missing") }
                let actions = actionKeys.filter { e[$0] != nil }
                guard actions.count == 1 else {
                    throw fail(field, "needs exactly one of \(actionKeys.joined(separator: ", ")) (has \(actions.isEmpty ? "none" : actions.joined(separator: ", ")))")
                }
                let extras: [String: Set<String>] = ["block": ["fraction"], "set": ["value"], "scale": ["factor"], "ramp": ["until"], "sharp": ["conductances", "V"]]
                for k in ["fraction", "value", "factor", "until", "conductances", "V"] where e[k] != nil && !(extras[actions[0]]?.contains(k) ?? false) {
                    throw fail("\(field).\(k)", "does not go with '\(actions[0])'")
                }
                func targets(_ v: Any?, _ f: String) throws(ModelFileError) -> (Double?, Double?) {
                    guard let o = try object(v, f, allowed: ["g_s", "g_u"]) else { return (nil, nil) }
                    let r = (try number(o["g_s"], "\(f).g_s"), try number(o["g_u"], "\(f).g_u"))
                    guard r.0 != nil || r.1 != nil else { throw fail(f, "give g_s, g_u or both") }
                    return r
                }
                let action: ProtocolEvent.Action
                switch actions[0] {
                case "block": action = .block(channel: try string(e["block"], "\(field).block")!, fraction: try number(e["fraction"], "\(field).fraction") ?? 0)
                case "unblock": action = .unblock(channel: try string(e["unblock"], "\(field).unblock")!)
                case "current": action = .appliedCurrent(try number(e["current"], "\(field).current")!)
                case "ramp":
                    guard let until = try number(e["until"], "\(field).until") else { throw fail("\(field).until", "missing (the ramp's end time, ms)") }
                    action = .ramp(to: try number(e["ramp"], "\(field).ramp")!, end: until)
                case "Ca_target": action = .calciumTarget(try number(e["Ca_target"], "\(field).Ca_target")!)
                case "scale":
                    guard let f = try number(e["factor"], "\(field).factor") else { throw fail("\(field).factor", "missing (the factor ḡ is multiplied by)") }
                    action = .scaleConductance(channel: try string(e["scale"], "\(field).scale")!, factor: f)
                case "sharp":
                    let (gs, gu) = try targets(e["sharp"], "\(field).sharp")
                    guard let pair = try strings(e["conductances"], "\(field).conductances") ?? family?.modulatedPair else {
                        throw fail("\(field).conductances", "missing (the cell has no family to take the default pair from)")
                    }
                    action = .sharp(SharpNeuromodulation(gs: gs, gu: gu, conductances: pair, voltage: try number(e["V"], "\(field).V"),
                                                         variant: profile.compensationVariant, restart: profile == .paper))
                case "dic_targets":
                    let (gs, gu) = try targets(e["dic_targets"], "\(field).dic_targets")
                    action = .dicTargets(gs: gs, gu: gu)
                case "clamp": action = .clamp(try number(e["clamp"], "\(field).clamp")!)
                case "release":
                    guard try bool(e["release"], "\(field).release") == true else { throw fail("\(field).release", "must be true (releases the voltage clamp)") }
                    action = .releaseClamp
                default:
                    guard let v = try number(e["value"], "\(field).value") else { throw fail("\(field).value", "missing (mS/cm²)") }
                    action = .setConductance(channel: try string(e["set"], "\(field).set")!, value: v)
                }
                events.append(ProtocolEvent(time: t, action: action))
            }
            var check = first
            if plan != nil { check.homeostasis = Homeostasis(timeConstants: [:], tauG: 1, calciumTarget: 0) }
            if let m = modulation { check.neuromodulation = m.template }
            do { try ProtocolState.validate(events, for: check, duration: duration) } catch {
                throw fail("protocol[\(error.index)]", error.reason)
            }
            request.events = events
        }

        // Outputs.
        var traceInterval: Double?
        if let o = try object(root["outputs"], "outputs", allowed: ["trace", "windows_ms", "conductances", "snapshots_ms", "snapshot", "checkpoint_every_ms"]) {
            if let t = try object(o["trace"], "outputs.trace", allowed: ["dt_ms", "window_ms", "record"]) {
                let dt = try positive(t["dt_ms"], "outputs.trace.dt_ms") ?? 0.1
                traceInterval = dt
                request.traceWindow = try window(t["window_ms"], "outputs.trace.window_ms")
                if let list = try strings(t["record"], "outputs.trace.record") { request.record = list.flatMap { RecordItem.parseList($0) } }
            }
            if let w = o["windows_ms"] {
                guard let list = w as? [Any] else { throw fail("outputs.windows_ms", "must be a list of [START, END], got \(describeJSON(w))") }
                for (i, item) in list.enumerated() {
                    let range = try window(item, "outputs.windows_ms[\(i)]")!
                    guard range.upperBound <= duration else {
                        throw fail("outputs.windows_ms[\(i)]", "[\(range.lowerBound), \(range.upperBound)] ms is outside the run (0–\(duration) ms)")
                    }
                    request.extraWindows.append(range)
                }
            }
            if let c = try object(o["conductances"], "outputs.conductances", allowed: ["every_ms", "at_ms", "calcium_average_ms"]) {
                request.conductanceInterval = try positive(c["every_ms"], "outputs.conductances.every_ms")
                request.conductanceTimes = try times(c["at_ms"], "outputs.conductances.at_ms", duration: duration)
                if let w = try positive(c["calcium_average_ms"], "outputs.conductances.calcium_average_ms") {
                    let every = request.conductanceInterval ?? 1000
                    let ratio = w / every
                    guard abs(ratio - ratio.rounded()) < 1e-9 else {
                        throw fail("outputs.conductances.calcium_average_ms", "must be a multiple of every_ms (\(every) ms), got \(w)")
                    }
                    request.calciumAverageWindow = w
                } else if let every = request.conductanceInterval, (5000 / every).rounded() != 5000 / every {
                    // The default 5 s average needs a whole number of samples; else it spans one sample
                    // interval rounded up to a multiple of it.
                    request.calciumAverageWindow = every * max(1, (5000 / every).rounded(.up))
                }
            }
            request.snapshotTimes = try times(o["snapshots_ms"], "outputs.snapshots_ms", duration: duration)
            if let s = try object(o["snapshot"], "outputs.snapshot", allowed: ["duration_ms", "window_ms"]) {
                request.snapshotDuration = try positive(s["duration_ms"], "outputs.snapshot.duration_ms") ?? 15000
                if let why = RunLimits.violation(duration: request.snapshotDuration, outputInterval: 0.1) {
                    throw fail("outputs.snapshot.duration_ms", why)
                }
                // Default: 3 s to the end (at most 15 s), or the whole rerun when it is 3 s or shorter.
                let d = request.snapshotDuration
                request.snapshotWindow = try window(s["window_ms"], "outputs.snapshot.window_ms") ?? (d > 3000 ? 3000 : 0)...min(15000, d)
                guard request.snapshotWindow.upperBound <= request.snapshotDuration else {
                    throw fail("outputs.snapshot.window_ms", "must lie inside the snapshot run (0–\(request.snapshotDuration) ms)")
                }
            }
            if let c = try number(o["checkpoint_every_ms"], "outputs.checkpoint_every_ms") {
                guard c >= 0 else { throw fail("outputs.checkpoint_every_ms", "must be ≥ 0 ms (0: no checkpoints), got \(c)") }
                request.checkpointInterval = c > 0 ? c : nil
            } else if duration >= 60000 {
                request.checkpointInterval = 30000
            }
        } else if duration >= 60000 {
            request.checkpointInterval = 30000
        }
        if let dt = traceInterval { request.outputInterval = dt }
        if let why = RunLimits.violation(duration: duration, outputInterval: request.outputInterval, step: request.solverSettings.fixedStep,
                                         checkpointInterval: request.checkpointInterval) {
            throw fail(traceInterval != nil ? "outputs.trace.dt_ms" : "duration_ms", why)
        }
        let name = try string(root["name"], "name") ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        // The name becomes the default output folder, out/<name>.
        if let problem = FileName.problem(name) { throw fail("name", "'\(name.debugDescription.dropFirst().dropLast())' \(problem)") }
        return Experiment(name: name, cells: cells, request: request, homeostasis: plan, neuromodulation: modulation, mechanisms: mechanisms,
                          preparation: preparation, profile: profile,
                          traceInterval: traceInterval, isPopulation: isPopulation)
    }
}
