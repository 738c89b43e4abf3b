import Foundation

/// How the homeostatic controller of an experiment is built for each cell.
public struct HomeostasisPlan: Sendable {
    /// How the time constants τ_X of the regulated conductances are set.
    public typealias Form = HomeostasisDeclaration.Form
    /// Where the calcium target Ca_tgt comes from.
    public typealias Target = HomeostasisDeclaration.Target
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

    /// A plan; every field as named.
    public init(form: Form, regulated: [String]?, tauG: Double, target: Target, allowsNegativeConductance: Bool) {
        self.form = form
        self.regulated = regulated
        self.tauG = tauG
        self.target = target
        self.allowsNegativeConductance = allowsNegativeConductance
    }

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
