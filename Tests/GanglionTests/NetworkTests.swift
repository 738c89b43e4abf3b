import Foundation
import Testing
import Ganglion

@Suite("Networks")
struct NetworkTests {
    /// Two cells of the degenerate STG population, modulated to (g_s, g_u) = (−8, 4) at their threshold
    /// by the CaS/A compensation solve (bursting), as the authors' HCO.
    static func hcoCells(seed: UInt64 = 2) throws -> [NeuronDescription] {
        try Population.generate(.stg, count: 2, seed: seed).cells.map {
            try compensate($0, unknowns: ["CaS", "A"], targets: [.s: -8, .u: 4], at: .threshold(.grid)).neuron
        }
    }

    static func hco(gsyn: Double = 0.8, seed: UInt64 = 2) throws -> NetworkDescription {
        let c = try hcoCells(seed: seed)
        var a = c[0], b = c[1]
        a.initialVoltage = -60
        b.initialVoltage = -52
        return NetworkDescription(cells: [.init(name: "A", neuron: a), .init(name: "B", neuron: b)],
                                  synapses: gsyn > 0 ? [ChemicalSynapse(from: "A", to: "B", gbar: gsyn), ChemicalSynapse(from: "B", to: "A", gbar: gsyn)] : [])
    }

    /// A three-cell network with every coupling kind, a controller and homeostasis in one cell.
    static func mixed() throws -> CompiledNetwork {
        let c = try hcoCells()
        var third = try NamedModel.named("stg-spiking")!.neuron()
        third.homeostasis = try Homeostasis.paper(third, regulated: ["Na", "CaT", "KCa", "Kd", "H", "leak"], calciumTarget: 125)
        third.neuromodulation = Neuromodulation(conductances: ["CaS", "A"], gs: -8, gu: 4, thresholdVoltage: -50)
        let d = NetworkDescription(
            cells: [.init(name: "A", neuron: c[0]), .init(name: "B", neuron: c[1]), .init(name: "C", neuron: third)],
            synapses: [ChemicalSynapse(from: "A", to: "B", gbar: 0.8), ChemicalSynapse(from: "B", to: "A", gbar: 0.5),
                       ChemicalSynapse(from: "C", to: "A", gbar: 0.3, reversal: -70, kinetics: .glutamatergic),
                       ChemicalSynapse(from: "A", to: "C", gbar: 0.2, reversal: -80, kinetics: .cholinergic)],
            electricalSynapses: [ElectricalSynapse("B", "C", conductance: 0.05)])
        return try d.compile()
    }

    @Test("the network Jacobian equals central differences, and the structured Newton solve equals dense elimination")
    func jacobianAndSolve() throws {
        let net = try Self.mixed()
        let n = net.dimension
        // A state along a real trajectory (mid-activity), so that synapses and gates are away from their limits.
        var y = net.initialState()
        let problem = try ODEProblem(system: net, initialState: y, endTime: 700, outputInterval: 1)
        y = try CVODEIntegrator().solve(problem) { _, _ in }.finalState
        let solver = NetworkNewtonSolver(net)
        solver.evaluateJacobian(700, y)
        let e = NewtonSolverChecks.jacobianError(net, solver, t: 700, y: y)
        #expect(e.worst <= 1e-5, "J[\(net.layout.names[e.row]), \(net.layout.names[e.column])] analytic \(e.analytic) vs FD \(e.difference)")
        // (I − γJ) x = b: structured solve against Gaussian elimination on the dense matrix.
        for gamma in [0.01, 0.5, 5.0] {
            #expect(solver.factor(gamma: gamma))
            let err = NewtonSolverChecks.solveError(solver, gamma: gamma, b: (0..<n).map { sin(Double($0) * 0.7) + 0.1 })
            #expect(err < 1e-8, "γ = \(gamma): relative difference \(err)")
        }
    }

    @Test("two passive cells coupled electrically follow the analytic solution; I_el = g_el (V₁ − V₂)")
    func electricalCoupling() throws {
        var passive = try NeuronKind.stg.neuron(conductances: ["Na": 0, "CaT": 0, "CaS": 0, "A": 0, "KCa": 0, "Kd": 0, "H": 0, "leak": 0.1])
        passive.initialVoltage = passive.leakReversal
        var injected = passive
        injected.appliedCurrent = 2
        let ge = 0.05, gl = 0.1, C = passive.capacitance, I = 2.0
        let d = NetworkDescription(cells: [.init(name: "one", neuron: injected), .init(name: "two", neuron: passive)],
                                   electricalSynapses: [ElectricalSynapse("one", "two", conductance: ge)])
        let net = try d.compile()
        for solver in [SolverChoice.cvodeBDF, .expEuler, .rk4] {
            let problem = try ODEProblem(system: net, initialState: net.initialState(), endTime: 100, outputInterval: 5)
            var worst = 0.0, currentError = 0.0
            let integrator = SolverSettings(method: solver, rtol: 1e-8, dt: solver == .rk4 ? 0.01 : 0.005).integrator(for: net)
            _ = try integrator.solve(problem) { t, y in
                // S = u₁ + u₂ relaxes with rate g_L/C, D = u₁ − u₂ with (g_L + 2 g_el)/C.
                let S = I / gl * (1 - exp(-gl * t / C)), D = I / (gl + 2 * ge) * (1 - exp(-(gl + 2 * ge) * t / C))
                let u1 = (S + D) / 2, u2 = (S - D) / 2
                let e = passive.leakReversal
                worst = max(worst, abs(y[0] - e - u1), abs(y[net.offsets[1]] - e - u2))
                var out = [0.0, 0.0]
                net.synapticCurrents(y.baseAddress!, into: &out)
                currentError = max(currentError, abs(out[0] - ge * D), abs(out[1] + ge * D))
            }
            #expect(worst < (solver == .cvodeBDF ? 1e-4 : 2e-3), "\(solver.rawValue): |V − analytic| = \(worst) mV")
            #expect(currentError < (solver == .cvodeBDF ? 1e-5 : 2e-4), "\(solver.rawValue): I_el error \(currentError)")
        }
    }

