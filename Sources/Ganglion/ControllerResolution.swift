/// The controllers, mechanisms and events of a file resolved for a cell: defaults from the cell's family and
/// the profile, names checked against the cell. Errors name the file and the field.

extension HomeostasisPlan {
    /// The plan `declaration` describes for cells like `cell` (its channels checked against the cell; the
    /// plan tried on it when the calcium target is a value). `allow_negative` defaults to the paper profile.
    init(resolving d: HomeostasisDeclaration, cell: NeuronDescription, profile: Profile, _ f: FieldReader) throws(ModelFileError) {
        for n in d.regulated ?? [] where cell.gbar(n) == nil {
            throw f.fail("homeostasis.regulate", "unknown conductance '\(n)' (known: \(cell.conductanceNames.joined(separator: ", ")))")
        }
        if case .oleary(let tauM) = d.form {
            // The channels of tau_m must be the cell's.
            _ = try f.object(tauM as [String: Any], "homeostasis.tau_m", allowed: Set(cell.conductanceNames))
        }
        self.init(form: d.form, regulated: d.regulated, tauG: d.tauG, target: d.target,
                  allowsNegativeConductance: d.allowsNegativeConductance ?? (profile == .paper))
        // Try the plan on the cell (a value target only: a reference run is made at run time).
        if case .value = target {
            do { _ = try homeostasis(for: cell) } catch { throw f.fail("homeostasis", error.message) }
        }
    }
}

extension NeuromodulationPlan {
    /// The plan `declaration` describes for cells like `cell` (with `mechanisms`; the pair and anti-windup
    /// default to the cell family's, the variant to the profile's), checked on the cell; the pair must not meet
    /// the channels `regulated` by homeostasis.
    init(resolving d: NeuromodulationDeclaration, cell: NeuronDescription, mechanisms: [any CellMechanism], regulated: [String]?,
         profile: Profile, _ f: FieldReader) throws(ModelFileError) {
        let family = NeuronKind.of(cell)
        guard let pair = d.conductances ?? family?.modulatedPair else {
            throw f.fail("neuromodulation.conductances", "missing (the cell has no family to take the default pair from)")
        }
        var m = Neuromodulation(conductances: pair, gs: d.gs, gu: d.gu, thresholdVoltage: 0)
        if let v = d.alpha { m.alpha = v }
        if let v = d.beta { m.beta = v }
        if let v = d.kp { m.kp = v }
        if let v = d.ki { m.ki = v }
        m.kt = d.kt ?? m.beta / m.ki
        if let v = d.uMax { m.uMax = v }
        // The paper profile: the authors' controller of the family (Docs/science/controllers.md §6).
        m.antiWindup = d.antiWindup ?? (profile == .paper ? family?.paperAntiWindup ?? true : true)
        if let v = d.integratorStart { m.integratorStart = v }
        m.variant = d.variant ?? profile.compensationVariant
        var check = cell
        check.neuromodulation = m
        check.mechanisms = mechanisms
        check.neuromodulation!.thresholdVoltage = d.thresholdVoltage ?? (try? DICCalculator(cell.effective()).threshold(.grid).V) ?? -50
        do { _ = try CompiledNeuron(check) } catch { throw f.fail("neuromodulation", error.description) }
        if let regulated, let both = pair.first(where: regulated.contains) {
            throw f.fail("homeostasis.regulate", "'\(both)' is also modulated: the regulated and modulated sets must be disjoint")
        }
        self.init(template: m, thresholdVoltage: d.thresholdVoltage)
    }
}

extension RegulationDeclaration {
    /// The mechanisms this block gives `cell`: coefficients given per conductance taken in the cell's order,
    /// and the whole checked on the cell.
    func mechanisms(for cell: NeuronDescription, _ f: FieldReader) throws(ModelFileError) -> [any CellMechanism] {
        var liu = regulation
        if let given = coefficients {
            _ = try f.object(given as [String: Any], "regulation.regulate", allowed: Set(cell.conductanceNames))
            liu.rules = cell.conductanceNames.compactMap { given[$0] }
        }
        var check = cell
        check.mechanisms = [liu]
        do { try check.validate() } catch { throw f.fail("regulation", error.description) }
        return [liu]
    }
}

extension ProtocolEvent {
    /// The event `declaration` describes for a cell of `family` (the default pair of a sharp event) under
    /// `profile` (its compensation variant and restart); `field` names the event in errors.
    init(resolving d: ProtocolEventDeclaration, field: String, family: NeuronKind?, profile: Profile, _ f: FieldReader) throws(ModelFileError) {
        switch d.action {
        case .exact(let action): self.init(time: d.time, action: action)
        case let .sharp(gs, gu, conductances, voltage):
            guard let pair = conductances ?? family?.modulatedPair else {
                throw f.fail("\(field).conductances", "missing (the cell has no family to take the default pair from)")
            }
            self.init(time: d.time, action: .sharp(SharpNeuromodulation(gs: gs, gu: gu, conductances: pair, voltage: voltage,
                                                                        variant: profile.compensationVariant, restart: profile == .paper)))
        }
    }
}
