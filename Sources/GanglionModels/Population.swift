import GanglionCore

/// A degenerate population (Docs/science/dics.md §7): cells whose free conductances are drawn at random and whose
/// remaining conductances are solved so that every cell has the same DICs at V*.
public struct Population: Sendable {
    /// The most cells a population may have (`ganglion population --count`, a sweep's `population_size`).
    public static let maximumCount = 10_000_000

    /// The model family (`stg`, `da`).
    public var kind: String
    /// Seed of the random draws: the same seed and settings give the same cells.
    public var seed: UInt64
    /// The DICs every cell has at `V` (dimensionless, normalised by g_leak), defaults included.
    public var targets: [DICName: Double]
    /// The voltage of the generation solve (mV).
    public var V: Double
    /// The conductances solved for in each cell.
    public var unknowns: [String]
    /// The compensation computation of the solve.
    public var variant: CompensationVariant
    /// Name of the random generator.
    public var generator: String
    /// Draws rejected because the solve gave a negative conductance (or failed).
    public var rejected: Int
    /// The cells, named `<kind>-<seed>-<index>`.
    public var cells: [NeuronDescription]

    /// The paper's generation recipe for a family: free-conductance distributions, unknowns, V* and
    /// default targets.
    public struct Recipe: Sendable {
        /// The model family.
        public let kind: NeuronKind
        /// The conductances solved for in each cell.
        public let unknowns: [String]
        /// V* of the solve (mV).
        public let V: Double
        /// DIC targets (dimensionless) used where none are given.
        public let defaultTargets: [DICName: Double]
        /// g_f as a function of g_s when only g_s (and g_u) are given.
        public let fastRule: @Sendable (Double) -> Double
        /// Draws the free conductances (and g_leak) from uniforms, in the spec's order.
        public let draw: @Sendable (inout Xoshiro256StarStar) -> [String: Double]

        /// STG: g_leak = 0.007 + 0.007 r; CaT = g_leak (2 + 5r)/0.01; CaS = g_leak (6 + 16r)/0.01;
        /// Kd = g_leak (140 + 40r)/0.01; KCa = g_leak (70 + 70r)/0.01; solve (Na, A, H) for
        /// (g_f, g_s, g_u) = (−g_s − 2.2, 5, 4) at −50 mV.
        public static let stg = Recipe(
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

        /// DA: g_leak = 0.008667 (1 + r); CaL = g_leak (0.015 + 0.06 r)/0.013; Kd = g_leak (6 + 4 r)/0.013;
        /// NMDA = 0.12 g_leak/0.013; solve (Na, CaN, ERG) for (g_f, g_s, g_u) = (−3.89388 g_s − 11.05758, 0.5, 5)
        /// at −55.5 mV.
        public static let da = Recipe(
            kind: .da, unknowns: ["Na", "CaN", "ERG"], V: -55.5, defaultTargets: [.f: -3.89388 * 0.5 - 11.05758, .s: 0.5, .u: 5],
            fastRule: { -3.89388 * $0 - 11.05758 },
            draw: { rng in
                let gl = 0.008667 * (1 + rng.uniform())
                let caL = gl * (0.015 + 0.06 * rng.uniform()) / 0.013
                let kd = gl * (6 + 4 * rng.uniform()) / 0.013
                return ["leak": gl, "CaL": caL, "Kd": kd, "NMDA": 0.12 * gl / 0.013, "Na": 0, "CaN": 0, "ERG": 0]
            })

        /// The recipe of a family by name (`stg`, `da`), or `nil`.
        public static func named(_ name: String) -> Recipe? { ["stg": stg, "da": da][name] }
    }

    /// Generates `count` cells. Targets missing from `targets` take the recipe's defaults (g_f from its
    /// rule when g_s is given). Draws that solve to a negative conductance are rejected and redrawn,
    /// up to `maxRejections` in total. `tauScales` multiplies channels' time constants (a network's k_KCa)
    /// before the solve, so it enters the DIC weights of the generation.
    public static func generate(_ recipe: Recipe, count: Int, seed: UInt64, targets given: [DICName: Double] = [:],
                                V: Double? = nil, variant: CompensationVariant = .exact, tauScales: [String: Double] = [:],
                                maxRejections: Int = 100_000) throws(PopulationError) -> Population {
        guard count > 0 else { throw .invalid("count \(count) must be ≥ 1") }
        var targets = recipe.defaultTargets
        for (k, v) in given { targets[k] = v }
        if given[.f] == nil, let gs = given[.s] { targets[.f] = recipe.fastRule(gs) }
        let v = V ?? recipe.V
        var rng = Xoshiro256StarStar(seed: seed)
        var cells: [NeuronDescription] = []
        var rejected = 0
        while cells.count < count {
            let g = recipe.draw(&rng)
            let name = "\(recipe.kind.name)-\(seed)-\(cells.count)"
            do {
                var base = try recipe.kind.neuron(name: name, conductances: g)
                for i in base.conductances.indices { if let k = tauScales[base.conductances[i].name] { base.conductances[i].tauScale = k } }
                let r = try compensate(base, unknowns: recipe.unknowns, targets: targets, at: .value(v), variant: variant)
                cells.append(r.neuron)
            } catch {
                rejected += 1
                if rejected > maxRejections {
                    throw .tooManyRejections(rejected, lastError: "\(error)")
                }
            }
        }
        return Population(kind: recipe.kind.name, seed: seed, targets: targets, V: v, unknowns: recipe.unknowns,
                          variant: variant, generator: Xoshiro256StarStar.name, rejected: rejected, cells: cells)
    }
}

/// A population that cannot be generated or read.
public enum PopulationError: Error, CustomStringConvertible {
    /// A parameter out of range; the message says which.
    case invalid(String)
    /// More draws rejected than allowed, with the last solve's error.
    case tooManyRejections(Int, lastError: String)
    /// What went wrong.
    public var description: String {
        switch self {
        case .invalid(let s): s
        case let .tooManyRejections(n, e): "gave up after \(n) rejected draws (last: \(e)); the targets may be unreachable"
        }
    }
}
