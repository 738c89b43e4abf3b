import Foundation

/// Population statistics of circuits (`Docs/network-files.md`, "Populations of circuits"), per analysis window,
/// from the circuits' summaries taken in circuit order (so the same summaries give the same numbers, whether
/// they came from one run or from shards joined by `ganglion merge`):
///
/// - `period_ms`: the reference cell's burst-onset period (`onset_period_ms`) over the circuits that have one:
///   `{n, median, q25, q75, iqr}` (quantiles interpolated as `PopulationStatistics.quantile`);
/// - per cell, `phase`: the circular mean of the circuits' mean phases (`mean_phase`, fractions of a cycle) and
///   their spread 1 − R, R the mean resultant length of those phases on the circle, `{n, circular_mean,
///   resultant_length, spread}`; `locked`: the circuits in which the cell is locked to the reference; and
///   `patterns`: its firing patterns (failed circuits count as `failed`);
/// - `rhythms`: each circuit's verdict as counts: `locked` (every cell locked to the reference), `not locked`
///   (some cell not locked), `insufficient` (some cell with too few cycles, none not locked) or `failed`;
///   `fraction_locked` is the `locked` count of all circuits.
public enum CircuitStatistics {
    /// The statistics of `circuits` (summary objects in circuit order; nil or `{"error": …}` for a failed
    /// circuit) for every analysis window of the first finished circuit.
    public static func summarize(_ circuits: [[String: Any]?]) -> [[String: Any]] {
        let finished = circuits.map { c -> [String: Any]? in c?["error"] == nil ? c : nil }
        guard let model = finished.compactMap({ $0 }).first, let windows = model["windows"] as? [[String: Any]] else { return [] }
        let reference = model["reference_cell"] as? String
        let names = (windows.first?["cells"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        return windows.indices.map { w -> [String: Any] in
            // Each circuit's cells in window w, by name (nil for a failed circuit).
            let cellsByCircuit: [[String: [String: Any]]?] = finished.map { c in
                guard let ws = c?["windows"] as? [[String: Any]], w < ws.count, let cells = ws[w]["cells"] as? [[String: Any]] else { return nil }
                var byName: [String: [String: Any]] = [:]
                for cell in cells { if let n = cell["name"] as? String { byName[n] = cell } }
                return byName
            }
            var o: [String: Any] = ["window_ms": windows[w]["window_ms"] as Any]
            if let reference {
                o["reference_cell"] = reference
                let periods = cellsByCircuit.compactMap { $0?[reference]?["onset_period_ms"] as? Double }
                if !periods.isEmpty { o["period_ms"] = quartiles(periods) }
            }
            var perCell: [String: Any] = [:]
            for n in names {
                let cells = cellsByCircuit.map { $0?[n] }
                var c: [String: Any] = ["patterns": PopulationStatistics.patternCounts(cells).mapValues(\.jsonObject)]
                let verdicts = cells.map { ($0?["locking"] as? [String: Any])?["verdict"] as? String }
                c["locked"] = Proportion(verdicts.filter { $0 == LockingVerdict.locked.rawValue }.count, of: circuits.count).jsonObject
                if n != reference {
                    let phases = cells.compactMap { $0?["mean_phase"] as? Double }
                    if !phases.isEmpty { c["phase"] = circular(phases) }
                }
                perCell[n] = c
            }
            o["cells"] = perCell
            var rhythms: [String: Int] = [:]
            for byName in cellsByCircuit {
                guard let byName else { rhythms["failed", default: 0] += 1; continue }
                let v = names.map { (byName[$0]?["locking"] as? [String: Any])?["verdict"] as? String }
                let verdict: LockingVerdict = v.contains(LockingVerdict.notLocked.rawValue) || v.contains(nil) ? .notLocked
                    : v.contains(LockingVerdict.insufficient.rawValue) ? .insufficient : .locked
                rhythms[verdict.rawValue, default: 0] += 1
            }
            o["rhythms"] = rhythms.mapValues { Proportion($0, of: circuits.count).jsonObject }
            o["fraction_locked"] = Proportion(rhythms[LockingVerdict.locked.rawValue] ?? 0, of: circuits.count).jsonObject
            return o
        }
    }

    /// `{n, median, q25, q75, iqr}` of values (ms).
    static func quartiles(_ v: [Double]) -> [String: Any] {
        let q25 = PopulationStatistics.quantile(v, 0.25)!, q75 = PopulationStatistics.quantile(v, 0.75)!
        return ["n": v.count, "median": PopulationStatistics.quantile(v, 0.5)!, "q25": q25, "q75": q75, "iqr": q75 - q25]
    }

    /// The circular mean (fraction of a cycle in [0, 1)), mean resultant length R and spread 1 − R of phases
    /// (fractions of a cycle), summed in the order given.
    public static func circular(_ phases: [Double]) -> [String: Any] {
        var c = 0.0, s = 0.0
        for p in phases { c += cos(2 * Double.pi * p); s += sin(2 * Double.pi * p) }
        c /= Double(phases.count)
        s /= Double(phases.count)
        var m = atan2(s, c) / (2 * Double.pi)
        if m < 0 { m += 1 }
        if m >= 1 { m -= 1 }
        let r = min((c * c + s * s).squareRoot(), 1)
        return ["n": phases.count, "circular_mean": m, "resultant_length": r, "spread": 1 - r]
    }
}
