import Foundation
import Testing
import Ganglion
import GanglionExplore

@Suite("Explorer updates: the library's simulation, DICs and compensation; bad requests refused")
struct ExplorerTests {
    let explorer: Explorer

    init() throws {
        explorer = try Explorer(neuron: try NamedModel.named("stg-bursting")!.neuron(), name: "stg-bursting")
    }

    @Test("the menu is the model given, then its family's other named models")
    func menu() {
        #expect(explorer.modelNames.first == "stg-bursting")
        #expect(Set(explorer.modelNames) == Set(NeuronKind.named("stg")!.models.map(\.name)))
    }

    @Test("blocking H gives the features of `simulate` with H blocked by a protocol event at 0 ms, and differs from the unblocked model")
    func blockade() throws {
        let blockedUpdate = try explorer.update(ExploreState(model: "stg-bursting", blocked: ["H"]))
        let blocked = try #require(blockedUpdate)
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: explorer.settings.duration)
        request.solverSettings = SolverSettings(method: .expEuler, dt: 0.05)
        request.window = 1000...explorer.settings.duration
        request.events = [ProtocolEvent(time: 0, action: .block(channel: "H", fraction: 0))]
        let reference = try simulate(request)
        #expect(blocked.report.features == reference.features)
        let plainUpdate = try explorer.update(ExploreState(model: "stg-bursting"))
        let plain = try #require(plainUpdate)
        #expect(plain.report.features.pattern == .bursting)
        #expect(plain.report.features.burstPeriod != blocked.report.features.burstPeriod)
    }

    @Test("DIC targets solve for the modulated pair: the DICs of the simulated neuron at its threshold are the targets")
    func targets() throws {
        let update = try explorer.update(ExploreState(model: "stg-bursting", targets: (gs: -6, gu: 5)))
        let u = try #require(update)
        let pair = NeuronKind.named("stg")!.modulatedPair
        #expect(Set(try #require(u.compensation).solved.keys) == Set(pair))
        // At the voltage of the solve: the threshold of the neuron before it.
        let before = try DICCalculator(try NamedModel.named("stg-bursting")!.neuron()).threshold(.grid).V
        #expect(u.compensation?.V == before)
        let at = try DICCalculator(u.neuron).dics(at: before)
        #expect(abs(at.gs - -6) < 1e-6 && abs(at.gu - 5) < 1e-6, "\(at)")
        #expect(u.neuron.gbar(pair[0]) != NamedModel.named("stg-bursting")!.conductances[pair[0]])
    }

    @Test("the answer carries the drawn trace (≤ 2 points per bucket), the DIC curves and the threshold")
    func answer() throws {
        let answer = explorer.answer(#"{"model": "stg-spiking", "conductances": {"Na": 3000}, "seq": 7}"#, shouldStop: { false })
        let text = try #require(answer)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(o["type"] as? String == "result" && o["seq"] as? Int == 7)
        #expect((o["conductances"] as? [String: Double])?["Na"] == 3000)
        let trace = try #require(o["trace"] as? [String: [Double]])
        #expect(trace["t"]!.count <= 2 * explorer.settings.traceBuckets && trace["t"]!.count == trace["V"]!.count)
        #expect(trace["V"]!.max()! > 0, "the spikes' peaks are kept")
        let dics = try #require(o["dics"] as? [String: Any])
        #expect((dics["V"] as? [Double])?.count == 201)
        #expect(o["threshold_mV"] is Double)
    }

    @Test("bad requests are refused with a message naming the problem",
          arguments: [
            (#"{"model": "stg-bursting", "conductances": {"Nav": 1}}"#, "unknown conductance 'Nav'"),
            (#"{"model": "stg-bursting", "conductances": {"H": -1}}"#, "must be finite and ≥ 0"),
            (#"{"model": "stg-bursting", "conductances": {"H": "x"}}"#, "'conductances.H' must be a number"),
            (#"{"model": "stg-bursting", "current": 1e999}"#, "not valid JSON"),
            (#"{"model": "stg-bursting", "current": null}"#, "'current' must be a number"),
            (#"{"model": "stg-bursting", "current": true}"#, "'current' must be a number"),
            (#"{"model": "stg-bursting", "blocked": ["Q"]}"#, "cannot block 'Q'"),
            (#"{"model": "nope"}"#, "unknown model 'nope'"),
            (#"{"model": "stg-bursting", "path": "/etc/passwd"}"#, "unknown field 'path'"),
            (#"{"model": "stg-bursting""#, "not valid JSON"),
          ])
    func badRequests(_ request: String, _ expected: String) throws {
        let answer = explorer.answer(request, shouldStop: { false })
        let text = try #require(answer)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(o["type"] as? String == "error")
        #expect((o["error"] as? String ?? "").contains(expected), "\(o)")
    }

    @Test("an abandoned update (the connection closed) returns nothing")
    func abandoned() throws {
        let u = try explorer.update(ExploreState(model: "stg-bursting"), shouldStop: { true })
        #expect(u == nil)
    }
}
