import Foundation
import Testing
import Ganglion

/// Summaries say only what the run shows: too little to classify is `insufficient`, locking is a stated
/// statistical verdict, protocol segments are analysed apart, and fractions are counts.
@Suite("Honest summaries")
struct HonestSummaryTests {
    // MARK: insufficient

    @Test("no spike is silent; one or two spikes are insufficient, with the count seen and needed")
    func tooFewSpikes() {
        #expect(FiringFeatures(spikeTimes: []).pattern == .silent)
        let f = FiringFeatures(spikeTimes: [10, 20])
        #expect(f.pattern == .insufficient && f.frequency == nil)
        #expect(f.evidence == FiringEvidence(quantity: "spikes", seen: 2, needed: 3))
        let o = f.jsonObject["insufficient"] as? [String: Any]
        #expect(o?["seen"] as? Int == 2 && o?["needed"] as? Int == 3)
    }

    @Test("fewer than 3 long ISIs is insufficient; enough long ISIs failing the burst criteria is irregular")
    func tooFewBursts() {
        let f = FiringFeatures(spikeTimes: [0, 10, 100, 110])
        #expect(f.pattern == .insufficient)
        #expect(f.evidence == FiringEvidence(quantity: "long ISIs", seen: 1, needed: 3))
        // Four long ISIs, three of them in a row: mean spikes per burst 4/3 < 1.5.
        #expect(FiringFeatures(spikeTimes: [0, 100, 110, 210, 310, 410]).pattern == .irregular)
    }

