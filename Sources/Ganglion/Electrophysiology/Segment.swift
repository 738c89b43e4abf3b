import GanglionCore

/// Integrates `cell` from state `y` over [start, end] (ms) with `settings`, handing every output sample (every
/// `interval` ms on the grid of origin `start`, the start included) to `sample`; returns the final state.
func integrateSegment(_ cell: CompiledNeuron, from y: [Double], start: Double, end: Double, interval: Double,
                      settings: SolverSettings, sample: SampleObserver) throws(SimulationError) -> [Double] {
    let problem: ODEProblem
    do {
        problem = try ODEProblem(system: cell, initialState: y, startTime: start, endTime: end, outputInterval: interval,
                                 outputOrigin: start)
    } catch { throw SimulationError(message: "\(error)") }
    do {
        return try settings.integrator(for: cell).solve(problem, observer: sample).finalState
    } catch {
        throw SimulationError(message: "\(cell.neuron.name): \(error)", solverError: error)
    }
}

/// Compiles `neuron`, naming the model in the error.
func compile(_ neuron: NeuronDescription) throws(SimulationError) -> CompiledNeuron {
    do { return try CompiledNeuron(neuron) } catch { throw SimulationError(message: "model '\(neuron.name)': \(error)") }
}

/// `count` + 1 evenly spaced values from `from` to `to` (inclusive, `step` apart; the last one is `to` when the
/// span is a whole number of steps), for command and current ladders written `A:B:STEP`.
public func ladder(from: Double, to: Double, step: Double) -> [Double]? {
    guard from.isFinite, to.isFinite, step.isFinite, step > 0, to >= from else { return nil }
    let n = Int(((to - from) / step + 1e-9).rounded(.down))
    guard n <= 100_000 else { return nil }
    return (0...n).map { from + Double($0) * step }
}
