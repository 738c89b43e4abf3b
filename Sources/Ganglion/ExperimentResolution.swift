import Foundation

extension Experiment {
    /// The experiment an experiment file describes: its cells loaded, generated or drawn, its controllers planned
    /// and tried on the first cell, its events given the cell family's defaults and checked, `overrides` applied
    /// to its solver settings. `override` replaces the file's profile. Errors name the file and the field.
    public init(resolving d: ExperimentFile, profile override: Profile? = nil,
                solver overrides: SolverOverrides = SolverOverrides()) throws(ModelFileError) {
        let f = FieldReader(file: d.file)
        let profile = override ?? d.profile ?? .ganglion
        let cells = try Self.cells(d.cells, profile: profile, f)
        let first = cells[0].neuron

        let plan = try d.homeostasis.map { h throws(ModelFileError) in try HomeostasisPlan(resolving: h, cell: first, profile: profile, f) }
        let mechanisms = try d.regulation?.mechanisms(for: first, f) ?? []
        for m in mechanisms {
            for driven in m.drivenConductances where plan?.regulated?.contains(driven.conductance) == true {
                throw f.fail("homeostasis.regulate", "'\(driven.conductance)' is also driven by the regulation (\(m.name)): a conductance can have one driver")
            }
        }
        let modulation = try d.neuromodulation.map { n throws(ModelFileError) in
            try NeuromodulationPlan(resolving: n, cell: first, mechanisms: mechanisms, regulated: plan?.regulated, profile: profile, f)
        }
        var request = SimulationRequest(neuron: first, duration: d.duration)
        do { request.solverSettings = try overrides.applied(to: d.solver) } catch { throw f.fail(nil, error.message) }

        if !d.events.isEmpty {
            let family = NeuronKind.of(first)
            var events: [ProtocolEvent] = []
            for (i, e) in d.events.enumerated() {
                events.append(try ProtocolEvent(resolving: e, field: "protocol[\(i)]", family: family, profile: profile, f))
            }
            var check = first
            if plan != nil { check.homeostasis = Homeostasis(timeConstants: [:], tauG: 1, calciumTarget: 0) }
            if let m = modulation { check.neuromodulation = m.template }
            do { try ProtocolState.validate(events, for: check, duration: d.duration) } catch {
                throw f.fail("protocol[\(error.index)]", error.reason)
            }
            request.events = events
        }
        Self.apply(d.outputs, to: &request)
        if let why = RunLimits.violation(duration: d.duration, outputInterval: request.outputInterval, step: request.solverSettings.fixedStep,
                                         checkpointInterval: request.checkpointInterval) {
            throw f.fail(d.outputs.traceInterval != nil ? "outputs.trace.dt_ms" : "duration_ms", why)
        }
        let isPopulation = if case .population = d.cells { true } else { false }
        self.init(name: d.name, cells: cells, request: request, homeostasis: plan, neuromodulation: modulation, mechanisms: mechanisms,
                  preparation: d.preparation, profile: profile, traceInterval: d.outputs.traceInterval, isPopulation: isPopulation)
    }

    /// The outputs of an experiment file in `request`.
    static func apply(_ o: ExperimentOutputs, to request: inout SimulationRequest) {
        request.traceWindow = o.traceWindow
        if let list = o.record { request.record = list.flatMap { RecordItem.parseList($0) } }
        request.extraWindows = o.windows
        request.conductanceInterval = o.conductanceInterval
        request.conductanceTimes = o.conductanceTimes
        if let w = o.calciumAverageWindow { request.calciumAverageWindow = w }
        request.snapshotTimes = o.snapshotTimes
        if let s = o.snapshot {
            request.snapshotDuration = s.duration
            request.snapshotWindow = s.window
        }
        request.checkpointInterval = o.checkpointInterval
        if let dt = o.traceInterval { request.outputInterval = dt }
    }

    /// The cells of an experiment file: the one cell, or the chosen cells of its population (loaded, generated
    /// with the profile's compensation variant unless the file names one, or drawn).
    static func cells(_ c: ExperimentFile.Cells, profile: Profile, _ f: FieldReader) throws(ModelFileError) -> [(index: Int?, neuron: NeuronDescription)] {
        let all: [NeuronDescription]
        let choice: CellChoice
        switch c {
        case .cell(.model(let path)): return [(nil, try ModelFile.loadAny(path))]
        case .cell(.inline(let neuron)): return [(nil, neuron)]
        case let .population(source, chosen):
            all = try population(source, profile: profile, f)
            choice = chosen
        }
        var chosen = Array(all.indices)
        switch choice {
        case .all: break
        case .first(let n): chosen = Array(chosen.prefix(n))
        case .indices(let list):
            chosen = []
            for (i, v) in list.enumerated() {
                guard v == v.rounded(), v >= 0, v < Double(all.count) else {
                    throw f.fail("cells[\(i)]", "must be a cell index in 0..<\(all.count), got \(describeJSON(v))")
                }
                chosen.append(Int(v))
            }
        }
        guard !chosen.isEmpty else { throw f.fail("cells", "no cells chosen") }
        return chosen.map { ($0, all[$0]) }
    }

    /// Every cell of an experiment file's population.
    static func population(_ source: PopulationSource, profile: Profile, _ f: FieldReader) throws(ModelFileError) -> [NeuronDescription] {
        switch source {
        case .file(let path): return try PopulationFile.load(path).cells
        case .generated(let g):
            // Generated here, deterministically (Docs/science/dics.md §7; `ganglion population` writes the same cells).
            do {
                return try Population.generate(g.recipe, count: g.count ?? 1, seed: g.seed, targets: g.targets,
                                               variant: g.variant ?? profile.compensationVariant).cells
            } catch { throw f.fail("population", "\(error)") }
        case .uniform(let u):
            let base = try ModelFile.loadAny(u.base)
            _ = try f.object(u.ranges as [String: Any], "population.uniform", allowed: Set(base.conductanceNames))
            do { return try UniformPopulation.draw(base: base, ranges: u.ranges, count: u.count, seed: u.seed) } catch {
                throw f.fail("population.uniform", error.description)
            }
        }
    }
}
