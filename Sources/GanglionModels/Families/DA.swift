import GanglionCore

extension NeuronKind {
    /// The dopaminergic neuron (Drion et al. 2011 family; Docs/science/models.md §6–§8).
    public static let da = NeuronKind(
        name: "da",
        channels: [DA.Na.self, DA.Kd.self, DA.CaL.self, DA.CaN.self, DA.ERG.self, DA.NMDA.self],
        reversalKeys: [("Na", .sodium, 60), ("K", .potassium, -85), ("Ca", .calcium, 60), ("NMDA", .nonspecific, 0)],
        leakReversal: -50, initialVoltage: -90, initialCalcium: 0.5, calcium: CalciumPool(),
        dicReferences: DICReferences(fast: .activation(of: "Na"), slow: .activation(of: "Kd"), ultraslow: .constant(100)),
        fixedThreshold: -55.5,
        // The authors' generation solve: no leak "+1" in g_f.
        paperDICOptions: DICOptions(leakInFastDIC: false),
        modulatedPair: ["CaL", "CaN"],
        burstingTargets: (-4, 5),
        // The authors' DA controller has no anti-windup (Docs/science/controllers.md §6).
        paperAntiWindup: false,
        models: [
            NamedModel(name: "da-spiking", kind: "da",
                       conductances: ["Na": 30, "Kd": 5, "CaL": 0.03, "CaN": 0.03, "ERG": 0.12, "NMDA": 0, "leak": 0.01],
                       source: "Fyon & Drion (arXiv:2412.04172), spiking DA cell (Docs/science/models.md §8)",
                       expected: "tonic pacing ≈ 0.974 Hz (1.768 Hz with NMDA 0.1)"),
            NamedModel(name: "da-bursting", kind: "da",
                       conductances: ["Na": 30, "Kd": 5, "CaL": 0.02, "CaN": 0.15, "ERG": 0.12, "NMDA": 0, "leak": 0.01],
                       source: "Fyon & Drion (arXiv:2412.04172), bursting DA cell (Docs/science/models.md §8)",
                       expected: "bursting, 7 spikes/burst, burstiness ≈ 178.9 Hz², f_intra ≈ 27.92 Hz, f_inter ≈ 0.9152 Hz"),
        ],
        source: "Drion et al. 2011 dopaminergic neuron, as used by Fyon & Drion (arXiv:2412.04172)")
}

extension Population.Recipe {
    /// DA: g_leak = 0.008667 (1 + r); CaL = g_leak (0.015 + 0.06 r)/0.013; Kd = g_leak (6 + 4 r)/0.013;
    /// NMDA = 0.12 g_leak/0.013; solve (Na, CaN, ERG) for (g_f, g_s, g_u) = (−3.89388 g_s − 11.05758, 0.5, 5)
    /// at −55.5 mV.
    public static let da = Population.Recipe(
        kind: .da, unknowns: ["Na", "CaN", "ERG"], V: -55.5, defaultTargets: [.f: -3.89388 * 0.5 - 11.05758, .s: 0.5, .u: 5],
        fastRule: { -3.89388 * $0 - 11.05758 },
        draw: { rng in
            let gl = 0.008667 * (1 + rng.uniform())
            let caL = gl * (0.015 + 0.06 * rng.uniform()) / 0.013
            let kd = gl * (6 + 4 * rng.uniform()) / 0.013
            return ["leak": gl, "CaL": caL, "Kd": kd, "NMDA": 0.12 * gl / 0.013, "Na": 0, "CaN": 0, "ERG": 0]
        })
}