    @Test("a 1 Hz pacemaker simulated for 3 s is insufficient, not irregular")
    func slowPacemaker() throws {
        let r = try ganglion(["simulate", "da-spiking", "--duration", "3000", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["pattern"] as? String == "insufficient", "\(o["pattern"] ?? "?"): \(o["pattern_rule"] ?? "")")
        let e = try #require(o["insufficient"] as? [String: Any])
        #expect(e["needed"] as? Int == 3 && (e["seen"] as? Int ?? 3) < 3, "\(e)")
        let text = try ganglion(["simulate", "da-spiking", "--duration", "3000"])
        #expect(text.stdout.contains("insufficient") && !text.stdout.contains("irregular"), "\(text.stdout)")
    }

    // MARK: phase locking

    static func onsets(period: Double, phase: Double = 0, count: Int) -> [Double] {
        (0..<count).map { 1000 + (Double($0) + phase) * period }
    }

    @Test("locking: a constant phase at the same period is locked; a different period drifts and is not; few cycles are insufficient")
    func lockingCriterion() {
        let reference = Self.onsets(period: 100, count: 40)
        let same = PhaseRelation(onsets: Self.onsets(period: 100, phase: 0.5, count: 40), reference: reference)
        #expect(same.verdict == .locked && same.locked)
        #expect(abs(same.meanPhase! - 0.5) < 1e-9 && same.resultantLength! > 0.999 && same.rayleighP! < 1e-10)
        // 1 % slower: the phase drifts 0.01 cycle per cycle; over a few cycles the phases still cluster (R high,
        // Rayleigh p tiny), but the accumulated drift gives it away.
        let slower = PhaseRelation(onsets: Self.onsets(period: 101, phase: 0.5, count: 15), reference: reference)
        #expect(slower.resultantLength! > 0.9 && slower.rayleighP! < 0.001, "R \(slower.resultantLength!), p \(slower.rayleighP!)")
        #expect(slower.verdict == .notLocked, "drift \(slower.drift ?? -1)")
        let few = PhaseRelation(onsets: Self.onsets(period: 100, phase: 0.5, count: 6), reference: reference)
        #expect(few.verdict == .insufficient && few.cycles == 6)
        #expect(rayleighPValue(n: 100, resultantLength: 0) > 0.99)
    }

    /// examples/networks/hco.json with its synapses' ḡ set and the analysis window 3–5 s, into a temporary file.
    static func hcoFile(gbar: Double) throws -> String {
        let text = try String(contentsOfFile: packageRoot() + "/examples/networks/hco.json", encoding: .utf8)
        var o = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        o["synapses"] = (o["synapses"] as? [[String: Any]] ?? []).map { s in s.merging(["gbar": gbar]) { $1 } }
        o["name"] = "hco-\(gbar)"
        var outputs = o["outputs"] as? [String: Any] ?? [:]
        outputs["windows_ms"] = [[3000, 5000]]
        o["outputs"] = outputs
        let path = temporaryPath("hco-\(gbar)-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: o).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func runNetwork(_ file: String, duration: String) throws -> (cells: [[String: Any]], table: String) {
        let out = temporaryPath("hco-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try ganglion(["network", file, "--out", out, "--duration", duration])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))
        let s = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let w = try #require((s["windows"] as? [[String: Any]])?.first)
        return (w["cells"] as? [[String: Any]] ?? [], r.stdout)
    }

    @Test("two uncoupled cells of the half-centre file (gbar 0, periods 141 and 142 ms) are not locked")
    func uncoupledNotLocked() throws {
        let file = try Self.hcoFile(gbar: 0)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (cells, table) = try Self.runNetwork(file, duration: "5000")
        let b = try #require(cells.first { $0["name"] as? String == "B" })
        let locking = try #require(b["locking"] as? [String: Any])
        #expect(b["locked_to_reference"] as? Bool == false)
        #expect(locking["verdict"] as? String == "not locked", "\(locking)")
        #expect((locking["cycles"] as? Int ?? 0) >= 10 && locking["rayleigh_p"] is Double && locking["resultant_length"] is Double)
        #expect(table.contains("not locked") && table.contains("Rayleigh p"), "\(table)")
    }

    @Test("the coupled half-centre (examples/networks/hco.json) stays locked in anti-phase")
    func coupledLocked() throws {
        let (cells, _) = try Self.runNetwork(packageRoot() + "/examples/networks/hco.json", duration: "12000")
        let b = try #require(cells.first { $0["name"] as? String == "B" })
        let locking = try #require(b["locking"] as? [String: Any])
        #expect(locking["verdict"] as? String == "locked", "\(locking)")
        #expect(abs((b["mean_phase"] as? Double ?? 0) - 0.5) < 0.05)
    }

    // MARK: segments

    @Test("simulate with a block at 2 s and an unblock at 6 s analyses the three segments apart")
    func simulateSegments() throws {
        let r = try ganglion(["simulate", "stg-bursting", "--duration", "10000", "--event", "2000:block:H", "--event", "6000:unblock:H", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let segments = try #require(o["segments"] as? [[String: Any]])
        #expect(segments.count == 3)
        #expect(segments.map { $0["began"] as? String ?? "" } == ["start", "block H to 0.0", "unblock H"])
        #expect(segments.map { $0["window_ms"] as? [Double] ?? [] } == [[1000, 2000], [3000, 6000], [7000, 10000]])
        #expect(segments.map { $0["start_ms"] as? Double ?? -1 } == [0, 2000, 6000])
        let periods = segments.map { $0["burst_period_ms"] as? Double ?? 0 }
        // The blocked segment bursts more slowly than the two others, which agree.
        #expect(periods[1] > 1.5 * periods[0] && abs(periods[2] / periods[0] - 1) < 0.02, "\(periods)")
        #expect((o["window_ms"] as? [Double]) == [7000, 10000])
        let text = try ganglion(["simulate", "stg-bursting", "--duration", "10000", "--event", "2000:block:H", "--event", "6000:unblock:H"])
        #expect(text.stdout.contains("after block H") && text.stdout.contains("after unblock H"), "\(text.stdout)")
        // An explicit window is analysed as given.
        let w = try ganglion(["simulate", "stg-bursting", "--duration", "10000", "--event", "2000:block:H", "--window", "500:9000", "--json"])
        let ow = try #require(try JSONSerialization.jsonObject(with: Data(w.stdout.utf8)) as? [String: Any])
        #expect((ow["window_ms"] as? [Double])?.first == 500)
    }

    @Test("a controlled switch from spiking to bursting is reported per segment: tonic, then bursting, as counts")
    func experimentSegments() throws {
        let text = try String(contentsOfFile: packageRoot() + "/examples/paper/controlled.json", encoding: .utf8)
        var o = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        o["name"] = "controlled-short"
        o["duration_ms"] = 16000
        o["protocol"] = [["t": 8000, "dic_targets": ["g_s": -8, "g_u": 4]]]
        o["outputs"] = [String: Any]()
        o["population"] = ["generate": "stg", "count": 2, "seed": 1]
        let file = temporaryPath("controlled-short-\(UUID().uuidString).json")
        let out = temporaryPath("controlled-short-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: file); try? FileManager.default.removeItem(atPath: out) }
        try JSONSerialization.data(withJSONObject: o).write(to: URL(fileURLWithPath: file))
        let r = try ganglion(["run", file, "--out", out, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any])
        let segments = try #require((s["statistics"] as? [String: Any])?["segments"] as? [[String: Any]])
        #expect(segments.count == 2)
        let patterns = segments.map { $0["patterns"] as? [String: Any] ?? [:] }
        #expect(Proportion(json: patterns[0]["tonic"]) == Proportion(2, of: 2), "\(patterns[0])")
        #expect(Proportion(json: patterns[1]["bursting"]) == Proportion(2, of: 2), "\(patterns[1])")
        #expect(r.stdout.contains("tonic 2/2 (100 %)") && r.stdout.contains("bursting 2/2 (100 %)"), "\(r.stdout)")
        let row = try #require((s["rows"] as? [[String: Any]])?.first)
        #expect((row["segments"] as? [[String: Any]])?.count == 2)
    }

    // MARK: fractions

    @Test("pattern fractions are counts of a total and a rounded percentage, never 0.9999999999999999")
    func fractions() throws {
        let cells: [[String: Any]?] = Array(repeating: ["pattern": "bursting"], count: 9) + [["pattern": "tonic"]]
        let all: [[String: Any]?] = Array(repeating: ["pattern": "bursting"], count: 10)
        let s = PopulationStatistics.summarize(cells)
        #expect(PopulationStatistics.patternsText(s["patterns"]) == "bursting 9/10 (90 %), tonic 1/10 (10 %)")
        let json = JSONOutput.string(PopulationStatistics.summarize(all))
        #expect(!json.contains("0.9999"), "\(json)")
        #expect(Proportion(json: (PopulationStatistics.summarize(all)["patterns"] as? [String: Any])?["bursting"]) == Proportion(10, of: 10))
        #expect(Proportion(10, of: 10).percent == 100 && Proportion(1, of: 3).percent == 33.3)
        #expect(Proportion(199, of: 200).description == "199/200 (99.5 %)")
        #expect(Proportion(1, of: 200).percentText == "0.5 %" && Proportion(1, of: 3).percentText == "33 %")
        #expect(Proportion(1, of: 100_000).percentText == "<0.1 %" && Proportion(0, of: 5).percentText == "0 %")
    }
}
