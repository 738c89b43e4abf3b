import Foundation
import Testing
import Ganglion

@Suite("Local time steps")
struct LocalStepTests {
    @Test("a synapse's published polynomial is evaluated exactly, behind and ahead of its origin, and held in [0, 1]")
    func polynomialInputs() {
        let inputs = SynapseInputs(count: 2)
        // s(t) = 0.2 + 0.1 (t − 5) − 0.01 (t − 5)²: s = 0.2, s′ = 0.1, s″ = −0.02 at t₀ = 5.
        [0.2, 0.1, -0.02].withUnsafeBufferPointer { inputs.publish(1, origin: 5, derivatives: $0) }
        for t in [4.0, 5, 5.5, 7] {
            let x = t - 5
            #expect(abs(inputs.value(1, at: t) - (0.2 + 0.1 * x - 0.01 * x * x)) < 1e-15)
        }
        #expect(inputs.value(1, at: 0) == 0)      // 0.2 − 0.5 − 0.25 < 0
        [0.9, 0.5].withUnsafeBufferPointer { inputs.publish(0, origin: 0, derivatives: $0) }
        #expect(inputs.value(0, at: 1) == 1)      // 0.9 + 0.5 > 1
        #expect(inputs.value(0, at: 0.1) == 0.9 + 0.05)
    }

    /// The mixed test network without its gap junction, partitioned.
    static func partition() throws -> NetworkPartition {
        let mixed = try NetworkTests.mixed().network
        let d = NetworkDescription(cells: mixed.cells, synapses: mixed.synapses)
        return try #require(NetworkPartition(try d.compile()))
    }

    @Test("a cell block's Jacobian equals central differences, and its Newton solve equals dense elimination")
    func blockJacobian() throws {
        let partition = try Self.partition()
        let net = partition.network
        let y0 = try CVODEIntegrator().solve(try ODEProblem(system: net, initialState: net.initialState(), endTime: 700, outputInterval: 1)) { _, _ in }.finalState
        // Every gate published as a moving polynomial, so that the received currents vary in t.
        for w in 0..<partition.inputs.count {
            [0.3 + 0.1 * Double(w), 0.01].withUnsafeBufferPointer { partition.inputs.publish(w, origin: 690, derivatives: $0) }
        }
        for (b, block) in partition.blocks.enumerated() {
            let y = partition.stateIndices[b].map { y0[$0] }
            let n = y.count
            let solver = block.makeNewtonSolver()
            solver.evaluateJacobian(700, y)
            var J = ArrowJacobian(coreCount: block.coreCount, gateCount: n - block.coreCount)
            block.jacobian(700, y, into: &J)
            let e = NewtonSolverChecks.jacobianError(block, solver, t: 700, y: y)
            #expect(e.worst < 1e-5, "block \(b): largest relative difference from central differences \(e.worst) at (\(e.row), \(e.column))")
            for i in 0..<n { for j in 0..<n { #expect(J.entry(i, j) == solver.jacobianEntry(i, j), "block \(b) (\(i), \(j))") } }
            // (I − γJ) x = r against Gaussian elimination on the dense matrix.
            #expect(solver.factor(gamma: 0.05))
            let err = NewtonSolverChecks.solveError(solver, gamma: 0.05, b: (0..<n).map { Double($0 % 7) - 3 })
            #expect(err < 1e-9, "block \(b): relative difference \(err)")
        }
    }

    @Test("the half-centre oscillator with local time steps: the global step's period to 0.1 %, its antiphase to 0.005")
    func halfCenter() throws {
        var r = NetworkRequest(network: try NetworkTests.hco(), duration: 30_000, window: 10_000...30_000)
        r.onsetRule = .minimumGap(100)
        let global = try simulateNetwork(r)
        r.solverSettings.localSteps = true
        let local = try simulateNetwork(r)
        #expect(local.solver == "cvode-bdf/local")
        for k in 0..<2 {
            #expect(local.cells[k].features.pattern == .bursting)
            let pg = try #require(global.cells[k].phase.period), pl = try #require(local.cells[k].phase.period)
            #expect(abs(pl / pg - 1) < 1e-3, "cell \(k): period \(pl) against \(pg) ms")
            #expect(local.cells[k].features.spikesPerBurst == global.cells[k].features.spikesPerBurst)
        }
        let ag = try #require(global.cells[1].phase.antiphase), al = try #require(local.cells[1].phase.antiphase)
        #expect(abs(al - ag) < 0.005, "antiphase \(al) against \(ag)")
    }

    @Test("a random inhibitory network of 8 bursting cells: local time steps are as close to a tight reference as the global step")
    func randomNetwork() throws {
        let cells = try Population.generate(.stg, count: 8, seed: 11).cells.map {
            try compensate($0, unknowns: ["CaS", "A"], targets: [.s: -8, .u: 4], at: .threshold(.grid)).neuron
        }
        var synapses: [ChemicalSynapse] = []
        for post in 0..<8 { for pre in [(post + 1) % 8, (post + 3) % 8] { synapses.append(ChemicalSynapse(from: "n\(pre)", to: "n\(post)", gbar: 0.3)) } }
        let network = NetworkDescription(cells: cells.enumerated().map { i, c in
            var c = c
            c.initialVoltage = -60 + Double(i)
            return .init(name: "n\(i)", neuron: c)
        }, synapses: synapses)
        // Mutual inhibition makes these cells' spike trains sensitive: at rtol 1e-6 the global step itself
        // moves their frequencies by up to 1.5 % from the reference at 1e-9.
        var r = NetworkRequest(network: network, duration: 6_000, window: 2_000...6_000)
        r.solverSettings.rtol = 1e-9
        let reference = try simulateNetwork(r)
        r.solverSettings.rtol = 1e-6
        let global = try simulateNetwork(r)
        r.solverSettings.localSteps = true
        let local = try simulateNetwork(r)
        for k in 0..<8 {
            let f = try #require(reference.cells[k].features.frequency)
            for (name, run) in [("global", global), ("local", local)] {
                #expect(run.cells[k].features.pattern == reference.cells[k].features.pattern, "\(name), cell \(k)")
                let fr = try #require(run.cells[k].features.frequency)
                #expect(abs(fr / f - 1) < 0.04, "\(name), cell \(k): \(fr) against \(f) Hz")
                #expect(abs(run.cells[k].features.spikeTimes.count - reference.cells[k].features.spikeTimes.count) <= 5, "\(name), cell \(k)")
            }
        }
    }

    @Test("a network with gap junctions keeps one global step: the same result, bit for bit")
    func gapJunctionsKeepTheGlobalStep() throws {
        let net = try NetworkTests.mixed()
        #expect(NetworkPartition(net) == nil)
        let problem = try ODEProblem(system: net, initialState: net.initialState(), endTime: 300, outputInterval: 1)
        let global = try CVODEIntegrator().solve(problem) { _, _ in }
        let local = try LocalStepIntegrator().solve(problem) { _, _ in }
        #expect(local.finalState == global.finalState)
    }
}
