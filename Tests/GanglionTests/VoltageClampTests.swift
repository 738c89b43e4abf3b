import Foundation
import Testing
import Ganglion

/// ḡ x^p for a whole p, by repeated multiplication (independent of the library's power functions).
private func power(_ x: Double, _ p: Int) -> Double { (0..<p).reduce(1.0) { r, _ in r * x } }

/// The steady-state current of conductance `g` at V (mV) and Ca, from the channel's own gating functions:
/// ḡ m∞(V, Ca)^p h∞(V)^q (V − E) (µA/cm²).
private func analyticCurrent(_ g: Conductance, V: Double, calcium Ca: Double) -> Double {
    let c = g.channel
    let h = c.inactivationExponent > 0 ? power(c.hInf(V), c.inactivationExponent) : 1
    return g.gbar * power(c.mInf(V, calcium: Ca), c.activationExponent) * h * (V - g.reversal)
}

/// Ca∞(V) from the pool's equation Ca = Ca_rest − f I_Ca(V, Ca) with every gate at rest, by fixed-point iteration.
private func analyticRestingCalcium(_ n: NeuronDescription, V: Double) -> Double {
    var ca = n.initialCalcium
    for _ in 0..<200 {
        let iCa = n.conductances.filter { $0.channel.ion == .calcium }.map { analyticCurrent($0, V: V, calcium: ca) }.reduce(0, +)
        ca = n.calcium.rest - n.calcium.influx * iCa
    }
    return ca
}

private func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

@Suite("Voltage clamp")
struct VoltageClampTests {
    static let voltages = [-70.0, -50, -30, -10, 10, 30]

    /// Exact rates; CVODE with tolerances small enough for gates near 0 (H's m∞(30 mV) ≈ 6e-8: gates' atol 1e-17).
    static func settings(_ method: SolverChoice) -> SolverSettings {
        method == .expEuler ? SolverSettings(method: .expEuler, dt: 0.05, exactRates: true)
                            : SolverSettings(method: .cvodeBDF, rtol: 1e-10, atol: 1e-14, exactRates: true)
    }

    /// 100 s steps from −80 mV (56 of the slowest time constant, H's 1.8 s: H's m relaxes from 0.9 to 6e-8 at
    /// 30 mV), sampled once a second; computed once per integrator.
    static func longSteps(_ method: SolverChoice) throws -> (NeuronDescription, VoltageClampResult) {
        let n = try NamedModel.named("stg-bursting")!.neuron()
        return (n, try (method == .expEuler ? expEulerSteps : cvodeSteps).get())
    }
    static let cvodeSteps = Result { try runLongSteps(.cvodeBDF) }
    static let expEulerSteps = Result { try runLongSteps(.expEuler) }
    static func runLongSteps(_ method: SolverChoice) throws -> VoltageClampResult {
        var p = VoltageClampProtocol(neuron: try NamedModel.named("stg-bursting")!.neuron(), holdingPotential: -80, commands: voltages)
        p.stepDuration = 100_000
        p.sampleInterval = 1000
        p.traceInterval = 1000
        p.solverSettings = settings(method)
        return try runVoltageClamp(p)
    }

    @Test("a channel's steady clamp current is ḡ m∞^p h∞^q (V − E) to 1e-9 (Na, Kd, A, H; CVODE and exponential Euler)",
          arguments: [SolverChoice.cvodeBDF, .expEuler])
    func steadyChannelCurrents(method: SolverChoice) throws {
        let (n, r) = try Self.longSteps(method)
        for name in ["Na", "Kd", "A", "H"] {
            let g = try #require(n.conductances.first { $0.name == name })
            let calciumGated = g.channel.calciumGated
            #expect(!calciumGated)
            let c = try #require(r.channels.firstIndex(of: name))
            for s in r.steps {
                let expected = analyticCurrent(g, V: s.command, calcium: .nan)
                #expect(relativeError(s.steady[c], expected) <= 1e-9, "\(name) at \(s.command) mV: \(s.steady[c]) vs \(expected)")
            }
        }
    }

