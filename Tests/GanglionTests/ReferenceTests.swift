import Testing
import Ganglion

/// The published behaviour of the named models (Docs/science/models.md §5 and §8), checked with every integrator.
@Suite("Reference numbers of Docs/science/models.md §5")
struct ReferenceTests {
    static let solvers: [SolverChoice] = [.cvodeBDF, .cvodeAdams, .expEuler, .rk4]

    func run(_ model: String, _ solver: SolverChoice) throws -> SimulationReport {
        var request = SimulationRequest(neuron: try NamedModel.named(model)!.neuron(), duration: 15000)
        request.solver = solver
        request.solverSettings.rtol = 1e-6
        request.window = 3000...15000
        return try simulate(request)
    }

    func close(_ value: Double?, _ expected: Double, _ what: String, tolerance: Double = 0.005) {
        guard let value else { Issue.record("\(what) is nil"); return }
        #expect(abs(value - expected) <= tolerance * abs(expected), "\(what) = \(value), expected \(expected) ± \(tolerance * 100) %")
    }

    @Test("stg-spiking: tonic, 18.03 Hz ± 0.5 %", arguments: solvers)
    func spiking(solver: SolverChoice) throws {
        let r = try run("stg-spiking", solver)
        #expect(r.features.pattern == .tonic)
        close(r.features.frequency, 18.03, "\(solver.rawValue) frequency")
    }

    @Test("stg-bursting: 5 spikes/burst, f_inter 9.472, f_intra 130.10, burstiness 6161.5, period 136.3", arguments: solvers)
    func bursting(solver: SolverChoice) throws {
        let r = try run("stg-bursting", solver)
        let f = r.features
        #expect(f.pattern == .bursting)
        #expect(f.spikesPerBurst == 5)
        close(f.interburstFrequency, 9.472, "\(solver.rawValue) f_inter")
        close(f.intraburstFrequency, 130.10, "\(solver.rawValue) f_intra")
        close(f.burstiness, 6161.5, "\(solver.rawValue) burstiness")
        close(f.burstPeriod, 136.3, "\(solver.rawValue) burst period")
        close(f.dutyCycle, 0.2255, "\(solver.rawValue) duty cycle")
    }

    @Test("da-spiking paces at 0.974 Hz, and at 1.768 Hz with NMDA 0.1 (± 0.5 %)", arguments: [.cvodeBDF, .cvodeAdams] as [SolverChoice])
    func daSpiking(solver: SolverChoice) throws {
        let r = try run("da-spiking", solver)
        #expect(r.features.pattern == .tonic)
        close(r.features.frequency, 0.974, "\(solver.rawValue) frequency")
        var request = SimulationRequest(neuron: try NeuronKind.da.neuron(conductances: [
            "Na": 30, "Kd": 5, "CaL": 0.03, "CaN": 0.03, "ERG": 0.12, "NMDA": 0.1, "leak": 0.01]), duration: 15000)
        request.solver = solver
        let nmda = try simulate(request)
        close(nmda.features.frequency, 1.768, "\(solver.rawValue) frequency with NMDA")
    }

    @Test("da-bursting: 7 spikes/burst, burstiness 178.9, f_intra 27.92, f_inter 0.9152 (± 0.5 %)", arguments: [.cvodeBDF, .cvodeAdams] as [SolverChoice])
    func daBursting(solver: SolverChoice) throws {
        let f = try run("da-bursting", solver).features
        #expect(f.pattern == .bursting)
        #expect(f.spikesPerBurst == 7)
        close(f.burstiness, 178.9, "\(solver.rawValue) burstiness")
        close(f.intraburstFrequency, 27.92, "\(solver.rawValue) f_intra")
        close(f.interburstFrequency, 0.9152, "\(solver.rawValue) f_inter")
    }

    @Test("a DA cell compensated (CaL, CaN) to g_s = −4, g_u = 5 at its fixed threshold bursts")
    func daCompensatedBursts() throws {
        let r = try compensate(NamedModel.named("da-spiking")!.neuron(), unknowns: ["CaL", "CaN"], targets: [.s: -4, .u: 5],
                               at: .threshold(.grid))
        #expect(r.V == -55.5 && r.residual < 1e-10)
        let f = try simulate(SimulationRequest(neuron: r.neuron, duration: 15000)).features
        #expect(f.pattern == .bursting, "\(f.rule)")
    }

    @Test("CVODE at default tolerances matches rtol 1e-10 on spike times within 0.05 ms over the first second")
    func tolerances() throws {
        func spikes(rtol: Double) throws -> [Double] {
            var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 1000)
            request.solverSettings.rtol = rtol
            request.outputInterval = 0.01
            request.window = 0...1000
            return try simulate(request).features.spikeTimes
        }
        let loose = try spikes(rtol: 1e-6), tight = try spikes(rtol: 1e-10)
        #expect(loose.count == tight.count && loose.count >= 5)
        for (a, b) in zip(loose, tight) { #expect(abs(a - b) < 0.05, "spike at \(b) ms off by \(a - b) ms") }
    }

    @Test("CVODE's fixed-step bounds (0.9, 1.1) cut the rejected steps; SUNDIALS' bounds give their documented step count")
    func fixedStepBounds() throws {
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 15000)
        let ganglion = try simulate(request)
        request.solverSettings.sundialsStepBounds = true
        let sundials = try simulate(request)
        // With SUNDIALS' bounds (Docs/cvode.md, "Step-size changes"): 149 598 steps, 12 233 error-test failures.
        #expect(sundials.statistics.steps == 149_598 && sundials.statistics.errorTestFailures == 12_233)
        #expect(ganglion.statistics.errorTestFailures * 3 < sundials.statistics.errorTestFailures)
        #expect(ganglion.statistics.rhsEvaluations < sundials.statistics.rhsEvaluations)
        // The same solution to CVODE's accuracy (rtol 1e-6 and 1e-9 differ by 5e-5 here).
        for (a, b) in [(ganglion.features.burstiness, sundials.features.burstiness),
                       (ganglion.features.intraburstFrequency, sundials.features.intraburstFrequency),
                       (ganglion.features.interburstFrequency, sundials.features.interburstFrequency)] {
            let a = try #require(a), b = try #require(b)
            #expect(abs(a - b) <= 1e-4 * abs(b), "\(a) vs \(b)")
        }
    }

    @Test("the dense linear solver gives the structured solver's result")
    func denseFallback() throws {
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 2000)
        request.window = 0...2000
        let structured = try simulate(request)
        request.linearSolver = .dense
        let dense = try simulate(request)
        #expect(dense.features.spikeTimes.count == structured.features.spikeTimes.count)
        for (a, b) in zip(dense.features.spikeTimes, structured.features.spikeTimes) { #expect(abs(a - b) < 0.05) }
    }
}
