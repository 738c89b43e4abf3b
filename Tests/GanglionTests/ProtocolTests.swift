import Foundation
import Testing
import Ganglion

@Suite("Protocol events")
struct ProtocolTests {
    func rows(_ path: String) throws -> (header: [String], rows: [[Double]]) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        return (lines[0].split(separator: ",").map(String.init),
                lines.dropFirst().map { $0.split(separator: ",").map { Double($0)! } })
    }

    func run(_ events: [ProtocolEvent], solver: SolverChoice = .cvodeBDF, duration: Double = 4000) throws -> [[Double]] {
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: duration)
        request.events = events
        request.solver = solver
        request.record = RecordItem.parseList("H.m,I_H")
        let path = temporaryPath("protocol.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        request.tracePath = path
        _ = try simulate(request)
        let (header, data) = try rows(path)
        #expect(header == ["t_ms", "V_mV", "Ca", "H.m", "I_H_uA_cm2"])
        return data
    }

    @Test("an H blockade at 2000 ms appears at exactly 2000 ms; unblocking restores ḡ_H", arguments: [SolverChoice.cvodeBDF, .expEuler])
    func blockade(solver: SolverChoice) throws {
        let data = try run([ProtocolEvent(time: 2000, action: .block(channel: "H", fraction: 0)),
                            ProtocolEvent(time: 3000, action: .unblock(channel: "H"))], solver: solver)
        let at2000 = data.filter { $0[0] == 2000 }
        #expect(at2000.count == 2, "the state just before and just after")
        #expect(at2000[0][1] == at2000[1][1] && at2000[0][3] == at2000[1][3], "the state is continuous")
        #expect(at2000[0][4] != 0 && at2000[1][4] == 0)
        // While blocked I_H is zero, before and after it follows ḡ_H m (V − E_H).
        for r in data where r[0] > 2000 && r[0] < 3000 { #expect(r[4] == 0) }
        for r in data where r[0] < 2000 || r[0] > 3000 { #expect(abs(r[4] - 0.3 * r[3] * (r[1] + 20)) < 1e-8 * max(1, abs(r[4]))) }
        // The grid stays regular: …, 1999.9, 2000, 2000, 2000.1, …
        let times = data.map { $0[0] }
        #expect(times.count == 40001 + 2)
        #expect(times.contains(1999.9) && times.contains(2000.1))
    }

    @Test("a 50 % blockade halves the conductance at the same state")
    func partialBlockade() throws {
        let data = try run([ProtocolEvent(time: 2000.05, action: .block(channel: "H", fraction: 0.5))])
        let at = data.filter { $0[0] == 2000.05 }
        #expect(at.count == 2)
        #expect(abs(at[1][4] - 0.5 * at[0][4]) < 1e-9 * abs(at[0][4]))
        #expect(data.map { $0[0] }.contains(2000.1), "the output grid is not shifted by an off-grid event")
    }

    @Test("a current step at 0 ms is the same as a model with that applied current")
    func currentStep() throws {
        var request = SimulationRequest(neuron: try NamedModel.named("stg-spiking")!.neuron(), duration: 3000)
        request.window = 0...3000
        request.events = [ProtocolEvent(time: 0, action: .appliedCurrent(0.3))]
        let stepped = try simulate(request).features.spikeTimes
        var direct = SimulationRequest(neuron: try NamedModel.named("stg-spiking")!.neuron(), duration: 3000)
        direct.neuron.appliedCurrent = 0.3
        direct.window = 0...3000
        let reference = try simulate(direct).features.spikeTimes
        #expect(stepped == reference)
        request.events = []
        #expect(try simulate(request).features.spikeTimes != reference, "the current changes the firing")
    }

    @Test("bad protocols are errors naming the event", arguments: [
        ([ProtocolEvent(time: 3000, action: .block(channel: "H", fraction: 0)), ProtocolEvent(time: 2000, action: .unblock(channel: "H"))], "event 1"),
        ([ProtocolEvent(time: -1, action: .block(channel: "H", fraction: 0))], "≥ 0"),
        ([ProtocolEvent(time: 100, action: .block(channel: "NaP", fraction: 0))], "unknown channel 'NaP'"),
        ([ProtocolEvent(time: 100, action: .block(channel: "H", fraction: 1.5))], "fraction 1.5"),
        ([ProtocolEvent(time: 9000, action: .unblock(channel: "H"))], "after the end"),
        ([ProtocolEvent(time: 100, action: .setConductance(channel: "CaS", value: -2))], "≥ 0"),
    ])
    func badProtocols(events: [ProtocolEvent], mention: String) throws {
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 4000)
        request.events = events
        do {
            _ = try simulate(request)
            Issue.record("accepted a bad protocol")
        } catch {
            #expect(error.description.contains(mention), "\(error.description)")
        }
    }

    @Test("events on a homeostatically regulated conductance are refused, not silently ignored")
    func regulatedChannel() throws {
        var neuron = try NamedModel.named("stg-bursting")!.neuron()
        neuron.homeostasis = try Homeostasis.paper(neuron, regulated: ["Na", "H"], calciumTarget: 125)
        var request = SimulationRequest(neuron: neuron, duration: 1000)
        request.events = [ProtocolEvent(time: 500, action: .block(channel: "H", fraction: 0))]
        #expect(throws: SimulationError.self) { try simulate(request) }
        request.events = [ProtocolEvent(time: 500, action: .block(channel: "CaS", fraction: 0.5))]
        _ = try simulate(request)
    }
}
