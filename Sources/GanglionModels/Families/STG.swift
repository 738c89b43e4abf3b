import GanglionCore

extension NeuronKind {
    /// The STG neuron (Liu et al. 1998 kinetics as modified by Fyon & Drion; Docs/science/models.md §2–§5).
    public static let stg = NeuronKind(
        name: "stg",
        channels: [STG.Na.self, STG.CaT.self, STG.CaS.self, STG.A.self, STG.KCa.self, STG.Kd.self, STG.H.self],
        reversalKeys: [("Na", .sodium, 50), ("Ca", .calcium, 80), ("K", .potassium, -80), ("H", .hcn, -20)],
        leakReversal: -50, initialVoltage: -70, initialCalcium: 0.5, calcium: CalciumPool(),
        dicReferences: DICReferences(fast: .activation(of: "Na"), slow: .activation(of: "Kd"), ultraslow: .activation(of: "H")),
        fixedThreshold: nil,
        // The authors' Ca∞ linearisation: ḡ_CaS := 10 in Ca∞ and dCa∞/dV.
        paperDICOptions: DICOptions(calciumConductanceOverrides: ["CaS": 10]),
        modulatedPair: ["CaS", "A"],
        burstingTargets: (-8, 4),
        paperAntiWindup: true,
        models: [
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
        ],
        source: "Liu, Golowasch, Marder & Abbott 1998, as used by Fyon & Drion (arXiv:2412.04172)")
}

extension Population.Recipe {
    /// STG: g_leak = 0.007 + 0.007 r; CaT = g_leak (2 + 5r)/0.01; CaS = g_leak (6 + 16r)/0.01;
    /// Kd = g_leak (140 + 40r)/0.01; KCa = g_leak (70 + 70r)/0.01; solve (Na, A, H) for
    /// (g_f, g_s, g_u) = (−g_s − 2.2, 5, 4) at −50 mV.
    public static let stg = Population.Recipe(
        kind: .stg, unknowns: ["Na", "A", "H"], V: -50, defaultTargets: [.f: -7.2, .s: 5, .u: 4],
        fastRule: { -$0 - 2.2 },
        draw: { rng in
            let gl = 0.007 + 0.007 * rng.uniform()
            let caT = gl * (2 + 5 * rng.uniform()) / 0.01
            let caS = gl * (6 + 16 * rng.uniform()) / 0.01
            let kd = gl * (140 + 40 * rng.uniform()) / 0.01
            let kca = gl * (70 + 70 * rng.uniform()) / 0.01
            return ["leak": gl, "CaT": caT, "CaS": caS, "Kd": kd, "KCa": kca, "Na": 0, "A": 0, "H": 0]
        })
}
