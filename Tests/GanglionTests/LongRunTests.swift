import Foundation
import Synchronization
import Testing
import Ganglion

@Suite("Long runs: output schedules, snapshots, checkpoints")
struct LongRunTests {
    func homeostaticSpiking() throws -> NeuronDescription {
        var n = try NamedModel.named("stg-spiking")!.neuron()
        n.homeostasis = try Homeostasis.paper(n, calciumTarget: 125)
        return n
    }

    @Test("conductances every 100 ms with a 500 ms calcium moving average that matches the trace's own average")
    func conductanceSchedule() throws {
        var request = SimulationRequest(neuron: try homeostaticSpiking(), duration: 2000)
        let trace = temporaryPath("schedule-trace.csv"), conductances = temporaryPath("schedule-g.csv")
        defer { for p in [trace, conductances] { try? FileManager.default.removeItem(atPath: p) } }
        request.tracePath = trace
        request.record = RecordItem.parseList("homeostasis.A.gbar")
        request.conductancesPath = conductances
        request.conductanceInterval = 100
        request.calciumAverageWindow = 500
        _ = try simulate(request)
        let (gHeader, g) = try readCSV(conductances)
        #expect(gHeader.prefix(3) == ["t_ms", "Ca_average_au", "g_Na_mS_cm2"] && gHeader.last == "g_leak_mS_cm2")
        #expect(g.map { $0[0] } == stride(from: 0.0, through: 2000, by: 100).map { $0 })
        let (_, t) = try readCSV(trace)
        // Trapezoid average of the traced Ca over [T − 500, T].
        func average(_ lo: Double, _ hi: Double) -> Double {
            let rows = t.filter { $0[0] >= lo - 1e-9 && $0[0] <= hi + 1e-9 }
            var s = 0.0
            for (a, b) in zip(rows, rows.dropFirst()) { s += 0.5 * (a[2] + b[2]) * (b[0] - a[0]) }
            return s / (hi - lo)
        }
        for row in g where row[0] >= 500 {
            #expect(abs(row[1] / average(row[0] - 500, row[0]) - 1) < 1e-6, "t = \(row[0])")
        }
        // ḡ_A in the conductance file is the traced state at the same time.
        let aColumn = gHeader.firstIndex(of: "g_A_mS_cm2")!
        for row in g { #expect(abs(row[aColumn] / t.first { $0[0] == row[0] }![3] - 1) < 1e-8) }
    }

    @Test("a snapshot reruns the plain model with the conductances of its time and analyses its window")
    func snapshot() throws {
        var request = SimulationRequest(neuron: try homeostaticSpiking(), duration: 3000)
        request.snapshotTimes = [2000]
        request.snapshotDuration = 4000
        request.snapshotWindow = 1000...4000
        request.conductanceTimes = [2000]
        let report = try simulate(request)
        let snap = report.snapshots[0]
        #expect(snap.time == 2000 && snap.conductances == report.conductanceSamples[0].conductances)
        var plain = try NamedModel.named("stg-spiking")!.neuron()
        for (n, g) in snap.conductances { plain.setGbar(n, g) }
        var rerun = SimulationRequest(neuron: plain, duration: 4000)
        rerun.window = 1000...4000
        let direct = try simulate(rerun)
        #expect(snap.features.spikeTimes == direct.features.spikeTimes && snap.features.pattern == .tonic)
        #expect(snap.conductances["Na"]! > 4000, "homeostasis grew ḡ_Na before the snapshot")
    }

    @Test("a run interrupted after a checkpoint (with an event at it) and resumed ends in the same state with the same trace",
          arguments: [SolverChoice.cvodeBDF, .expEuler])
    func resume(solver: SolverChoice) throws {
        let base = ["whole": temporaryPath("resume-\(solver.rawValue)-whole"), "parts": temporaryPath("resume-\(solver.rawValue)-parts")]
        func request(_ tag: String) throws -> SimulationRequest {
            var r = SimulationRequest(neuron: try homeostaticSpiking(), duration: 6000)
            r.solver = solver
            r.tracePath = base[tag]! + ".csv"
            r.conductancesPath = base[tag]! + "-g.csv"
            r.conductanceInterval = 500
            r.checkpointInterval = 1000
            r.checkpointPath = base[tag]! + ".checkpoint.json"
            r.extraWindows = [1000...5500]
            r.snapshotTimes = [1500, 4500]
            r.snapshotDuration = 2000
            r.snapshotWindow = 500...2000
            // An event exactly at the checkpoint the run resumes from: the trace has the state just before
            // and just after it, and the resumed run must write both.
            r.events = [ProtocolEvent(time: 5000, action: .appliedCurrent(0.2))]
            return r
        }
        let whole = try request("whole")
        let reference = try simulate(whole)
        // Interrupt after 4.5 s (progress is reported every simulated second: the stop comes just after 5 s,
        // past the checkpoint at 5 s), then resume.
        var first = try request("parts")
        let stop = Atomic<Bool>(false)
        first.progress = { t in if t >= 4500 { stop.store(true, ordering: .relaxed) } }
        first.shouldStop = { stop.load(ordering: .relaxed) }
        #expect(throws: SimulationError.self) { try simulate(first) }
        #expect(FileManager.default.fileExists(atPath: first.checkpointPath!))
        #expect(FileManager.default.fileExists(atPath: first.tracePath! + ".partial"))
        // A checkpoint of another request is refused.
        var wrong = try request("parts")
        wrong.duration = 7000
        wrong.resumeFrom = wrong.checkpointPath
        #expect { try simulate(wrong) } throws: { "\($0)".contains("different run") }
        var second = try request("parts")
        second.resumeFrom = second.checkpointPath
        let resumed = try simulate(second)
        defer {
            for r in [whole, second] {
                for p in [r.tracePath!, r.conductancesPath!, r.checkpointPath!] { try? FileManager.default.removeItem(atPath: p) }
            }
        }
        #expect(resumed.resumedAt == 5000)
        #expect(resumed.finalState == reference.finalState)
        #expect(resumed.features.spikeTimes == reference.features.spikeTimes)
        #expect(resumed.windowFeatures[0].features.spikeTimes == reference.windowFeatures[0].features.spikeTimes)
        #expect(resumed.snapshots.map(\.features.spikeTimes) == reference.snapshots.map(\.features.spikeTimes))
        // The segments before and after the event at 5 s: the first one's analysis comes from the checkpoint.
        #expect(reference.segments.count == 2 && resumed.segments.map(\.features.spikeTimes) == reference.segments.map(\.features.spikeTimes))
        #expect(resumed.statistics == reference.statistics)
        #expect(try String(contentsOfFile: whole.tracePath!, encoding: .utf8) == String(contentsOfFile: second.tracePath!, encoding: .utf8))
        #expect(try String(contentsOfFile: whole.conductancesPath!, encoding: .utf8) == String(contentsOfFile: second.conductancesPath!, encoding: .utf8))
        // The last checkpoint is at the end of the run (written before the outputs are committed); the caller
        // removes it once it has recorded the result.
        let last = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: second.checkpointPath!))) as! [String: Any]
        #expect(last["time"] as? Double == second.duration)
    }
}
