import Foundation
import Testing
import Ganglion

@Suite("Firing-pattern atlas")
struct AtlasTests {
    /// The data rows of a CSV file, split into fields, keyed by the header.
    static func table(_ path: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        let header = CSVTable.fields(lines[0])
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, CSVTable.fields($0))) }
    }

    /// cells.csv, atlas.csv and atlas.svg of an atlas folder.
    static func products(_ folder: String) -> [String: Data] {
        Dictionary(uniqueKeysWithValues: ["cells.csv", "atlas.csv", "atlas.svg"].compactMap { n in
            FileManager.default.contents(atPath: folder + "/" + n).map { (n, $0) }
        })
    }

    func num(_ x: Double?) -> String { x.map(DecimalFormatter.string) ?? "" }

    @Test("a (g_s*, g_u*) point is the cell compensated to those targets at its grid threshold and simulated, computed apart")
    func dicPointMatchesCompensateAndSimulate() throws {
        let work = scratchFolder("atlas-dic")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let r = try ganglion(["atlas", "stg-bursting", "--gs", "-8:5:2", "--gu", "4:4:1", "--duration", "2500", "--window", "500:2500",
                              "--out", "a", "--quiet"], in: work)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try Self.table(work + "/a/cells.csv")
        #expect(rows.count == 2)
        let cell = try NamedModel.named("stg-bursting")!.neuron()
        for (k, gs) in [-8.0, 5].enumerated() {
            let c = try compensate(cell, unknowns: ["CaS", "A"], targets: [.s: gs, .u: 4], at: .threshold(.grid))
            var sim = SimulationRequest(neuron: c.neuron, duration: 2500)
            sim.window = 500...2500
            let f = try simulate(sim).features
            let row = rows[k]
            #expect(row["gs_target"] == num(gs) && row["gu_target"] == "4")
            #expect(row["outcome"] == f.pattern.rawValue && row["pattern"] == f.pattern.rawValue)
            #expect(row["spikes"] == String(f.spikeTimes.count))
            #expect(row["frequency_hz"] == num(f.frequency))
            #expect(row["burst_period_ms"] == num(f.burstPeriod))
            #expect(row["solved_CaS_mS_cm2"] == num(c.solved["CaS"]) && row["solved_A_mS_cm2"] == num(c.solved["A"]))
        }
        #expect(rows[0]["pattern"] == "bursting" && rows[1]["pattern"] == "tonic")
        // One cell per point: the point's fractions are its cell's outcome.
        let points = try Self.table(work + "/a/atlas.csv")
        #expect(points.map { $0["dominant"] } == ["bursting", "tonic"])
        #expect(points[0]["bursting"] == "1" && points[0]["tonic"] == "0" && points[1]["tonic"] == "1")
        #expect(points[0]["frequency_hz"] == rows[0]["frequency_hz"] && points[0]["spikes_per_burst"] == rows[0]["spikes_per_burst"])
    }

    @Test("a (ḡ_X, ḡ_Y) point is the cell with those two conductances set and simulated; medians and fractions over a population")
    func conductancePointsAndPopulation() throws {
        let work = scratchFolder("atlas-gbar")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let p = try Population.generate(.stg, count: 3, seed: 7)
        try PopulationFile.write(p, to: work + "/pop.json")
        let r = try ganglion(["atlas", "pop.json", "--x", "CaS:0:40:2", "--y", "A:100:100:1", "--duration", "2000", "--window", "500:2000",
                              "--out", "g", "--quiet"], in: work)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try Self.table(work + "/g/cells.csv")
        #expect(rows.count == 6)
        var patterns: [[String]] = [[], []]
        var frequencies: [[Double]] = [[], []]
        for (k, row) in rows.enumerated() {
            let (point, c) = (k / 3, k % 3)
            var n = p.cells[c]
            n.setGbar("CaS", point == 0 ? 0 : 40)
            n.setGbar("A", 100)
            var sim = SimulationRequest(neuron: n, duration: 2000)
            sim.window = 500...2000
            let f = try simulate(sim).features
            #expect(row["task"] == String(k) && row["cell"] == String(c) && row["gbar_CaS_mS_cm2"] == (point == 0 ? "0" : "40"))
            #expect(row["pattern"] == f.pattern.rawValue && row["frequency_hz"] == num(f.frequency))
            patterns[point].append(f.pattern.rawValue)
            if let x = f.frequency, x.isFinite { frequencies[point].append(x) }
        }
        let points = try Self.table(work + "/g/atlas.csv")
        for (k, pt) in points.enumerated() {
            #expect(pt["cells"] == "3")
            for o in ["bursting", "tonic", "silent"] {
                #expect(pt[o] == num(Double(patterns[k].filter { $0 == o }.count) / 3), "point \(k) \(o)")
            }
            let v = frequencies[k].sorted()
            #expect(pt["frequency_hz"] == (v.isEmpty ? "" : num(v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2)))
        }
        let svg = try String(contentsOfFile: work + "/g/atlas.svg", encoding: .utf8)
        #expect(svg.contains("ḡ_CaS (mS/cm²)") && svg.contains("fraction bursting") && svg.contains("class=\"legend\""))
    }

    @Test("shards merged are the unsharded atlas byte for byte; merge refuses a missing shard or other settings")
    func shardsMerge() throws {
        let work = scratchFolder("atlas-shards")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let common = ["atlas", "--generate", "stg", "--count", "2", "--seed", "3", "--gs", "-8:4:2", "--gu", "2:4:2", "--duration", "1500",
                      "--window", "300:1500", "--quiet"]
        let whole = try ganglion(common + ["--out", "whole"], in: work)
        #expect(whole.status == 0, "\(whole.stderr)")
        for i in 0..<3 {
            // Shard 1/3 comes from a SLURM job array's variables, as sweep's do.
            let r = i == 1 ? try ganglion(common + ["--out", "s1"], in: work, environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"])
                           : try ganglion(common + ["--shard", "\(i)/3", "--out", "s\(i)"], in: work)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let shardRows = try (0..<3).map { try Self.table(work + "/s\($0)/cells.csv").count }
        #expect(shardRows == [2, 3, 3])
        let m = try ganglion(["merge", "s0", "s1", "s2", "--out", "merged"], in: work)
        #expect(m.status == 0, "\(m.stderr)")
        let expected = Self.products(work + "/whole")
        #expect(expected.count == 3)
        #expect(Self.products(work + "/merged") == expected)
        let missing = try ganglion(["merge", "s0", "s2", "--out", "m2"], in: work)
        #expect(missing.status != 0 && missing.stderr.contains("3 of 8 tasks missing"), "\(missing.stderr)")
        let other = try ganglion(common.map { $0 == "1500" ? "1600" : $0 } + ["--shard", "1/3", "--out", "o1"], in: work)
        #expect(other.status == 0, "\(other.stderr)")
        let mixed = try ganglion(["merge", "s0", "o1", "s2", "--out", "m3"], in: work)
        #expect(mixed.status != 0 && mixed.stderr.contains("duration_ms"), "\(mixed.stderr)")
    }

    @Test("an interrupted atlas continues to the same files: a journal cut mid-line, a SIGKILL, a finished folder, other settings refused")
    func resume() throws {
        let work = scratchFolder("atlas-resume")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let args = ["atlas", "--generate", "stg", "--count", "3", "--seed", "4", "--gs", "-8:5:3", "--gu", "3:5:2", "--duration", "2000",
                    "--window", "500:2000", "--quiet"]
        let r = try ganglion(args + ["--out", "whole"], in: work)
        #expect(r.status == 0, "\(r.stderr)")
        let expected = Self.products(work + "/whole")
        #expect(expected.count == 3)
        // A run killed after 5 tasks, the 6th line half written (and the tasks written out of order, as workers finish).
        let lines = try String(contentsOfFile: work + "/whole/cells.csv", encoding: .utf8).split(separator: "\n")
        try FileManager.default.createDirectory(atPath: work + "/cut", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: work + "/whole/atlas.json", toPath: work + "/cut/atlas.json")
        let kept = [lines[0], lines[3], lines[1], lines[5], lines[2], lines[4]].joined(separator: "\n") + "\n" + lines[6].prefix(20)
        write(kept, to: work + "/cut/cells.csv.partial")
        let c = try ganglion(args + ["--out", "cut"], in: work)
        #expect(c.status == 0, "\(c.stderr)")
        #expect(Self.products(work + "/cut") == expected)
        #expect(!FileManager.default.fileExists(atPath: work + "/cut/cells.csv.partial"))
        // Running a finished atlas again rewrites the same files.
        let again = try ganglion(args + ["--out", "cut"], in: work)
        #expect(again.status == 0 && Self.products(work + "/cut") == expected, "\(again.stderr)")
        // SIGKILL at a random moment, then the same command.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: packageRoot() + "/.build/release/ganglion")
        p.arguments = args + ["--jobs", "1", "--out", "killed"]
        p.currentDirectoryURL = URL(fileURLWithPath: work)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(UInt32.random(in: 200_000...600_000))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let k = try ganglion(args + ["--out", "killed"], in: work)
        #expect(k.status == 0, "\(k.stderr)")
        #expect(Self.products(work + "/killed") == expected)
        // Other settings into the same folder are refused, naming them; nothing there changes.
        let before = snapshot(work + "/killed")
        let other = try ganglion(args.map { $0 == "3:5:2" ? "3:6:2" : $0 } + ["--out", "killed"], in: work)
        #expect(other.status != 0 && other.stderr.contains("other settings (y)"), "\(other.stderr)")
        #expect(snapshot(work + "/killed") == before)
    }

    @Test("bad grid specifications are refused, naming the option and the value")
    func badSpecs() throws {
        for (text, option, name, message) in [("1:2", "--gs", "gs", "expected A:B:N"), ("a:2:3", "--gu", "gu", "'a' is not a finite number"),
                                             ("5:1:3", "--gs", "gs", "greater than the first"), ("0:1:0", "--gs", "gs", "from 1 to"),
                                             ("0:1:2.5", "--gu", "gu", "'2.5'"), ("CaS:0:10", "--x", nil, "expected NAME:A:B:N"),
                                             (":0:1:2", "--y", nil, "name before"), ("0:inf:3", "--gs", "gs", "'inf' is not a finite number")] {
            #expect {
                _ = try AtlasAxis.parse(text, option: option, name: name)
            } throws: { e in
                let m = (e as? SimulationError)?.message ?? ""
                return m.hasPrefix("\(option) '\(text)'") && m.contains(message)
            }
        }
        #expect(try AtlasAxis.parse("-10:10:21", option: "--gs", name: "gs").values == (-10...10).map(Double.init))
        #expect(try AtlasAxis.parse("CaS:0:1:1", option: "--x").values == [0])
        let work = scratchFolder("atlas-bad")
        defer { try? FileManager.default.removeItem(atPath: work) }
        for (args, message) in [(["--gs", "-8:5", "--gu", "4:4:1"], "--gs '-8:5': expected A:B:N"),
                                (["--gs", "-8:5:2"], "either both --gs and --gu"),
                                (["--gs", "-8:5:2", "--gu", "4:4:1", "--x", "CaS:0:1:2"], "either both --gs and --gu"),
                                (["--x", "Foo:0:1:2", "--y", "A:0:1:2"], "--x 'Foo': cell 0 (stg-bursting) has no such conductance"),
                                (["--x", "gs:0:1:2", "--y", "A:0:1:2"], "mix a DIC and a conductance"),
                                (["--x", "CaS:-1:1:2", "--y", "A:0:1:2"], "--x 'CaS': ḡ from -1 mS/cm²: a conductance must be ≥ 0")] {
            let r = try ganglion(["atlas", "stg-bursting", "--duration", "1000", "--out", "x"] + args, in: work)
            #expect(r.status != 0 && r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: work + "/x"))
    }
}
