import Foundation
import Testing
import Ganglion

@Suite("Trace envelope: V and Ca in memory for drawing")
struct TraceEnvelopeTests {
    @Test("each bucket keeps the lowest and highest V of the written trace, in time order, with Ca at those times")
    func envelopeOfTrace() throws {
        let csv = FileManager.default.temporaryDirectory.appendingPathComponent("ganglion-envelope-\(UUID()).csv").path
        defer { unlink(csv) }
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 1000)
        request.solverSettings = SolverSettings(method: .expEuler, dt: 0.05)
        request.tracePath = csv
        request.envelopeBuckets = 50
        let report = try simulate(request)
        let env = try #require(report.envelope)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map { Double($0)! } }
        #expect(env.time.count <= 100 && env.time.count >= 50)
        #expect(zip(env.time, env.time.dropFirst()).allSatisfy { $0 <= $1 })
        for k in 0..<50 {
            let lo = Double(k) * 20, hi = Double(k + 1) * 20
            let inBucket = rows.filter { $0[0] >= lo && ($0[0] < hi || (k == 49 && $0[0] <= hi)) }
            let kept = env.time.indices.filter { env.time[$0] >= lo && (env.time[$0] < hi || (k == 49 && env.time[$0] <= hi)) }
            // The CSV has 6 significant digits; the envelope the full values.
            #expect(abs(kept.map { env.voltage[$0] }.max()! - inBucket.map { $0[1] }.max()!) < 1e-3)
            #expect(abs(kept.map { env.voltage[$0] }.min()! - inBucket.map { $0[1] }.min()!) < 1e-3)
            for i in kept {
                let row = try #require(rows.first { abs($0[0] - env.time[i]) < 1e-9 })
                #expect(abs(row[2] - env.calcium[i]) <= 1e-5 * max(1, abs(row[2])))
            }
        }
    }

    @Test("without envelopeBuckets there is no envelope")
    func none() throws {
        let report = try simulate(SimulationRequest(neuron: try NamedModel.named("stg-spiking")!.neuron(), duration: 50))
        #expect(report.envelope == nil)
    }
}
