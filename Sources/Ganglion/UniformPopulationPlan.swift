extension Experiment {
    /// `"population": {"uniform": {conductance: [low, high], …}, "base": MODEL, "count": N, "seed": S}`:
    /// cells drawn uniformly from the ranges around a base model (`UniformPopulation`).
    static func uniformPopulation(_ o: [String: Any], _ f: FieldReader, resolve: (String) -> String) throws(ModelFileError) -> [NeuronDescription] {
        _ = try f.object(o, "population", allowed: ["uniform", "base", "count", "seed"])
        guard let basePath = try f.string(o["base"], "population.base") else {
            throw f.fail("population.base", "missing: the model whose other parameters every cell shares (a model file or a named model)")
        }
        let base = try ModelFile.loadAny(resolve(basePath))
        let rangesObject = try f.object(o["uniform"], "population.uniform", allowed: Set(base.conductanceNames))!
        var ranges: [String: ClosedRange<Double>] = [:]
        for (name, v) in rangesObject {
            let field = "population.uniform.\(name)"
            guard let a = v as? [Any], a.count == 2, let lo = try f.number(a[0], field), let hi = try f.number(a[1], field), lo >= 0, hi >= lo else {
                throw f.fail(field, "must be [LOW, HIGH] in mS/cm² with 0 ≤ LOW ≤ HIGH, got \(describeJSON(v))")
            }
            ranges[name] = lo...hi
        }
        guard let count = try f.positive(o["count"], "population.count"), count == count.rounded(), count <= 100_000 else {
            throw f.fail("population.count", "must be a whole number of cells in 1…100000")
        }
        guard let seed = try f.number(o["seed"], "population.seed"), seed >= 0, seed == seed.rounded(), seed < 9e15 else {
            throw f.fail("population.seed", o["seed"] == nil ? "missing: the generator's seed, a whole number ≥ 0" : "must be a whole number ≥ 0")
        }
        do { return try UniformPopulation.draw(base: base, ranges: ranges, count: Int(count), seed: UInt64(seed)) } catch {
            throw f.fail("population.uniform", error.description)
        }
    }
}
