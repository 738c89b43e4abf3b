import GanglionCore

/// Cells whose maximal conductances are drawn independently and uniformly from given ranges — the random
/// initial conditions of activity-dependent regulation studies (Liu et al. 1998 start their model "from
/// random initial conditions over a given range"). Unlike a degenerate population (`Population`), nothing is
/// solved: the cells differ freely.
public enum UniformPopulation {
    /// `count` copies of `base`, each conductance named in `ranges` drawn uniformly from its range
    /// (mS/cm²; the others kept), in the order of `base.conductanceNames`, with `Xoshiro256StarStar(seed)`.
    /// Cells are named `<base>-<seed>-<index>`.
    public static func draw(base: NeuronDescription, ranges: [String: ClosedRange<Double>], count: Int,
                            seed: UInt64) throws(ModelError) -> [NeuronDescription] {
        for (name, r) in ranges {
            guard base.gbar(name) != nil else { throw .invalidValue(field: "population.uniform.\(name)", value: .nan, reason: "no such conductance") }
            guard r.lowerBound.isFinite, r.upperBound.isFinite, r.lowerBound >= 0 else {
                throw .invalidValue(field: "population.uniform.\(name)", value: r.lowerBound, reason: "the range must be finite and ≥ 0")
            }
        }
        var rng = Xoshiro256StarStar(seed: seed)
        let drawn = base.conductanceNames.filter { ranges[$0] != nil }
        return try (0..<count).map { (i: Int) throws(ModelError) -> NeuronDescription in
            var cell = base
            cell.name = "\(base.name)-\(seed)-\(i)"
            for name in drawn {
                let r = ranges[name]!
                cell.setGbar(name, r.lowerBound + (r.upperBound - r.lowerBound) * rng.uniform())
            }
            try cell.validate()
            return cell
        }
    }
}
