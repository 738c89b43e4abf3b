/// Calcium homeostasis by an integral controller (Docs/science/controllers.md §1, O'Leary et al. 2014 form). For every
/// regulated conductance X:
///
///     τ_X dm_X/dt = Ca_tgt − Ca        (m_X: the channel's "mRNA", mS/cm²)
///     τ_g dḡ_X/dt = m_X − ḡ_X
///
/// By default ḡ_X is never allowed below zero: when ḡ_X = 0 and its derivative is negative, the derivative is 0
/// (m_X is unconstrained), and the currents use max(ḡ_X, 0) — a variable-step solver may step a little
/// past zero before the clamp acts; traces record max(ḡ_X, 0). Initial m_X = ḡ_X(0).
/// (`allowsNegativeConductance` lets the state go negative, as the authors' code does.)
public struct Homeostasis: Sendable, Equatable {
    /// Regulated conductances by name (`leak` included if regulated), with their τ_X (ms).
    public var timeConstants: [String: Double]
    /// τ_g (ms).
    public var tauG: Double
    /// Ca_tgt (model units).
    public var calciumTarget: Double
    /// Whether ḡ_X may go below zero (the authors' sharp runs; the paper profile, Docs/science/controllers.md §6). The
    /// currents then use max(ḡ_X, 0) while the state itself keeps going. Default false: ḡ_X is held at 0.
    public var allowsNegativeConductance = false

    /// The general form: τ_X given per channel.
    public init(timeConstants: [String: Double], tauG: Double, calciumTarget: Double) {
        self.timeConstants = timeConstants
        self.tauG = tauG
        self.calciumTarget = calciumTarget
    }

    /// The paper's form: τ_X = τ_Na · ḡ_Na(0)/ḡ_X(0), which keeps the ratios between regulated
    /// conductances fixed. Paper values: τ_Na = 600 ms, τ_g = 100 ms, Ca_tgt = 125 (STG), 3 (DA).
    /// - Parameter regulated: channel names (and `leak`); `nil`: every channel and the leak.
    public static func paper(_ neuron: NeuronDescription, regulated: [String]? = nil, tauNa: Double = 600, tauG: Double = 100,
                             calciumTarget: Double) throws(ModelError) -> Homeostasis {
        let names = regulated ?? (neuron.conductances.map(\.name) + ["leak"])
        guard let gNa = neuron.gbar("Na"), gNa > 0 else {
            throw .invalidValue(field: "homeostasis", value: neuron.gbar("Na") ?? .nan, reason: "the paper's form needs ḡ_Na > 0")
        }
        var taus: [String: Double] = [:]
        for n in names {
            guard let g = neuron.gbar(n) else { throw .invalidValue(field: "homeostasis.\(n)", value: .nan, reason: "no such conductance") }
            guard g > 0 else { throw .invalidValue(field: "homeostasis.\(n)", value: g, reason: "a zero conductance cannot be regulated in the paper's form (τ_X would be infinite)") }
            taus[n] = tauNa * gNa / g
        }
        return Homeostasis(timeConstants: taus, tauG: tauG, calciumTarget: calciumTarget)
    }

    func validate(_ neuron: NeuronDescription) throws(ModelError) {
        guard tauG.isFinite, tauG > 0 else { throw .invalidValue(field: "homeostasis.tau_g", value: tauG, reason: "must be > 0") }
        guard calciumTarget.isFinite else { throw .invalidValue(field: "homeostasis.Ca_tgt", value: calciumTarget, reason: "must be finite") }
        for (n, t) in timeConstants {
            guard neuron.gbar(n) != nil else { throw .invalidValue(field: "homeostasis.\(n)", value: .nan, reason: "no such conductance") }
            guard t.isFinite, t > 0 else { throw .invalidValue(field: "homeostasis.tau_\(n)", value: t, reason: "must be > 0") }
        }
    }
}