    @Test("a declared channel's steady clamp current is ḡ m∞^p h∞^q (V − E) to 1e-9: Hodgkin & Huxley's Na and K from their rate equations",
          arguments: [SolverChoice.cvodeBDF, .expEuler])
    func declaredChannelCurrents(method: SolverChoice) throws {
        let axon = try ModelFile.load(packageRoot() + "/models/families/hodgkin-huxley/squid-axon.json")
        var p = VoltageClampProtocol(neuron: axon, holdingPotential: -80, commands: [-70, -50, -30, -10, 10, 30])
        p.stepDuration = 400        // 40 of the slowest time constant (n: 9.6 ms at -70 mV ... ≤ 6 ms above)
        p.sampleInterval = 1
        p.traceInterval = 100
        p.solverSettings = method == .expEuler ? SolverSettings(method: .expEuler, dt: 0.01, exactRates: true)
                                               : SolverSettings(method: .cvodeBDF, rtol: 1e-10, atol: 1e-14, exactRates: true)
        let r = try runVoltageClamp(p)
        // Hodgkin & Huxley 1952, eqs. 12-13, 20-21 and 23-24 (V the membrane potential, rest -65 mV), written here
        // without the library's formulas.
        func rates(_ V: Double) -> (m: Double, h: Double, n: Double) {
            let am = 0.1 * (V + 40) / (1 - exp(-(V + 40) / 10)), bm = 4 * exp(-(V + 65) / 18)
            let ah = 0.07 * exp(-(V + 65) / 20), bh = 1 / (1 + exp(-(V + 35) / 10))
            let an = 0.01 * (V + 55) / (1 - exp(-(V + 55) / 10)), bn = 0.125 * exp(-(V + 65) / 80)
            return (am / (am + bm), ah / (ah + bh), an / (an + bn))
        }
        let na = try #require(r.channels.firstIndex(of: "Na")), k = try #require(r.channels.firstIndex(of: "K"))
        for s in r.steps {
            let x = rates(s.command)
            let iNa = 120 * power(x.m, 3) * x.h * (s.command - 50), iK = 36 * power(x.n, 4) * (s.command + 77)
            #expect(relativeError(s.steady[na], iNa) <= 1e-9, "Na at \(s.command) mV: \(s.steady[na]) vs \(iNa)")
            #expect(relativeError(s.steady[k], iK) <= 1e-9, "K at \(s.command) mV: \(s.steady[k]) vs \(iK)")
        }
    }

    @Test("the steady total clamp current is the sum of the analytic steady currents, calcium at rest (CVODE and exponential Euler)",
          arguments: [SolverChoice.cvodeBDF, .expEuler])
    func steadyTotalCurrent(method: SolverChoice) throws {
        let (n, r) = try Self.longSteps(method)
        for (i, s) in r.steps.enumerated() {
            let V = s.command
            let ca = analyticRestingCalcium(n, V: V)
            #expect(relativeError(r.restingCalcium[i], ca) <= 1e-9, "Ca∞ at \(V) mV")
            let total = n.conductances.map { analyticCurrent($0, V: V, calcium: ca) }.reduce(0, +)
                + n.leakConductance * (V - n.leakReversal) - n.appliedCurrent
            #expect(relativeError(s.steadyClamp, total) <= 1e-9, "I_clamp at \(V) mV: \(s.steadyClamp) vs \(total)")
            // The measured steady open fraction is the analytic one.
            for (gIndex, g) in n.conductances.enumerated() where V != g.reversal {
                let expected = analyticCurrent(g, V: V, calcium: ca) / (g.gbar * (V - g.reversal))
                let measured = try #require(r.gating[gIndex].measuredOpen[i])
                #expect(abs(measured - expected) <= 1e-9 * expected + 1e-14, "\(g.name) open at \(V) mV: \(measured) vs \(expected)")
                #expect(relativeError(r.gating[gIndex].open[i], expected) <= 1e-12, "\(g.name) open∞ at \(V) mV")
            }
        }
    }

