import GanglionCore

/// The named conductance sets of Docs/science/models.md §5 and §8 (mS/cm²), with their reference behaviour.
public struct NamedModel: Sendable {
    /// The model's name, usable wherever a model file is.
    public let name: String
    /// The model family (`stg`, `da`).
    public let kind: String
    /// ḡ by channel, `leak` included (mS/cm²).
    public let conductances: [String: Double]
    /// Where the numbers come from.
    public let source: String
    /// What the model does, per the spec.
    public let expected: String

    /// All named models.
    public static let all: [NamedModel] = [
        NamedModel(name: "stg-spiking", kind: "stg",
                   conductances: ["Na": 4000, "CaT": 3, "CaS": 4, "A": 175, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01],
                   source: "Fyon & Drion (arXiv:2412.04172), spiking STG cell (Docs/science/models.md §5)",
                   expected: "tonic spiking ≈ 18.03 Hz (3–15 s of a 15 s run)"),
        NamedModel(name: "stg-bursting", kind: "stg",
                   conductances: ["Na": 4000, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01],
                   source: "Fyon & Drion (arXiv:2412.04172), bursting STG cell (Docs/science/models.md §5)",
                   expected: "bursting, 5 spikes/burst, f_inter ≈ 9.472 Hz, f_intra ≈ 130.10 Hz, burstiness ≈ 6161.5 Hz², period 136.3 ms"),
        NamedModel(name: "stg-doc-800", kind: "stg",
                   conductances: ["Na": 800, "CaT": 3, "CaS": 3, "A": 80, "KCa": 60, "Kd": 90, "H": 0.1, "leak": 0.01],
                   source: "DIC test vector of Fyon et al. (PNAS Nexus 2024); Docs/science/dics.md §8 (V1)",
                   expected: "DIC verification vector"),
        NamedModel(name: "da-spiking", kind: "da",
                   conductances: ["Na": 30, "Kd": 5, "CaL": 0.03, "CaN": 0.03, "ERG": 0.12, "NMDA": 0, "leak": 0.01],
                   source: "Fyon & Drion (arXiv:2412.04172), spiking DA cell (Docs/science/models.md §8)",
                   expected: "tonic pacing ≈ 0.974 Hz (1.768 Hz with NMDA 0.1)"),
        NamedModel(name: "da-bursting", kind: "da",
                   conductances: ["Na": 30, "Kd": 5, "CaL": 0.02, "CaN": 0.15, "ERG": 0.12, "NMDA": 0, "leak": 0.01],
                   source: "Fyon & Drion (arXiv:2412.04172), bursting DA cell (Docs/science/models.md §8)",
                   expected: "bursting, 7 spikes/burst, burstiness ≈ 178.9 Hz², f_intra ≈ 27.92 Hz, f_inter ≈ 0.9152 Hz"),
    ]

    /// The named model called `name`, if any.
    public static func named(_ name: String) -> NamedModel? { all.first { $0.name == name } }

    /// The neuron with this conductance set and every other parameter at the spec's defaults.
    public func neuron() throws(ModelError) -> NeuronDescription {
        try NeuronKind.named(kind)!.neuron(name: name, conductances: conductances)
    }
}
