/// Population statistics of per-cell summaries: median and 10th/90th percentiles of every firing feature,
/// and the number of cells in each firing pattern.
public enum PopulationStatistics {
    /// The q-quantile (0…1) of values, linearly interpolated between order statistics (NumPy's default).
    public static func quantile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let v = values.sorted()
        let h = Double(v.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, v.count - 1)
        return v[lo] + (h - Double(lo)) * (v[hi] - v[lo])
    }

    static let featureKeys = ["frequency_hz", "burstiness_hz2", "spikes_per_burst", "intraburst_hz", "interburst_hz",
                              "burst_period_ms", "duty_cycle", "mean_ca", "spikes"]

    /// Statistics of a list of feature objects (one per cell; nil for a cell that failed): for each
    /// numeric feature `{n, median, p10, p90}` over the cells that have it, and `patterns`: per firing pattern
    /// seen, the cells in it as `{count, total, percent}` of all cells (failed cells count as `failed`).
    public static func summarize(_ cells: [[String: Any]?]) -> [String: Any] {
        var o: [String: Any] = [:]
        for k in featureKeys {
            let values = cells.compactMap { $0?[k] }.compactMap { v -> Double? in
                if let d = v as? Double { return d }
                if let i = v as? Int { return Double(i) }
                return nil
            }
            guard !values.isEmpty else { continue }
            o[k] = ["n": values.count, "median": quantile(values, 0.5)!, "p10": quantile(values, 0.1)!, "p90": quantile(values, 0.9)!] as [String: Any]
        }
        o["patterns"] = patternCounts(cells).mapValues(\.jsonObject)
        return o
    }

    /// Per firing pattern seen, the cells in it of all cells (failed cells, nil, count as `failed`).
    public static func patternCounts(_ cells: [[String: Any]?]) -> [String: Proportion] {
        var counts: [String: Int] = [:]
        for c in cells { counts[(c?["pattern"] as? String) ?? "failed", default: 0] += 1 }
        return counts.mapValues { Proportion($0, of: cells.count) }
    }

    /// A `patterns` object as text, patterns in alphabetical order: `bursting 9/10 (90 %), tonic 1/10 (10 %)`.
    public static func patternsText(_ patterns: Any?) -> String {
        let o = patterns as? [String: Any] ?? [:]
        return o.keys.sorted().compactMap { k in Proportion(json: o[k]).map { "\(k) \($0)" } }.joined(separator: ", ")
    }
}
