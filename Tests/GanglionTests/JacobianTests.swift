import Foundation
import Testing
import Ganglion

@Suite("Jacobian and Newton solver")
struct JacobianTests {
    /// stg-bursting, and da-bursting with NMDA on (so that the open fraction depends on V).
    static let models = ["stg-bursting", "da-bursting+NMDA", "stg-bursting+homeostasis", "stg-spiking+controller", "da-spiking+controller", "stg-bursting+liu", "prinz-fig5g"]

    func neuron(_ name: String) throws -> CompiledNeuron {
        if name == "stg-bursting+homeostasis" {
            var n = try NamedModel.named("stg-bursting")!.neuron()
            n.homeostasis = try Homeostasis.paper(n, calciumTarget: 125)
            return try CompiledNeuron(n)
        }
        if name == "stg-spiking+controller" {
            // Homeostasis on six conductances, the controller on CaS and A (exact Newton reference).
            var n = try NamedModel.named("stg-spiking")!.neuron()
            n.homeostasis = try Homeostasis.paper(n, regulated: ["Na", "CaT", "KCa", "Kd", "H", "leak"], calciumTarget: 125)
            n.neuromodulation = Neuromodulation(conductances: ["CaS", "A"], gs: -8, gu: 4, thresholdVoltage: -50)
            return try CompiledNeuron(n)
        }
        if name == "stg-bursting+liu" {
            // Liu et al. 1998 regulation of all seven channels: sensors read the calcium current.
            var n = try NamedModel.named("stg-bursting")!.neuron()
            n.mechanisms = [LiuRegulation()]
            return try CompiledNeuron(n)
        }
        if name == "prinz-fig5g" {
            // A declared family whose calcium reversal follows the pool (Nernst): E_Ca enters ∂/∂Ca.
            return try CompiledNeuron(try PrinzFamilyTests.model("fig5g", PrinzFamilyTests.fig5G))
        }
        if name == "da-spiking+controller" {
            var n = try NamedModel.named("da-spiking")!.neuron()
            n.homeostasis = try Homeostasis.paper(n, regulated: ["Na", "Kd", "ERG", "leak"], calciumTarget: 3)
            var m = Neuromodulation(conductances: ["CaL", "CaN"], gs: -4, gu: 5, thresholdVoltage: -55.5)
            m.antiWindup = false
            n.neuromodulation = m
            return try CompiledNeuron(n)
        }
        if name == "da-bursting+NMDA" {
            var g = NamedModel.named("da-bursting")!.conductances
            g["NMDA"] = 0.1
            return try CompiledNeuron(NeuronKind.da.neuron(conductances: g))
        }
        return try CompiledNeuron(NamedModel.named(name)!.neuron())
    }

    /// Some states along a real trajectory (rest, upstroke, peak, after-hyperpolarisation).
    func states(_ n: CompiledNeuron) throws -> [[Double]] {
        var out: [[Double]] = []
        let problem = try ODEProblem(system: n, initialState: n.initialState(), endTime: 2000, outputInterval: 0.5)
        _ = try CVODEIntegrator().solve(problem) { t, y in
            if Int((t * 2).rounded()) % 197 == 0 { out.append(Array(y)) }
        }
        return out
    }

