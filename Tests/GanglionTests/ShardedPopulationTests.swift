import Foundation
import Testing
import Ganglion

/// Populations of cells and of circuits run whole and as shards joined by `ganglion merge`.
@Suite("Sharded populations")
struct ShardedPopulationTests {
    func summary(_ folder: String) throws -> [String: Any] {
        try #require(JSONInput.parse(try Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))) as? [String: Any])
    }

    /// The same JSON text: the same keys, strings and numbers to the last bit.
    func same(_ a: Any?, _ b: Any?) -> Bool { JSONOutput.string(a as Any) == JSONOutput.string(b as Any) }

    @Test("a population of 6 cells run whole and as 3 shards (one from SLURM's variables) merges to the same rows and statistics; merge refuses a missing or doubled shard")
    func cellShards() throws {
        let dir = scratchFolder("cell-shards")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(#"{"name": "six", "population": {"generate": "stg", "count": 6, "seed": 1}, "duration_ms": 4000}"#.utf8)
            .write(to: URL(fileURLWithPath: dir + "/six.json"))
        let whole = try ganglion(["run", "six.json", "--out", "whole", "--jobs", "2", "--quiet"], in: dir)
        #expect(whole.status == 0, "\(whole.stderr)")
        for i in 0..<2 {
            let r = try ganglion(["run", "six.json", "--shard", "\(i)/3", "--out", "s\(i)", "--jobs", "1", "--quiet"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
        }
        // The last shard from a SLURM job array (tasks 1…3): task 3 is shard 2 of 3, in the default folder.
        let slurm = try ganglion(["run", "six.json", "--quiet"], in: dir,
                                 environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1"])
        #expect(slurm.status == 0, "\(slurm.stderr)")
        let last = "out/six-shard-2-of-3"
        let s2 = try summary(dir + "/" + last)
        #expect((s2["rows"] as? [[String: Any]])?.compactMap { $0["cell_index"] as? Double } == [4, 5])
        let m = try ganglion(["merge", "s0", "s1", last, "--out", "merged"], in: dir)
        #expect(m.status == 0, "\(m.stderr)")
        let a = try summary(dir + "/whole"), b = try summary(dir + "/merged")
        #expect((a["rows"] as? [Any])?.count == 6)
        #expect(same(a["rows"], b["rows"]))
        #expect(same(a["statistics"], b["statistics"]))
        #expect(same(a["finished"], b["finished"]) && same(a["cells"], b["cells"]))
        // The shards' own statistics are of their slices: shard 0's patterns count its 2 cells.
        let p0 = ((try summary(dir + "/s0"))["statistics"] as? [String: Any]).flatMap { ($0["main_window"] as? [String: Any])?["patterns"] as? [String: Any] }
        #expect(p0?.values.compactMap { Proportion(json: $0)?.count }.reduce(0, +) == 2)
        let missing = try ganglion(["merge", "s0", last, "--out", "m2"], in: dir)
        #expect(missing.status != 0 && missing.stderr.contains("2 of 6 cells missing"), "\(missing.stderr)")
        let doubled = try ganglion(["merge", "s0", "s1", "s1", last, "--out", "m3"], in: dir)
        #expect(doubled.status != 0 && doubled.stderr.contains("appears twice"), "\(doubled.stderr)")
    }

    @Test("4 half-centre oscillators: whole, resumed and as 2 shards + merge give the same statistics; a circuit equals its network run alone; the statistics match an independent computation from the rows")
    func circuitShards() throws {
        let dir = scratchFolder("circuit-shards")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try PopulationFile.write(try Population.generate(.stg, count: 8, seed: 2), to: dir + "/pop.json")
        func network(_ extra: String, a: String, b: String) -> String {
            """
            {"name": "hcos", "duration_ms": 4000, "population": "pop.json", \(extra)
             "cells": [{"name": "A", "cell": "\(a)", "modulate": {"g_s": -8, "g_u": 4}, "V0": -60},
                       {"name": "B", "cell": "\(b)", "modulate": {"g_s": -8, "g_u": 4}, "V0": -52}],
             "synapses": [{"from": "A", "to": "B", "gbar": 0.8}, {"from": "B", "to": "A", "gbar": 0.8}],
             "outputs": {"trace": false, "windows_ms": [[1000, 4000]], "burst_onset_isi_ms": 100}}
            """
        }
        try Data(network(#""circuits": {"count": 4},"#, a: "#0", b: "#1").utf8).write(to: URL(fileURLWithPath: dir + "/hcos.json"))
        try Data(network("", a: "#4", b: "#5").utf8).write(to: URL(fileURLWithPath: dir + "/third.json"))
        let whole = try ganglion(["network", "hcos.json", "--out", "whole", "--jobs", "2", "--quiet"], in: dir)
        #expect(whole.status == 0, "\(whole.stderr)")
        for i in 0..<2 {
            let r = try ganglion(["network", "hcos.json", "--shard", "\(i)/2", "--out", "s\(i)", "--jobs", "1", "--quiet"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let m = try ganglion(["merge", "s1", "s0", "--out", "merged"], in: dir)
        #expect(m.status == 0, "\(m.stderr)")
        let a = try summary(dir + "/whole"), b = try summary(dir + "/merged")
        #expect(same(a["rows"], b["rows"]))
        #expect(same(a["statistics"], b["statistics"]))

        // Circuit 2 is the network of population cells 4 and 5, run alone.
        let alone = try ganglion(["network", "third.json", "--out", "alone", "--quiet"], in: dir)
        #expect(alone.status == 0, "\(alone.stderr)")
        let c2 = try summary(dir + "/whole/circuits/2"), single = try summary(dir + "/alone")
        #expect(same(c2["windows"], single["windows"]))
        #expect(same(c2["population_cells"], ["A": 4, "B": 5]))

        // The statistics from the rows, computed here: the median and quartiles of A's period, B's circular mean phase.
        let rows = try #require(a["rows"] as? [[String: Any]])
        #expect(rows.count == 4)
        func cell(_ r: [String: Any], _ n: String) -> [String: Any]? {
            ((r["windows"] as? [[String: Any]])?.first?["cells"] as? [[String: Any]])?.first { $0["name"] as? String == n }
        }
        let periods = rows.compactMap { cell($0, "A")?["onset_period_ms"] as? Double }.sorted()
        #expect(periods.count == 4)
        let w = try #require(((a["statistics"] as? [String: Any])?["windows"] as? [[String: Any]])?.first)
        let period = try #require(w["period_ms"] as? [String: Any])
        #expect(abs((period["median"] as! Double) - (periods[1] + periods[2]) / 2) < 1e-9)
        #expect(abs((period["q25"] as! Double) - (periods[0] + 0.75 * (periods[1] - periods[0]))) < 1e-9)   // (n−1)·0.25 = 0.75
        let phases = rows.compactMap { cell($0, "B")?["mean_phase"] as? Double }
        let x = phases.map { cos(2 * .pi * $0) }.reduce(0, +) / 4, y = phases.map { sin(2 * .pi * $0) }.reduce(0, +) / 4
        let phase = try #require(((w["cells"] as? [String: Any])?["B"] as? [String: Any])?["phase"] as? [String: Any])
        var mean = atan2(y, x) / (2 * .pi)
        if mean < 0 { mean += 1 }
        #expect(abs((phase["circular_mean"] as! Double) - mean) < 1e-12)
        #expect(abs((phase["spread"] as! Double) - (1 - (x * x + y * y).squareRoot())) < 1e-12)
        let locked = rows.filter { cell($0, "B")?["locking"] as? String == "locked" }.count
        #expect(Proportion(json: w["fraction_locked"]) == Proportion(locked, of: 4))
        #expect(locked >= 3, "half-centre oscillators of this population lock in anti-phase")

        // A run that lost circuit 1's summary and its own is resumed: circuit 1 again, the same statistics.
        try FileManager.default.removeItem(atPath: dir + "/whole/circuits/1/summary.json")
        try FileManager.default.removeItem(atPath: dir + "/whole/summary.json")
        let resumed = try ganglion(["network", "--resume", "whole", "--quiet"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let r = try summary(dir + "/whole")
        #expect(same(r["statistics"], a["statistics"]) && same(r["rows"], a["rows"]))
    }
}
