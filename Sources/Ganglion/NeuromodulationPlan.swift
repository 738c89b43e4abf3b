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
