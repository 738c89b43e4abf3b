import Foundation
import Testing
import Ganglion

@Suite("Protocol events")
struct ProtocolTests {
    func run(_ events: [ProtocolEvent], solver: SolverChoice = .cvodeBDF, duration: Double = 4000) throws -> [[Double]] {
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: duration)
        request.events = events
        request.solver = solver
        request.record = RecordItem.parseList("H.m,I_H")
        let path = temporaryPath("protocol.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        request.tracePath = path
        _ = try simulate(request)
        let (header, data) = try readCSV(path)
        #expect(header == ["t_ms", "V_mV", "Ca_au", "H.m", "I_H_uA_cm2"])
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

    @Test("a scale event read from an experiment file multiplies ḡ: the same run as a set event to factor × ḡ; refused for a regulated conductance")
    func scaleEvent() throws {
        func run(_ event: String, homeostasis: String = "") throws -> SimulationReport {
            let json = #"{"cell": "stg-bursting", "duration_ms": 4000, "outputs": {"windows_ms": [[0, 4000]]}, "protocol": ["# + event + "]" + homeostasis + "}"
            let e = try Experiment.parse(Data(json.utf8), file: "e.json", folder: packageRoot())
            return try simulate(e.request(forCell: 0))
        }
        let gA = try NamedModel.named("stg-bursting")!.neuron().gbar("A")!
        let scaled = try run(#"{"t": 1500, "scale": "A", "factor": 1.5}"#)
        let set = try run(#"{"t": 1500, "set": "A", "value": \#(1.5 * gA)}"#)
        #expect(scaled.features.spikeTimes == set.features.spikeTimes)
        #expect(scaled.features.spikeTimes != (try run(#"{"t": 1500, "scale": "A", "factor": 1}"#)).features.spikeTimes)
        #expect { _ = try run(#"{"t": 1500, "scale": "A"}"#) } throws: { "\($0)".contains("protocol[0].factor") }
        #expect { _ = try run(#"{"t": 1500, "scale": "A", "factor": -1}"#) } throws: { "\($0)".contains("factor -1") }
        #expect { _ = try run(#"{"t": 1500, "scale": "A", "factor": 2}"#, homeostasis: #", "homeostasis": {"Ca_target": 125, "tau_g": 100, "tau_Na": 600}"#) } throws: {
            "\($0)".contains("'A' is driven by homeostasis")
        }
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

    @Test("a blocked regulated conductance leaves homeostasis while blocked and rejoins it when unblocked")
    func regulatedBlockade() throws {
        var neuron = try NamedModel.named("stg-bursting")!.neuron()
        neuron.homeostasis = try Homeostasis.paper(neuron, regulated: ["Na", "H"], calciumTarget: 125)
        var request = SimulationRequest(neuron: neuron, duration: 1500)
        request.events = [ProtocolEvent(time: 500, action: .block(channel: "H", fraction: 0.5)),
                          ProtocolEvent(time: 1000, action: .unblock(channel: "H"))]
        request.record = RecordItem.parseList("homeostasis.H.gbar,homeostasis.H.m,homeostasis.Na.gbar,H.m,I_H")
        let path = temporaryPath("regulated-block.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        request.tracePath = path
        _ = try simulate(request)
        let (header, data) = try readCSV(path)
        let g = header.firstIndex(of: "homeostasis.H.gbar")!, m = header.firstIndex(of: "homeostasis.H.m")!
        let na = header.firstIndex(of: "homeostasis.Na.gbar")!, hm = header.firstIndex(of: "H.m")!, ih = header.firstIndex(of: "I_H_uA_cm2")!
        let blocked = data.filter { $0[0] > 500 && $0[0] < 1000 }
        // Frozen: ḡ_H and m_H constant while blocked; ḡ_Na keeps moving.
        #expect(Set(blocked.map { $0[g] }).count == 1 && Set(blocked.map { $0[m] }).count == 1)
        #expect(Set(blocked.map { $0[na] }).count > 100)
        // The current uses half the frozen ḡ.
        for r in blocked { #expect(abs(r[ih] - 0.5 * r[g] * r[hm] * (r[1] + 20)) < 1e-9 * max(1, abs(r[ih]))) }
        // Before and after: homeostasis moves ḡ_H, and the current uses all of it.
        #expect(Set(data.filter { $0[0] > 1000 }.map { $0[g] }).count > 100)
        for r in data where r[0] > 1000 { #expect(abs(r[ih] - r[g] * r[hm] * (r[1] + 20)) < 1e-9 * max(1, abs(r[ih]))) }
    }

    @Test("a current ramp is linear from the value in effect to its end value, then holds")
    func ramp() throws {
        var neuron = try NamedModel.named("stg-bursting")!.neuron()
        neuron.conductances = neuron.conductances.map { var c = $0; c.gbar = 0; return c }   // passive: V follows I
        var request = SimulationRequest(neuron: neuron, duration: 3000)
        request.events = [ProtocolEvent(time: 500, action: .appliedCurrent(0.01)),
                          ProtocolEvent(time: 1000, action: .ramp(to: 0.03, end: 2000))]
        let path = temporaryPath("ramp.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        request.tracePath = path
        request.solverSettings.rtol = 1e-9
        _ = try simulate(request)
        let data = try readCSV(path).rows
        // Passive membrane: C dV/dt = −g_L (V − E_L) + I(t); with τ = C/g_L = 100 ms the response to a ramp
        // of slope s lags by τ: V − E_L → (I(t) − s τ)/g_L well into the ramp, and I/g_L after it settles.
        let gL = neuron.leakConductance, eL = neuron.leakReversal, tau = neuron.capacitance / gL
        let slope = 0.02 / 1000
        let mid = data.first { $0[0] == 1800 }!
        #expect(abs((mid[1] - eL) - (0.01 + slope * 800 - slope * tau) / gL) < 1e-3)
        let end = data.last!
        #expect(abs((end[1] - eL) - 0.03 / gL) < 1e-3)
    }

    @Test("sharp neuromodulation sets CaS and A to the compensation solve's values at exactly the event time")
    func sharp() throws {
        var neuron = try NamedModel.named("stg-spiking")!.neuron()
        neuron.homeostasis = try Homeostasis.paper(neuron, calciumTarget: 125)
        var request = SimulationRequest(neuron: neuron, duration: 2000)
        request.events = [ProtocolEvent(time: 1500, action: .sharp(SharpNeuromodulation(gs: -8, gu: 4, conductances: ["CaS", "A"])))]
        request.record = RecordItem.parseList("homeostasis.CaS.gbar,homeostasis.A.gbar,homeostasis.CaS.m,homeostasis.Kd.gbar")
        request.conductanceTimes = [1500]
        let path = temporaryPath("sharp.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        request.tracePath = path
        let report = try simulate(request)
        let (header, data) = try readCSV(path)
        let cas = header.firstIndex(of: "homeostasis.CaS.gbar")!, a = header.firstIndex(of: "homeostasis.A.gbar")!
        let casM = header.firstIndex(of: "homeostasis.CaS.m")!, kd = header.firstIndex(of: "homeostasis.Kd.gbar")!
        let at = data.filter { $0[0] == 1500 }
        #expect(at.count == 2)
        #expect(at[0][cas] != at[1][cas] && at[0][a] != at[1][a] && at[1][casM] == at[1][cas])
        #expect(at[0][1] == at[1][1] && at[0][kd] == at[1][kd], "V and the other conductances continue")
        // The conductances in effect just after the event give the target DICs at the initial cell's threshold.
        let g = report.conductanceSamples.first!.conductances
        #expect(abs(g["CaS"]! / at[1][cas] - 1) < 1e-9 && abs(g["A"]! / at[1][a] - 1) < 1e-9, "the trace has 10 digits")
        var check = neuron
        check.homeostasis = nil
        for (n, v) in g { check.setGbar(n, v) }
        let vth = try DICCalculator(try NamedModel.named("stg-spiking")!.neuron()).threshold(.grid).V
        let d = try DICCalculator(check).dics(at: vth)
        #expect(abs(d.gs - -8) < 1e-6 && abs(d.gu - 4) < 1e-6, "g_s = \(d.gs), g_u = \(d.gu) at V_th = \(vth)")
    }

    @Test("DIC-target events need a neuromodulation controller")
    func dicTargetsNeedController() throws {
        var request = SimulationRequest(neuron: try NamedModel.named("stg-spiking")!.neuron(), duration: 1000)
        request.events = [ProtocolEvent(time: 500, action: .dicTargets(gs: -8, gu: 4))]
        #expect { try simulate(request) } throws: { "\($0)".contains("neuromodulation controller") }
    }
}
