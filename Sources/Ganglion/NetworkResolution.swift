import Foundation

extension NetworkExperiment {
    /// The network run a network file describes: each cell loaded or generated (with its τ factors), given its
    /// initial voltage, modulated at its threshold (the compensation solve) and given its controllers (their
    /// reference runs made with the run's solver settings); Ca at steady state if asked; each cell event given
    /// the defaults of the family of the cells it addresses and checked. `override` replaces the file's profile,
    /// `overrides` some of its solver settings. Errors name the file and the field.
    public init(resolving d: NetworkFileDescription, profile override: Profile? = nil,
                solver overrides: SolverOverrides = SolverOverrides()) throws(ModelFileError) {
        guard d.circuits == nil else {
            throw FieldReader(file: d.file).fail("circuits", "a population of circuits runs each circuit as its own network (`CircuitPopulation`)")
        }
        try self.init(resolvingCircuit: d, profile: override, solver: overrides)
    }

    /// The network `d` describes, its `circuits` block aside; `populationCells`: the cells of its population
    /// file when already read.
    init(resolvingCircuit d: NetworkFileDescription, profile override: Profile?, solver overrides: SolverOverrides,
         populationCells: [NeuronDescription]? = nil) throws(ModelFileError) {
        let f = FieldReader(file: d.file)
        let profile = override ?? d.profile ?? .ganglion
        let solverSettings: SolverSettings
        do { solverSettings = try overrides.applied(to: d.solver) } catch { throw f.fail(nil, error.message) }

        var populationFile = populationCells
        if populationFile == nil, case .file(let path) = d.population { populationFile = try PopulationFile.load(path).cells }
        var voltages = d.initial.map { Xoshiro256StarStar(seed: $0.seed) }
        var cells: [NetworkDescription.Cell] = []
        var thresholds: [Double?] = []
        for (i, c) in d.cells.enumerated() {
            let field = "cells[\(i)]"
            var neuron = try Self.neuron(c, field: field, population: d.population, populationFile: populationFile, profile: profile, f)
            for (k, v) in c.tauScales.sorted(by: { $0.key < $1.key }) {
                guard let j = neuron.conductances.firstIndex(where: { $0.name == k }) else {
                    throw f.fail("\(field).tau_scale.\(k)", "the cell has no channel '\(k)'")
                }
                neuron.conductances[j].tauScale = v
            }
            if let v = c.initialVoltage { neuron.initialVoltage = v } else if let initial = d.initial, var g = voltages {
                // V_i = mean + spread (r − 0.5) (Docs/science/networks.md §5).
                neuron.initialVoltage = initial.meanVoltage + initial.spread * (g.uniform() - 0.5)
                voltages = g
            }
            // V_th of the cell as given (τ factors included): the threshold of its sharp events and controller.
            var vth: Double?
            if neuron.dicReferences != nil { vth = try? DICCalculator(neuron.effective()).threshold(.grid).V }
            if let m = c.modulation {
                // Start from the cell modulated to these DICs at its threshold (the compensation solve).
                guard let pair = m.conductances ?? NeuronKind.of(neuron)?.modulatedPair else {
                    throw f.fail("\(field).modulate.conductances", "missing (the cell has no family to take the default pair from)")
                }
                guard let v = vth else { throw f.fail("\(field).modulate", "the cell has no threshold to solve at") }
                do { neuron = try compensate(neuron, unknowns: pair, targets: m.targets, at: .value(v), variant: profile.compensationVariant).neuron } catch {
                    throw f.fail("\(field).modulate", "the compensation solve failed: \(error)")
                }
            }
            thresholds.append(vth)
            cells.append(.init(name: c.name, neuron: neuron))
        }

        // Controllers: the experiment-file blocks, built per cell (each cell's own V_th, τ_X, reference).
        var pendingHomeostasis: [Homeostasis?] = Array(repeating: nil, count: cells.count)
        if d.homeostasis != nil || d.neuromodulation != nil {
            var homeostasisFrom: Set<Int> = []
            for e in d.events { if case .startHomeostasis = e.action { homeostasisFrom.formUnion(e.cells) } }
            for i in cells.indices {
                var x = try Self.controllers(d, cell: cells[i].neuron, solver: solverSettings, profile: profile, f)
                if var plan = x.neuromodulation {
                    if let gs = d.cells[i].dicTargets.gs { plan.template.gs = gs }
                    if let gu = d.cells[i].dicTargets.gu { plan.template.gu = gu }
                    // The authors' network code starts the integrator at 0 (Docs/science/controllers.md §6).
                    if profile == .paper, d.neuromodulation?.integratorStart == nil { plan.template.integratorStart = .zero }
                    x.neuromodulation = plan
                }
                do {
                    if homeostasisFrom.contains(i) {
                        // Homeostasis starts later: built now (τ_X from the t = 0 conductances), switched on by the event.
                        var plain = x
                        plain.homeostasis = nil
                        pendingHomeostasis[i] = try x.request(forCell: 0).neuron.homeostasis
                        cells[i].neuron = try plain.request(forCell: 0).neuron
                    } else {
                        cells[i].neuron = try x.request(forCell: 0).neuron
                    }
                } catch { throw f.fail("cells[\(i)] (\(cells[i].name))", "the controllers: \(error)") }
                if let m = cells[i].neuron.neuromodulation { thresholds[i] = m.thresholdVoltage }
            }
        }
        if d.initial?.steadyCalcium == true {
            for i in cells.indices {
                do { cells[i].neuron.initialCalcium = try CompiledNeuron(cells[i].neuron).steadyCalcium(V: cells[i].neuron.initialVoltage) } catch {
                    throw f.fail("cells[\(i)]", "\(error)")
                }
            }
        }
        let network = NetworkDescription(cells: cells, synapses: d.synapses, electricalSynapses: d.electricalSynapses)
        do { try network.validate() } catch { throw f.fail(error.field, error.reason) }

        var request = NetworkRequest(network: network, duration: d.duration)
        request.pendingHomeostasis = pendingHomeostasis
        request.thresholds = thresholds
        request.solverSettings = solverSettings
        request.events = try Self.events(d, cells: cells, solver: solverSettings, profile: profile, f)
        Self.apply(d.outputs, to: &request)
        self.init(name: d.name, profile: profile, request: request, traceName: d.outputs.traceName,
                  writesConductances: d.outputs.conductanceInterval != nil)
    }