    @Test("the I–V and gating tables have a row per command and a column per channel")
    func tables() throws {
        let n = try NamedModel.named("stg-bursting")!.neuron()
        var p = VoltageClampProtocol(neuron: n, holdingPotential: -80, commands: [-60, -20, 20])
        p.stepDuration = 50
        let r = try runVoltageClamp(p)
        let iv = r.curvesCSV.split(separator: "\n")
        #expect(iv.count == 4)
        let header = iv[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for c in ["V_mV", "I_clamp_peak_uA_cm2", "I_clamp_ss_uA_cm2", "I_Na_peak_uA_cm2", "I_leak_ss_uA_cm2", "Na_m_inf_p", "Na_h_inf", "KCa_open_ss", "H_open_peak"] {
            #expect(header.contains(c), "\(c)")
        }
        #expect(iv[1].split(separator: ",", omittingEmptySubsequences: false).count == header.count)
        // 50 ms at 1 ms rows: 51 rows per step.
        #expect(r.tracesCSV.split(separator: "\n").count == 1 + 3 * 51)
        // The Na current at −20 mV peaks inward well before its steady state.
        let na = try #require(r.channels.firstIndex(of: "Na"))
        #expect(r.steps[1].peak[na] < 10 * r.steps[1].steady[na])
    }
}

@Suite("Voltage clamp in runs")
struct ClampEventTests {
    @Test("a clamp event holds V at the command exactly; a release lets the cell fire again (CVODE and exponential Euler)",
          arguments: [SolverChoice.cvodeBDF, .expEuler])
    func holdsAndReleases(method: SolverChoice) throws {
        var r = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 2500)
        r.solverSettings = SolverSettings(method: method, dt: method == .expEuler ? 0.05 : nil)
        r.events = [ProtocolEvent(time: 1000, action: .clamp(-40))]
        let held = try simulate(r)
        #expect(held.finalState["V"] == -40)
        #expect(held.segments.last?.features.pattern == .silent)
        r.duration = 6000
        r.events.append(ProtocolEvent(time: 2500, action: .releaseClamp))
        let released = try simulate(r)
        #expect(released.finalState["V"] != -40)
        #expect((released.segments.last?.features.spikeTimes.count ?? 0) > 5)
    }

    @Test("clamped, the Jacobian's V row is zero and every other row is the free cell's")
    func jacobianRow() throws {
        var n = try NamedModel.named("stg-bursting")!.neuron()
        let free = try CompiledNeuron(n)
        n.voltageClamp = -30
        let clamped = try CompiledNeuron(n)
        var y = free.initialState()
        y[0] = -30
        var a = ArrowJacobian(coreCount: free.coreCount, gateCount: free.dimension - free.coreCount), b = a
        y.withUnsafeBufferPointer {
            free.jacobian(0, $0.baseAddress!, into: &a)
            clamped.jacobian(0, $0.baseAddress!, into: &b)
        }
        var fFree = Array(repeating: 0.0, count: free.dimension), fClamped = fFree
        free.rightHandSide(0, y, &fFree)
        clamped.rightHandSide(0, y, &fClamped)
        #expect(fFree[0] != 0 && fClamped[0] == 0)
        #expect(Array(fFree.dropFirst()) == Array(fClamped.dropFirst()))
        for i in 0..<free.dimension {
            for j in 0..<free.dimension {
                #expect(b.entry(i, j) == (i == 0 ? 0 : a.entry(i, j)), "J[\(i), \(j)]")
            }
        }
        // I_clamp is what would otherwise move V: −C dV/dt of the free cell.
        let iClamp = y.withUnsafeBufferPointer { clamped.clampCurrent(0, $0.baseAddress!) }
        #expect(abs(iClamp + n.capacitance * fFree[0]) <= 1e-12 * abs(iClamp))
    }

    @Test("a release without a clamp, a command outside ±1000 mV and a clamped cell in a circuit are refused")
    func refusals() throws {
        let n = try NamedModel.named("stg-bursting")!.neuron()
        #expect(throws: ProtocolError.self) {
            try ProtocolState.validate([ProtocolEvent(time: 10, action: .releaseClamp)], for: n, duration: 100)
        }
        #expect(throws: ProtocolError.self) {
            try ProtocolState.validate([ProtocolEvent(time: 10, action: .clamp(-2000))], for: n, duration: 100)
        }
        try ProtocolState.validate([ProtocolEvent(time: 10, action: .clamp(-40)), ProtocolEvent(time: 20, action: .releaseClamp)], for: n, duration: 100)
        // The clamp is part of a checkpoint's record.
        var state = ProtocolState(n)
        state.apply(ProtocolEvent(time: 10, action: .clamp(-40)))
        var restored = ProtocolState(n)
        restored.restore(state.record)
        #expect(restored.neuron.voltageClamp == -40)
        var clamped = n
        clamped.voltageClamp = -40
        let net = NetworkDescription(cells: [NetworkDescription.Cell(name: "a", neuron: clamped)])
        #expect(throws: NetworkError.self) { try CompiledNetwork(net) }
    }
}
