import Foundation
import Testing
import Ganglion

@Suite("Calcium homeostasis")
struct HomeostasisTests {
    static let regulated = ["Na", "CaT", "CaS", "A", "KCa", "Kd", "H", "leak"]   // all eight

    func spikingWithHomeostasis() throws -> NeuronDescription {
        var n = try NamedModel.named("stg-spiking")!.neuron()
        n.homeostasis = try Homeostasis.paper(n, regulated: Self.regulated, tauNa: 600, tauG: 100, calciumTarget: 125)
        return n
    }

    @Test("τ_X = τ_Na ḡ_Na(0)/ḡ_X(0); the layout adds ḡ and m states per regulated channel")
    func layout() throws {
        let n = try spikingWithHomeostasis()
        #expect(n.homeostasis!.timeConstants["CaS"] == 600 * 4000 / 4.0)
        let c = try CompiledNeuron(n)
        #expect(c.layout.index(of: "homeostasis.Na.gbar")! < c.coreCount)
        #expect(c.layout.index(of: "homeostasis.H.m")! >= c.coreCount)
        let y = c.initialState()
        #expect(y[c.layout.index(of: "homeostasis.A.gbar")!] == 175 && y[c.layout.index(of: "homeostasis.A.m")!] == 175)
        #expect(throws: ModelError.self) {
            var z = try NamedModel.named("stg-spiking")!.neuron()
            z.conductances[1].gbar = 0
            _ = try Homeostasis.paper(z, calciumTarget: 125)
        }
    }

    @Test("with mean Ca below target every regulated conductance grows, ratios stay fixed, mean Ca rises toward the target",
          arguments: [SolverChoice.cvodeBDF, .expEuler])
    func growth(solver: SolverChoice) throws {
        let neuron = try spikingWithHomeostasis()
        let c = try CompiledNeuron(neuron)
        let idx = Self.regulated.map { c.layout.index(of: "homeostasis.\($0).gbar")! }
        let g0 = Self.regulated.map { neuron.gbar($0)! }
        let problem = try ODEProblem(system: c, initialState: c.initialState(), endTime: 30000, outputInterval: 0.1)
        var ratioError = 0.0
        var lastScale = 1.0, grew = true
        var caSums = [0.0, 0.0], caCounts = [0, 0]
        _ = try SolverSettings(method: solver).integrator(for: c).solve(problem) { t, y in
            let scales = zip(idx, g0).map { y[$0] / $1 }
            for s in scales { ratioError = max(ratioError, abs(s / scales[0] - 1)) }
            if Int(t * 10) % 10_000 == 0 {
                if scales[0] < lastScale { grew = false }
                lastScale = scales[0]
            }
            let w = t < 5000 ? 0 : (t >= 25000 ? 1 : -1)
            if w >= 0 { caSums[w] += y[1]; caCounts[w] += 1 }
        }
        #expect(grew && lastScale > 1.05, "ḡ(30 s)/ḡ(0) = \(lastScale)")
        #expect(ratioError < 1e-6, "ratio error \(ratioError)")
        let early = caSums[0] / Double(caCounts[0]), late = caSums[1] / Double(caCounts[1])
        #expect(early < 125 && late > early, "mean Ca \(early) → \(late)")
    }

    @Test("a conductance driven to zero is clamped there (never negative) and the time clamped is reported")
    func clamping() throws {
        var n = try NamedModel.named("stg-spiking")!.neuron()
        n.homeostasis = try Homeostasis.paper(n, regulated: ["Na", "A", "H"], tauNa: 5, tauG: 10, calciumTarget: 0)
        var request = SimulationRequest(neuron: n, duration: 3000)
        request.record = [.named("homeostasis.H.gbar"), .named("homeostasis.H.m")]
        let path = temporaryPath("clamp.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        request.tracePath = path
        let r = try simulate(request)
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map { Double($0)! } }
        #expect(rows.allSatisfy { $0[3] >= 0 }, "ḡ_H never negative")
        #expect(rows.contains { $0[4] < 0 }, "m_H is unconstrained")
        let zeroTime = Double(rows.filter { $0[3] <= 0 }.count - 1) * 0.1
        #expect(r.clampedTime["H"]! > 100 && abs(r.clampedTime["H"]! - zeroTime) < 1, "\(r.clampedTime)")
    }

    @Test("a calcium-target event reverses the direction of regulation at its time")
    func targetEvent() throws {
        var n = try NamedModel.named("stg-spiking")!.neuron()
        n.homeostasis = try Homeostasis.paper(n, regulated: ["Na", "CaS"], calciumTarget: 125)
        var request = SimulationRequest(neuron: n, duration: 6000)
        request.events = [ProtocolEvent(time: 3000, action: .calciumTarget(0))]
        request.record = [.named("homeostasis.Na.gbar")]
        let path = temporaryPath("target.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        request.tracePath = path
        _ = try simulate(request)
        let g = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map { Double($0)! } }
        func at(_ t: Double) -> Double { g.first { $0[0] == t }![3] }
        #expect(at(3000) > at(1000) && at(6000) < at(3000), "\(at(1000)) → \(at(3000)) → \(at(6000))")
        request.events = [ProtocolEvent(time: 3000, action: .calciumTarget(.nan))]
        #expect(throws: SimulationError.self) { try simulate(request) }
    }
}
