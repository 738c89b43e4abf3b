import Foundation
import GanglionCore
import GanglionModels

/// Where a file's cell comes from, as written.
public enum CellSource: Sendable {
    /// A model file (its path, relative paths taken from the file's folder), a named model, or
    /// `POP.json#INDEX`: loaded when the file is resolved.
    case model(String)
    /// A model given inline (read with the file).
    case inline(NeuronDescription)
}

/// Where a file's population comes from, as written.
public enum PopulationSource: Sendable {
    /// A population file (its path).
    case file(String)
    /// Generated from the family's recipe (Docs/science/dics.md §7) when the file is resolved.
    case generated(PopulationGeneration)
    /// Drawn uniformly from conductance ranges around a base model (`UniformPopulation`) when the file is resolved.
    case uniform(UniformPopulationDeclaration)
}

/// `"population": {"generate": FAMILY, "count": N, "seed": S, …}`: the generation as written.
public struct PopulationGeneration: Sendable {
    /// The family's recipe (`Population.Recipe.named`).
    public var recipe: Population.Recipe
    /// How many cells (an experiment file's; a network file generates as many as its cells draw).
    public var count: Int?
    /// The generator's seed.
    public var seed: UInt64
    /// DIC targets given (dimensionless); the recipe's for the others.
    public var targets: [DICName: Double]
    /// The compensation variant; `nil`: the profile's.
    public var variant: CompensationVariant?
}

/// `"population": {"uniform": {conductance: [low, high], …}, "base": MODEL, "count": N, "seed": S}` as written.
public struct UniformPopulationDeclaration: Sendable {
    /// The base model (path or name) whose other parameters every cell shares.
    public var base: String
    /// The ranges (mS/cm²) by conductance name; the names are checked against the base model when resolved.
    public var ranges: [String: ClosedRange<Double>]
    /// How many cells.
    public var count: Int
    /// The generator's seed.
    public var seed: UInt64
}

/// Which cells of a population an experiment runs (its `cells`).
public enum CellChoice: Sendable, Equatable {
    /// Every cell.
    case all
    /// The first n cells.
    case first(Int)
    /// These indices as written (each checked to be a cell of the population when resolved).
    case indices([Double])
}

extension FieldReader {
    /// A path of a file named inside a file of `folder`: absolute, a named model, or relative to the folder.
    public static func path(_ s: String, folder: String) -> String {
        s.hasPrefix("/") || NamedModel.named(s) != nil ? s : folder + "/" + s
    }

    /// A generator seed at `field`: a whole number in 0…9e15.
    func seed(_ v: Any?, _ field: String) throws(ModelFileError) -> UInt64 {
        guard let seed = try number(v, field), seed >= 0, seed == seed.rounded(), seed < 9e15 else {
            throw fail(field, v == nil ? "missing: the generator's seed, a whole number ≥ 0" : "must be a whole number ≥ 0")
        }
        return UInt64(seed)
    }

    /// A number of cells at `field`: a whole number in 1…100000.
    func cellCount(_ v: Any?, _ field: String) throws(ModelFileError) -> Int {
        guard let count = try positive(v, field), count == count.rounded(), count <= 100_000 else {
            throw fail(field, "must be a whole number of cells in 1…100000")
        }
        return Int(count)
    }

    /// `"population": {"generate": FAMILY, "seed": S, "variant": V, "g_s": …, "g_u": …}` (and `count` if in `allowed`).
    func populationGeneration(_ g: [String: Any], allowed: Set<String>) throws(ModelFileError) -> PopulationGeneration {
        _ = try object(g, "population", allowed: allowed)
        guard let family = try string(g["generate"], "population.generate"), let recipe = Population.Recipe.named(family) else {
            throw fail("population.generate", "missing or unknown family (known: \(Population.Recipe.all.map(\.kind.name).joined(separator: ", ")))")
        }
        let count = allowed.contains("count") ? try cellCount(g["count"], "population.count") : nil
        let seed = try seed(g["seed"], "population.seed")
        var variant: CompensationVariant?
        if let v = try string(g["variant"], "population.variant") {
            guard let c = CompensationVariant(rawValue: v) else { throw fail("population.variant", "unknown variant '\(v)' (exact, paper, pnas)") }
            variant = c
        }
        var targets: [DICName: Double] = [:]
        if let gs = try number(g["g_s"], "population.g_s") { targets[.s] = gs }
        if let gu = try number(g["g_u"], "population.g_u") { targets[.u] = gu }
        return PopulationGeneration(recipe: recipe, count: count, seed: seed, targets: targets, variant: variant)
    }

    /// `"population": {"uniform": …, "base": MODEL, "count": N, "seed": S}`; relative paths from `folder`.
    func uniformPopulation(_ o: [String: Any], folder: String) throws(ModelFileError) -> UniformPopulationDeclaration {
        _ = try object(o, "population", allowed: ["uniform", "base", "count", "seed"])
        guard let base = try string(o["base"], "population.base") else {
            throw fail("population.base", "missing: the model whose other parameters every cell shares (a model file or a named model)")
        }
        let rangesObject = try object(o["uniform"], "population.uniform")!
        var ranges: [String: ClosedRange<Double>] = [:]
        for name in rangesObject.keys.sorted() {
            let v = rangesObject[name]!
            let field = "population.uniform.\(name)"
            guard let a = v as? [Any], a.count == 2, let lo = try number(a[0], field), let hi = try number(a[1], field), lo >= 0, hi >= lo else {
                throw fail(field, "must be [LOW, HIGH] in mS/cm² with 0 ≤ LOW ≤ HIGH, got \(describeJSON(v))")
            }
            ranges[name] = lo...hi
        }
        return UniformPopulationDeclaration(base: Self.path(base, folder: folder), ranges: ranges,
                                            count: try cellCount(o["count"], "population.count"), seed: try seed(o["seed"], "population.seed"))
    }
}
