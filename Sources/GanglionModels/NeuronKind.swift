import GanglionCore

/// A model family: its channels, default constants and DIC conventions. `NeuronKind.stg` and
/// `NeuronKind.da` are the families of Docs/science/models.md; a model file names its family with `"kind"`.
public struct NeuronKind: Sendable {
    /// The name used in model files.
    public let name: String
    /// The gated channels, in model order.
    public let channels: [any IonChannel.Type]
    /// Default reversal potentials (mV) by model-file key (`Na`, `K`, `Ca`, …) and the ion each applies to.
    public let reversalKeys: [(key: String, ion: Ion, value: Double)]
    /// Default leak reversal (mV).
    public let leakReversal: Double
    /// Default initial potential (mV) and calcium.
    public let initialVoltage: Double, initialCalcium: Double
    /// The family's calcium pool (τ_Ca in ms, Ca_rest and influx in model units).
    public let calcium: CalciumPool
    /// The family's reference time constants for the DIC timescale split.
    public let dicReferences: DICReferences
    /// A threshold fixed by the model (mV), or nil when it is computed from the DICs.
    public let fixedThreshold: Double?
    /// Where the equations come from.
    public let source: String

    /// Names of every conductance a model file must give, leak included.
    public var conductanceNames: [String] { channels.map { $0.name } + ["leak"] }

    /// The STG neuron (Liu et al. 1998 kinetics as modified by Fyon & Drion; Docs/science/models.md §2–§5).
    public static let stg = NeuronKind(
        name: "stg",
        channels: [STG.Na.self, STG.CaT.self, STG.CaS.self, STG.A.self, STG.KCa.self, STG.Kd.self, STG.H.self],
        reversalKeys: [("Na", .sodium, 50), ("Ca", .calcium, 80), ("K", .potassium, -80), ("H", .hcn, -20)],
        leakReversal: -50, initialVoltage: -70, initialCalcium: 0.5, calcium: CalciumPool(),
        dicReferences: DICReferences(fast: .activation(of: "Na"), slow: .activation(of: "Kd"), ultraslow: .activation(of: "H")),
        fixedThreshold: nil,
        source: "Liu, Golowasch, Marder & Abbott 1998, as used by Fyon & Drion (arXiv:2412.04172)")

    /// The dopaminergic neuron (Drion et al. 2011 family; Docs/science/models.md §6–§8).
    public static let da = NeuronKind(
        name: "da",
        channels: [DA.Na.self, DA.Kd.self, DA.CaL.self, DA.CaN.self, DA.ERG.self, DA.NMDA.self],
        reversalKeys: [("Na", .sodium, 60), ("K", .potassium, -85), ("Ca", .calcium, 60), ("NMDA", .nonspecific, 0)],
        leakReversal: -50, initialVoltage: -90, initialCalcium: 0.5, calcium: CalciumPool(),
        dicReferences: DICReferences(fast: .activation(of: "Na"), slow: .activation(of: "Kd"), ultraslow: .constant(100)),
        fixedThreshold: -55.5,
        source: "Drion et al. 2011 dopaminergic neuron, as used by Fyon & Drion (arXiv:2412.04172)")

    /// Every family, for look-up by name.
    public static let all: [NeuronKind] = [.stg, .da]
    /// The family with this name (`stg`, `da`), or `nil`.
    public static func named(_ name: String) -> NeuronKind? { all.first { $0.name == name } }

    /// Builds a neuron of this family.
    /// - Parameters:
    ///   - conductances: ḡ (mS/cm²) for every name in `conductanceNames`.
    ///   - reversals: overrides by reversal key (mV).
    ///   - tauScales: time-constant factors by channel name (e.g. `["KCa": 2]`).
    ///   - magnesium: extracellular Mg (mM) for NMDA.
    public func neuron(name: String? = nil, conductances: [String: Double], reversals: [String: Double] = [:],
                       capacitance: Double = 1, calcium: CalciumPool? = nil, appliedCurrent: Double = 0,
                       initialVoltage: Double? = nil, initialCalcium: Double? = nil,
                       tauScales: [String: Double] = [:], magnesium: Double = 1.4,
                       threshold: Double? = nil) throws(ModelError) -> NeuronDescription {
        for key in conductanceNames where conductances[key] == nil {
            throw ModelError.invalidValue(field: "conductances.\(key)", value: .nan, reason: "missing")
        }
        func reversal(for ion: Ion) -> Double {
            let entry = reversalKeys.first { $0.ion == ion }!
            return reversals[entry.key] ?? entry.value
        }
        let gated = channels.map { ch in
            Conductance(ch, gbar: conductances[ch.name]!, reversal: reversal(for: ch.ion),
                        context: ChannelContext(tauScale: tauScales[ch.name] ?? 1, magnesium: magnesium))
        }
        var d = NeuronDescription(name: name ?? self.name, capacitance: capacitance, conductances: gated,
                                  leakConductance: conductances["leak"]!, leakReversal: reversals["leak"] ?? leakReversal,
                                  calcium: calcium ?? self.calcium, appliedCurrent: appliedCurrent,
                                  initialVoltage: initialVoltage ?? self.initialVoltage,
                                  initialCalcium: initialCalcium ?? self.initialCalcium)
        d.kind = self.name
        d.dicReferences = dicReferences
        d.fixedThreshold = threshold ?? fixedThreshold
        try d.validate()
        return d
    }
}