    /// The model of network cell `c` (before its τ factors, voltage and modulation): loaded, or the population's
    /// cell `#k` (from the file, or generated with the cell's τ factors and the profile's variant unless the
    /// population names one).
    static func neuron(_ c: NetworkFileDescription.Cell, field: String, population: PopulationSource?, populationFile: [NeuronDescription]?,
                       profile: Profile, _ f: FieldReader) throws(ModelFileError) -> NeuronDescription {
        switch c.origin {
        case .cell(.model(let path)): return try ModelFile.loadAny(path)
        case .cell(.inline(let neuron)): return neuron
        case .populationCell(let k):
            if let all = populationFile {
                guard k < all.count else { throw f.fail("\(field).cell", "the population has \(all.count) cells; #\(k) does not exist") }
                return all[k]
            }
            guard case .generated(let g) = population else { throw f.fail("\(field).cell", "'#\(k)' needs a \"population\"") }
            do {
                return try Population.generate(g.recipe, count: k + 1, seed: g.seed, targets: g.targets,
                                               variant: g.variant ?? profile.compensationVariant, tauScales: c.tauScales).cells[k]
            } catch { throw f.fail("\(field).cell", "\(error)") }
        }
    }

    /// The controllers of the file's blocks for one cell, as a one-cell experiment run with the network's solver settings.
    static func controllers(_ d: NetworkFileDescription, cell: NeuronDescription, solver: SolverSettings, profile: Profile,
                            _ f: FieldReader) throws(ModelFileError) -> Experiment {
        let plan = try d.homeostasis.map { h throws(ModelFileError) in try HomeostasisPlan(resolving: h, cell: cell, profile: profile, f) }
        let modulation = try d.neuromodulation.map { n throws(ModelFileError) in
            try NeuromodulationPlan(resolving: n, cell: cell, mechanisms: [], regulated: plan?.regulated, profile: profile, f)
        }
        var request = SimulationRequest(neuron: cell, duration: d.duration)
        request.solverSettings = solver
        return Experiment(name: d.name, cells: [(nil, cell)], request: request, homeostasis: plan, neuromodulation: modulation,
                          preparation: nil, profile: profile, traceInterval: nil, isPopulation: false)
    }

    /// The protocol in time order: each single-cell action resolved and checked once per family of the cells it
    /// addresses (each takes its family's defaults).
    static func events(_ d: NetworkFileDescription, cells: [NetworkDescription.Cell], solver: SolverSettings, profile: Profile,
                       _ f: FieldReader) throws(ModelFileError) -> [NetworkEvent] {
        var out: [NetworkEvent] = []
        for (i, e) in d.events.enumerated() {
            let field = "protocol[\(i)]"
            guard case .cell(let action) = e.action else {
                if case .startHomeostasis(let fromInitial) = e.action {
                    out.append(NetworkEvent(time: e.time, cells: e.cells, action: .startHomeostasis(mFromInitial: fromInitial)))
                }
                continue
            }
            var families: [String] = []
            for k in e.cells where !families.contains(cells[k].neuron.kind) { families.append(cells[k].neuron.kind) }
            for kind in families {
                let group = e.cells.filter { cells[$0].neuron.kind == kind }
                var plain = cells[group[0]].neuron
                plain.homeostasis = nil
                plain.neuromodulation = nil
                let x = try controllers(d, cell: plain, solver: solver, profile: profile, f)
                let event = try ProtocolEvent(resolving: ProtocolEventDeclaration(time: e.time, action: action), field: field,
                                              family: NeuronKind.of(plain), profile: profile, f)
                var check = plain
                if x.homeostasis != nil { check.homeostasis = Homeostasis(timeConstants: [:], tauG: 1, calciumTarget: 0) }
                if let m = x.neuromodulation { check.neuromodulation = m.template }
                do { try ProtocolState.validate([event], for: check, duration: d.duration) } catch { throw f.fail(field, error.reason) }
                out.append(NetworkEvent(time: event.time, cells: group, action: .cell(event.action)))
            }
        }
        out.sort { $0.time < $1.time }
        return out
    }

    /// The outputs of a network file in `request`.
    static func apply(_ o: NetworkOutputs, to request: inout NetworkRequest) {
        request.traceWindow = o.traceWindow
        request.outputInterval = o.outputInterval
        request.record = o.record
        if let w = o.windows { request.windows = w }
        if let r = o.referenceCell { request.referenceCell = r }
        if let g = o.burstOnsetGap { request.onsetRule = .minimumGap(g) }
        if let c = o.conductanceInterval { request.conductanceInterval = c }
        request.snapshotTimes = o.snapshotTimes
        if let s = o.snapshot {
            request.snapshotDuration = s.duration
            request.snapshotWindow = s.window
        }
        if let c = o.checkpointInterval { request.checkpointInterval = c > 0 ? c : nil }
    }
}
