import Foundation
import Testing
import Ganglion

@Suite("f–I curve")
struct FICurveTests {
    /// stg-spiking from −4 to 2 µA/cm², 4 s steps analysed after 1 s.
    static func curve() throws -> FICurveResult {
        var p = FICurveProtocol(neuron: try NamedModel.named("stg-spiking")!.neuron(), currents: ladder(from: -4, to: 2, step: 1)!)
        p.stepDuration = 4000
        p.transient = 1000
        return try runFICurve(p)
    }

    @Test("onset: silent below rheobase, firing above, on both branches, the rate growing with the current")
    func onset() throws {
        let r = try Self.curve()
        #expect(r.points.map(\.current) == [-4, -3, -2, -1, 0, 1, 2, 1, 0, -1, -2, -3, -4])
        for direction in [FIDirection.up, .down] {
            let branch = r.points.filter { $0.direction == direction }.sorted { $0.current < $1.current }
            let onset = try #require(branch.firstIndex { $0.rate > 0 }, "\(direction): never fires")
            #expect(onset > 0, "\(direction): fires at the lowest current")
            #expect(branch[..<onset].allSatisfy { $0.rate == 0 && $0.features.pattern == .silent }, "\(direction)")
            #expect(branch[onset...].allSatisfy { $0.rate > 0 }, "\(direction)")
            #expect(zip(branch[onset...], branch[onset...].dropFirst()).allSatisfy { $0.rate < $1.rate }, "\(direction)")
        }
    }

    @Test("the up branch counts what `ganglion simulate` counts at the same constant current in a fresh run, to one spike")
    func matchesSimulate() throws {
        let r = try Self.curve()
        for q in r.points where q.direction == .up {
            let run = try ganglion(["simulate", "stg-spiking", "--duration", "4000", "--window", "1000:4000",
                                    "--event", "0:current:\(q.current)", "--json"])
            #expect(run.status == 0, "\(run.stderr)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let spikes = try #require(summary["spikes"] as? Int)
            // The same window length (3 s); the phase at the window's start differs, so at most one spike apart.
            #expect(abs(q.rate - Double(spikes) / 3) <= 1.0 / 3 + 1e-12, "I = \(q.current): f–I \(q.rate) Hz, simulate \(spikes) spikes in 3 s")
            if q.rate > 0 { #expect(summary["pattern"] as? String == q.features.pattern.rawValue, "I = \(q.current)") }
        }
    }

    @Test("the CSV has a row per step with its direction, rate and pattern")
    func table() throws {
        let r = try Self.curve()
        let lines = r.csv.split(separator: "\n")
        #expect(lines.count == 1 + r.points.count)
        #expect(lines[0].hasPrefix("direction,I_uA_cm2,rate_hz,spikes,pattern,"))
        #expect(lines[1].hasPrefix("up,-4,0,0,silent,"))
        #expect(lines.last!.hasPrefix("down,-4,0,0,silent,"))
    }
}

@Suite("Phase plane")
struct PhasePlaneTests {
    @Test("simulate --plot phase records dV/dt from the right-hand side at every sample and draws it")
    func rightHandSide() throws {
        let folder = try temporaryFolder("phase")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let csv = folder + "/bursting.csv"
        let r = try ganglion(["simulate", "stg-bursting", "--duration", "1000", "--record", "gates", "--out", csv, "--plot", "phase", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let svg = try String(contentsOfFile: folder + "/bursting-phase.svg", encoding: .utf8)
        #expect(svg.contains("dV/dt (mV/ms)") && svg.contains("class=\"series\""))
        let cell = try CompiledNeuron(try NamedModel.named("stg-bursting")!.neuron())
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let dv = try #require(header.firstIndex(of: "dVdt_mV_ms"))
        // Each state's column: V_mV, Ca_au, then the gates by their layout names.
        let columns = try cell.layout.names.map { name in
            try #require(header.firstIndex(of: name == "V" ? "V_mV" : (name == "Ca" ? "Ca_au" : name)), "\(name)")
        }
        #expect(lines.count == 1 + 100_001)   // --plot phase samples every 0.01 ms
        var f = Array(repeating: 0.0, count: cell.dimension)
        var checked = 0, spikes = 0
        for line in lines.dropFirst().enumerated().filter({ $0.offset % 97 == 0 }).map(\.element) {
            let values = line.split(separator: ",").map { Double($0)! }
            let y = columns.map { values[$0] }
            cell.rightHandSide(values[0], y, &f)
            // The CSV keeps 10 significant digits of V and the gates: dV/dt from them agrees to ~1e-5 mV/ms.
            #expect(abs(values[dv] - f[0]) <= 1e-7 * abs(f[0]) + 1e-3, "t = \(values[0]) ms: \(values[dv]) vs \(f[0])")
            checked += 1
            if abs(f[0]) > 50 { spikes += 1 }
        }
        #expect(checked > 1000 && spikes > 3)
        // In an NWB file the column is a series in V/s (mV/ms), not of unknown unit.
        let series = NWBExport.series(forColumn: "dVdt_mV_ms", source: "test")
        #expect(series.unit == "volts/second" && series.conversion == 1)
    }
}
