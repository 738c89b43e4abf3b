// A cell mechanism written outside the library: a calcium channel whose expression is scaled down by a
// slow average of the calcium it lets in. Any type that conforms to `CellMechanism` can be given to a cell
// (`NeuronDescription.mechanisms`); both integrators, the Jacobian, checkpoints and summaries use it
// as they use the built-in ones.
//
//     τ_a da/dt = Ca − a                       (a: the calcium average, model units)
//     τ_g dḡ/dt = (1 − a/a*) ḡ                 (ḡ of `conductance`, mS/cm²)
//
// A homeostat: above the set point a* the channel is made less, so less calcium enters.
import Ganglion

struct CalciumScaledConductance: CellMechanism {
    let name = "scaled"
    var readsCalciumCurrent: Bool { false }
    /// The conductance it drives, its calcium set point a* (model units), τ_a and τ_g (ms).
    var conductance: String
    var target: Double
    var averagingTime = 1000.0
    var scalingTime = 5000.0

    var states: [MechanismState] {
        [MechanismState(name: "a", unit: "Ca (model units)", absoluteTolerance: 1e-4),
         MechanismState(name: "\(conductance).gbar", unit: "mS/cm²", absoluteTolerance: 1e-6)]
    }
    var drivenConductances: [DrivenConductance] { [DrivenConductance(conductance: conductance, state: 1)] }
    var readouts: [MechanismReadout] { [MechanismReadout(name: "a", unit: "Ca (model units)", target: target)] }

    func validate(for neuron: NeuronDescription) throws(ModelError) {
        guard target > 0, averagingTime > 0, scalingTime > 0 else {
            throw .invalidValue(field: "scaled", value: min(target, averagingTime, scalingTime), reason: "target and times must be > 0")
        }
        guard let g = neuron.gbar(conductance), g > 0 else {
            throw .invalidValue(field: "scaled.\(conductance)", value: neuron.gbar(conductance) ?? .nan, reason: "must be a conductance > 0")
        }
    }
    func initialStates(_ neuron: NeuronDescription, signals: CellSignals, into x: MechanismStates) {
        x[0] = signals.calcium
        x[1] = neuron.gbar(conductance)!
    }
    func derivatives(_ x: MechanismStates, signals: CellSignals, into dx: MechanismStates) {
        dx[0] = (signals.calcium - x[0]) / averagingTime
        dx[1] = (1 - x[0] / target) * x[1] / scalingTime
    }
    func jacobian(_ x: MechanismStates, signals: CellSignals,
                  dStates: UnsafeMutablePointer<Double>, dSignals: UnsafeMutablePointer<Double>) {
        // Rows a, ḡ; columns a, ḡ and the signals V, Ca, I_Ca.
        (dStates[0], dStates[1], dStates[2], dStates[3]) = (-1 / averagingTime, 0, -x[1] / (target * scalingTime), (1 - x[0] / target) / scalingTime)
        (dSignals[0], dSignals[1], dSignals[2]) = (0, 1 / averagingTime, 0)
        (dSignals[3], dSignals[4], dSignals[5]) = (0, 0, 0)
    }
    func linearForm(_ x: MechanismStates, signals: CellSignals, steadyState: MechanismStates, timeConstant: MechanismStates) {
        (steadyState[0], timeConstant[0]) = (signals.calcium, averagingTime)
        let rate = (1 - x[0] / target) / scalingTime
        (steadyState[1], timeConstant[1]) = (0, rate == 0 ? .infinity : -1 / rate)
    }
    func readoutValues(_ x: MechanismStates, into out: UnsafeMutablePointer<Double>) { out[0] = x[0] }
}
