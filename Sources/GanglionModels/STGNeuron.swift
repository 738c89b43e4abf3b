import GanglionCore

/// The stomatogastric (STG) neuron of Fyon & Drion (Liu et al. 1998 kinetics, single compartment),
/// exactly as `models.md` §1: eight currents, a calcium pool, constant E_Ca = 80 mV.
public enum STGNeuron {
    /// The gated channels, in state-layout order.
    public static let channels: [any IonChannel.Type] = [STG.Na.self, STG.CaT.self, STG.CaS.self, STG.A.self,
                                                         STG.KCa.self, STG.Kd.self, STG.H.self]
    /// Names of every conductance a model file must give, leak included.
    public static var conductanceNames: [String] { channels.map { $0.name } + ["leak"] }

    /// Reversal potentials (mV) by ion.
    public struct Reversals: Sendable, Equatable {
        public var sodium = 50.0, calcium = 80.0, potassium = -80.0, hcn = -20.0, leak = -50.0
        public init() {}
        public func value(for ion: Ion) -> Double {
            switch ion {
            case .sodium: sodium
            case .calcium: calcium
            case .potassium: potassium
            case .hcn: hcn
            case .nonspecific: leak
            }
        }
    }

    /// Membrane capacitance C (µF/cm²).
    public static let capacitance = 1.0
    /// Initial potential V₀ (mV) and calcium Ca₀.
    public static let initialVoltage = -70.0, initialCalcium = 0.5

    /// Builds an STG neuron.
    /// - Parameters:
    ///   - conductances: ḡ (mS/cm²) for every name in `conductanceNames`.
    ///   - tauScales: time-constant factors by channel name (e.g. `["KCa": 2]` restores Liu's τ_mKCa).
    public static func neuron(name: String = "stg", conductances: [String: Double], reversals: Reversals = Reversals(),
                              capacitance: Double = capacitance, calcium: CalciumPool = CalciumPool(),
                              appliedCurrent: Double = 0, initialVoltage: Double = initialVoltage,
                              initialCalcium: Double = initialCalcium,
                              tauScales: [String: Double] = [:]) throws(ModelError) -> NeuronDescription {
        for key in conductanceNames where conductances[key] == nil {
            throw ModelError.invalidValue(field: "conductances.\(key)", value: .nan, reason: "missing")
        }
        let gated = channels.map { ch in
            Conductance(ch, gbar: conductances[ch.name]!, reversal: reversals.value(for: ch.ion),
                        tauScale: tauScales[ch.name] ?? 1)
        }
        let d = NeuronDescription(name: name, capacitance: capacitance, conductances: gated,
                                  leakConductance: conductances["leak"]!, leakReversal: reversals.leak,
                                  calcium: calcium, appliedCurrent: appliedCurrent,
                                  initialVoltage: initialVoltage, initialCalcium: initialCalcium)
        try d.validate()
        return d
    }
}
