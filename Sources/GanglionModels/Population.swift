import GanglionCore

/// A degenerate population (Docs/science/dics.md §7): cells whose free conductances are drawn at random and whose
/// remaining conductances are solved so that every cell has the same DICs at V*.
public struct Population: Sendable {
    /// The most cells a population may have (`ganglion population --count`, a sweep's `population_size`).
    public static let maximumCount = 10_000_000

    /// The model family's name.
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

        /// The recipes of the built-in families (each defined with its family, `Families/`).
        public static let all: [Recipe] = [.stg, .da]
        /// The recipe of a family by name, or `nil`.
        public static func named(_ name: String) -> Recipe? { all.first { $0.kind.name == name } }
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