    @Test("equal cells with equal initial conditions stay identical under electrical coupling")
    func electricalSymmetry() throws {
        let c = try Self.hcoCells()[0]
        let d = NetworkDescription(cells: [.init(name: "a", neuron: c), .init(name: "b", neuron: c)],
                                   electricalSynapses: [ElectricalSynapse("a", "b", conductance: 0.2)])
        let net = try d.compile()
        let problem = try ODEProblem(system: net, initialState: net.initialState(), endTime: 5000, outputInterval: 1)
        // Exponential Euler does the same operations on both cells: bit-identical. CVODE's Newton solve
        // eliminates the voltages in order, so the cells differ by rounding, which must stay there
        // (this cell is a regular burster; a chaotic one would amplify any rounding, in any simulator).
        for (solver, bound) in [(SolverChoice.expEuler, 0.0), (.cvodeBDF, 1e-6)] {
            var diff = 0.0, spikes = SpikeDetector()
            _ = try SolverSettings(method: solver).integrator(for: net).solve(problem) { t, y in
                spikes.observe(t: t, V: y[0])
                for k in 0..<net.cells[0].dimension { diff = max(diff, abs(y[k] - y[net.offsets[1] + k])) }
            }
            #expect(spikes.spikeTimes.count > 20)
            #expect(diff <= bound, "\(solver.rawValue): largest difference \(diff)")
        }
    }

    @Test("the half-centre oscillator alternates: antiphase 0.5 ± 0.05, equal periods ± 2 %")
    func halfCenter() throws {
        var r = NetworkRequest(network: try Self.hco(), duration: 30_000, window: 10_000...30_000)
        r.onsetRule = .minimumGap(100)
        let report = try simulateNetwork(r)
        let a = report.cells[0], b = report.cells[1]
        #expect(a.features.pattern == .bursting && b.features.pattern == .bursting)
        let anti = try #require(b.phase.antiphase)
        #expect(abs(anti - 0.5) <= 0.05, "antiphase \(anti)")
        let pa = try #require(a.phase.period), pb = try #require(b.phase.period)
        #expect(abs(pb / pa - 1) <= 0.02, "periods \(pa) and \(pb) ms")
        #expect(b.phase.locked)
        // Exponential Euler at 0.05 ms gives the same rhythm.
        r.solver = .expEuler
        let e = try simulateNetwork(r)
        let pe = try #require(e.cells[0].phase.period)
        #expect(abs(pe / pa - 1) < 0.02, "exp-euler period \(pe) vs CVODE \(pa) ms")
        #expect(abs(try #require(e.cells[1].phase.antiphase) - 0.5) <= 0.05)
    }

    @Test("without synapses the two cells are independent: each keeps its own period")
    func uncoupledCellsAreIndependent() throws {
        let network = try Self.hco(gsyn: 0)
        var r = NetworkRequest(network: network, duration: 20_000, window: 5_000...20_000)
        r.onsetRule = .minimumGap(100)
        let report = try simulateNetwork(r)
        for (k, cell) in network.cells.enumerated() {
            var single = SimulationRequest(neuron: cell.neuron, duration: 20_000)
            single.window = 5_000...20_000
            let alone = try simulate(single).features
            #expect(report.cells[k].features.spikeTimes.count == alone.spikeTimes.count)
            let a = try #require(alone.burstPeriod), n = try #require(report.cells[k].features.burstPeriod)
            #expect(abs(n / a - 1) < 1e-4, "\(cell.name): network \(n) ms, alone \(a) ms")
        }
    }

    @Test("bad networks are errors naming the synapse or cell", arguments: [
        ("self", "onto itself"), ("unknown", "unknown cell 'Z'"), ("duplicate", "duplicate synapse"),
        ("negative", "must be finite, ≥ 0 and ≤ 10⁶"), ("gap-self", "coupled to itself"), ("name", "duplicate cell name"),
    ])
    func badNetworks(kind: String, message: String) throws {
        let c = try Self.hcoCells()[0]
        var d = NetworkDescription(cells: [.init(name: "A", neuron: c), .init(name: "B", neuron: c)])
        switch kind {
        case "self": d.synapses = [ChemicalSynapse(from: "A", to: "A", gbar: 1)]
        case "unknown": d.synapses = [ChemicalSynapse(from: "A", to: "Z", gbar: 1)]
        case "duplicate": d.synapses = [ChemicalSynapse(from: "A", to: "B", gbar: 1), ChemicalSynapse(from: "A", to: "B", gbar: 2)]
        case "negative": d.synapses = [ChemicalSynapse(from: "A", to: "B", gbar: -1)]
        case "gap-self": d.electricalSynapses = [ElectricalSynapse("B", "B", conductance: 0.1)]
        default: d.cells[1].name = "A"
        }
        do {
            _ = try d.compile()
            Issue.record("\(kind): accepted")
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
    }
}