    @Test("the analytic arrow Jacobian equals central differences of the right-hand side", arguments: models)
    func jacobianMatchesFiniteDifferences(model: String) throws {
        let n = try neuron(model)
        let dim = n.dimension
        var J = ArrowJacobian(coreCount: n.coreCount, gateCount: dim - n.coreCount)
        for y in try states(n) {
            y.withUnsafeBufferPointer { n.jacobian(0, $0.baseAddress!, into: &J) }
            for j in 0..<dim {
                let h = 1e-6 * max(1, abs(y[j]))
                var yp = y, ym = y
                yp[j] += h; ym[j] -= h
                var fp = Array(repeating: 0.0, count: dim), fm = fp
                yp.withUnsafeBufferPointer { a in fp.withUnsafeMutableBufferPointer { n.rightHandSide(0, a.baseAddress!, $0.baseAddress!) } }
                ym.withUnsafeBufferPointer { a in fm.withUnsafeMutableBufferPointer { n.rightHandSide(0, a.baseAddress!, $0.baseAddress!) } }
                for i in 0..<dim {
                    let fd = (fp[i] - fm[i]) / (2 * h)
                    let exact = J.entry(i, j)
                    #expect(abs(exact - fd) <= 1e-5 * max(1, abs(fd)),
                            "∂f[\(n.layout.names[i])]/∂\(n.layout.names[j]): \(exact) vs \(fd)")
                }
            }
        }
    }

    @Test("every state has a reference that resolves back to it, and the layout name finds the same reference", arguments: models)
    func stateReferencesRoundTrip(model: String) throws {
        let n = try neuron(model)
        for (i, name) in n.layout.names.enumerated() {
            let r = try #require(n.reference(at: i), "\(name)")
            #expect(n.index(of: r) == i, "\(name): \(r)")
            #expect(n.reference(named: name) == r)
        }
        #expect(n.reference(at: n.dimension) == nil && n.reference(named: "nope") == nil)
    }

    /// x = M⁻¹ b for the dense M = I − γJ, by Gaussian elimination with partial pivoting.
    func denseSolve(_ J: ArrowJacobian, gamma: Double, _ b: [Double]) -> [Double] {
        let dim = J.dimension
        var M = (0..<dim).map { i in (0..<dim).map { j in (i == j ? 1 : 0) - gamma * J.entry(i, j) } }
        var r = b
        for c in 0..<dim {
            let p = (c..<dim).max { abs(M[$0][c]) < abs(M[$1][c]) }!
            M.swapAt(c, p); r.swapAt(c, p)
            for i in (c + 1)..<dim {
                let f = M[i][c] / M[c][c]
                for j in c..<dim { M[i][j] -= f * M[c][j] }
                r[i] -= f * r[c]
            }
        }
        var x = Array(repeating: 0.0, count: dim)
        for i in stride(from: dim - 1, through: 0, by: -1) {
            x[i] = (r[i] - ((i + 1)..<dim).reduce(0) { $0 + M[i][$1] * x[$1] }) / M[i][i]
        }
        return x
    }

    @Test("a core with homeostasis-like rows (coupled only to V, Ca and a gate-like state) solves as the dense matrix",
          arguments: [0.001, 0.05, 0.7, 40.0])
    func separableCoreRows(gamma: Double) {
        // Core: V, Ca, two ḡ-like states (rows: their own diagonal and one gate-like state each), one
        // controller-like state coupled to everything; a row coupled to V only whose diagonal 1 − 20γ vanishes at
        // γ = 0.05 (then it must stay in the dense LU). Gates: three V/Ca-driven gates, two m-like states driven by Ca.
        let k = 6, n = 5
        var J = ArrowJacobian(coreCount: k, gateCount: n)
        var seed: UInt64 = 12345
        func random() -> Double {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Double(seed >> 11) / Double(1 << 53) * 2 - 1
        }
        for c in 0..<k { J.A[0 * k + c] = 10 * random(); J.A[1 * k + c] = random(); J.A[5 * k + c] = random() }
        J.A[2 * k + 2] = -0.01; J.A[3 * k + 3] = -0.01
        J.A[4 * k + 0] = 3
        J.A[4 * k + 4] = 20
        for g in 0..<3 { J.B[0 * n + g] = random(); J.B[1 * n + g] = random(); J.C[g * k + 0] = random(); J.C[g * k + 1] = random(); J.D[g] = -abs(random()) * 5 }
        J.B[2 * n + 3] = 0.01; J.B[3 * n + 4] = 0.01     // dḡ/dt = (m − ḡ)/τ_g
        J.C[3 * k + 1] = -0.5; J.C[4 * k + 1] = -0.5     // dm/dt ∝ −Ca
        let solver = ArrowNewtonSolver(coreCount: k, gateCount: n)
        solver.jacobian = J
        #expect(solver.factor(gamma: gamma))
        let b = (0..<(k + n)).map { cos(Double($0) * 0.7) }
        var x = b
        x.withUnsafeMutableBufferPointer { solver.solve($0.baseAddress!) }
        let ref = denseSolve(J, gamma: gamma, b)
        for i in 0..<(k + n) { #expect(abs(x[i] - ref[i]) <= 1e-10 * max(1, abs(ref[i])), "x[\(i)] = \(x[i]), dense \(ref[i])") }
    }

    @Test("CVODE's Newton iteration in Swift takes SUNDIALS' own steps bit for bit (BDF and Adams)",
          arguments: ["stg-bursting", "stg-spiking+controller", "da-spiking+controller"], [CVODEOptions.Method.bdf, .adams])
    func swiftNewtonIterationMatchesSundials(model: String, method: CVODEOptions.Method) throws {
        let n = try neuron(model)
        let problem = try ODEProblem(system: n, initialState: n.initialState(), endTime: 600, outputInterval: 0.5)
        func run(sundials: Bool) throws -> (samples: [Double], statistics: SolverStatistics) {
            var options = CVODEOptions(method: method)
            options.sundialsNewton = sundials
            var samples: [Double] = []
            let solution = try CVODEIntegrator(options: options).solve(problem) { t, y in samples.append(t); samples.append(contentsOf: y) }
            return (samples, solution.statistics)
        }
        let swift = try run(sundials: false), sundials = try run(sundials: true)
        #expect(swift.samples == sundials.samples)
        let a = swift.statistics, b = sundials.statistics
        #expect(a.steps == b.steps && a.steps > 100)
        #expect(a.rhsEvaluations == b.rhsEvaluations)
        #expect(a.nonlinearIterations == b.nonlinearIterations)
        #expect(a.nonlinearConvergenceFailures == b.nonlinearConvergenceFailures)
        #expect(a.errorTestFailures == b.errorTestFailures)
        #expect(a.linearSolverSetups == b.linearSolverSetups)
        #expect(a.jacobianEvaluations == b.jacobianEvaluations)
    }

    @Test("a new Jacobian with other non-zero entries is factorised from its own entries, not the last one's")
    func changedSparsity() {
        // The solver finds a Jacobian's non-zero entries once and reuses them for every γ; writing the Jacobian
        // (whole, or entry by entry as a network adds its synapses) must make it look again.
        let k = 5, n = 4
        var J = ArrowJacobian(coreCount: k, gateCount: n)
        for c in 0..<k { J.A[0 * k + c] = Double(c + 1) * 0.3; J.A[1 * k + c] = -0.2 * Double(c) }
        J.A[2 * k + 2] = -0.01; J.A[3 * k + 3] = -0.02; J.A[4 * k + 4] = -0.5; J.A[4 * k + 0] = 0.1
        for g in 0..<2 { J.B[0 * n + g] = 0.4 + Double(g); J.C[g * k + 0] = 0.05; J.D[g] = -2 - Double(g) }
        J.B[2 * n + 2] = 0.01; J.B[3 * n + 3] = 0.01; J.C[2 * k + 1] = -0.5; J.C[3 * k + 1] = -0.5
        let solver = ArrowNewtonSolver(coreCount: k, gateCount: n)
        let b = (0..<(k + n)).map { cos(Double($0) * 0.9) + 0.1 }
        func check(_ gamma: Double) {
            #expect(solver.factor(gamma: gamma))
            var x = b
            x.withUnsafeMutableBufferPointer { solver.solve($0.baseAddress!) }
            let ref = denseSolve(solver.jacobian, gamma: gamma, b)
            for i in 0..<(k + n) { #expect(abs(x[i] - ref[i]) <= 1e-10 * max(1, abs(ref[i])), "x[\(i)] = \(x[i]), dense \(ref[i])") }
        }
        solver.jacobian = J
        check(0.05)
        check(0.3)   // the same Jacobian, another γ
        // Entry by entry: row 2 (eliminated early so far) gains a coupling to state 4, a gate gains a Ca
        // dependence and row 1 a new gate; all are zero in the entries found before.
        solver.jacobian.A[2 * k + 4] = 0.7
        solver.jacobian.C[0 * k + 1] = 0.3
        solver.jacobian.B[1 * n + 1] = -0.6
        check(0.05)
        // Whole: back to the first Jacobian (fewer non-zero entries than the last one).
        solver.jacobian = J
        check(0.05)
    }

    @Test("the structured Newton solve equals a dense Gaussian elimination of I − γJ", arguments: models)
    func structuredSolveMatchesDense(model: String) throws {
        let n = try neuron(model)
        let dim = n.dimension
        for (k, y) in try states(n).enumerated() {
            let solver = ArrowNewtonSolver(coreCount: n.coreCount, gateCount: dim - n.coreCount)
            y.withUnsafeBufferPointer { n.jacobian(0, $0.baseAddress!, into: &solver.jacobian) }
            let gamma = [0.001, 0.05, 0.7][k % 3]
            let factored = solver.factor(gamma: gamma)
            #expect(factored)
            let b = (0..<dim).map { sin(Double($0) + 1) }
            var x = b
            x.withUnsafeMutableBufferPointer { solver.solve($0.baseAddress!) }
            let ref = denseSolve(solver.jacobian, gamma: gamma, b)
            for i in 0..<dim { #expect(abs(x[i] - ref[i]) <= 1e-9 * max(1, abs(ref[i])), "x[\(i)]") }
        }
    }
}
