import Foundation

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

    /// Reads an experiment file and resolves it. Relative paths inside it are relative to its folder;
    /// `override` replaces the file's profile and `overrides` some of its solver settings.
    public static func load(_ path: String, profile override: Profile? = nil, solver overrides: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> Experiment {
        let data = try ModelFileError.readInput(path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(data, file: path, folder: folder, profile: override, solver: overrides)
    }

    /// Reads an experiment file's contents (`ExperimentFile`) and resolves them (`init(resolving:)`).
    /// - Parameters:
    ///   - override: a profile replacing the file's (`ganglion run --profile`).
    ///   - overrides: replacements of some of the file's solver settings (`ganglion run --solver`, `--dt`, …).
    /// Errors, also those found while resolving, give the line and column of the field at fault.
    public static func parse(_ data: Data, file: String, folder: String, profile override: Profile? = nil,
                             solver overrides: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> Experiment {
        try ModelFileError.parsing(data, file: file) { document throws(ModelFileError) in
            let description = try ExperimentFile.parse(value: document.value, file: file, folder: folder)
            return try Experiment(resolving: description, profile: override, solver: overrides)
        }
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
}
