/// One of N contiguous slices of a population (of cells or of circuits): shard I of N runs the members
/// ⌊total·I/N⌋ ..< ⌊total·(I+1)/N⌋ (0-based positions), as `ganglion sweep --shard` does. The slices of
/// the N shards cover every member exactly once.
public struct PopulationShard: Sendable, Equatable {
    /// The shard's number, 0 ≤ index < count.
    public var index: Int
    /// How many shards the population is split into (≥ 1).
    public var count: Int

    /// Shard `index` of `count`.
    public init(index: Int, count: Int) {
        precondition(count >= 1 && index >= 0 && index < count, "shard \(index)/\(count)")
        self.index = index
        self.count = count
    }

    /// The positions this shard runs of a population of `total` members.
    public func members(of total: Int) -> Range<Int> {
        (total * index / count)..<(total * (index + 1) / count)
    }

    /// The shard as JSON, with the slice it runs of `total` members: `{index, count, first, end, population}`
    /// (`end` exclusive).
    public func jsonObject(total: Int) -> [String: Any] {
        let r = members(of: total)
        return ["index": index, "count": count, "first": r.lowerBound, "end": r.upperBound, "population": total]
    }

    /// Reads a `shard` object written by `jsonObject(total:)`; nil if it is not one.
    public init?(json: Any?) {
        guard let o = json as? [String: Any], let i = o["index"] as? Double, let n = o["count"] as? Double,
              n >= 1, i >= 0, i < n, i == i.rounded(), n == n.rounded(), n < 1e9 else { return nil }
        self.init(index: Int(i), count: Int(n))
    }
}
