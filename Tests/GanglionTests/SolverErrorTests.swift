import Foundation
import Synchronization
import Testing
import Ganglion

/// A system whose right-hand side turns non-finite after a given time.
final class PoisonedSystem: ODESystem {
    let layout = StateLayout(names: ["x"])
    let coreCount = 1
    let poisonAfter: Double
    init(poisonAfter: Double) { self.poisonAfter = poisonAfter }
    func rightHandSide(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>) {
        dy[0] = t > poisonAfter ? .nan : -y[0]
    }
    func jacobian(_ t: Double, _ y: UnsafePointer<Double>, into J: inout ArrowJacobian) { J.A[0] = -1 }
    var defaultAbsoluteTolerances: [Double] { [1e-8] }
}

@Suite("Solver failures")
struct SolverErrorTests {
    @Test("CVODE turns a NaN right-hand side into an error with the time, keeping the samples before it")
    func nanRightHandSide() throws {
        let problem = try ODEProblem(system: PoisonedSystem(poisonAfter: 5), initialState: [1], endTime: 10, outputInterval: 0.5)
        var last = -1.0
        do {
            _ = try CVODEIntegrator().solve(problem) { t, _ in last = t }
            Issue.record("no error")
        } catch {
            #expect(error.reason == .nonFiniteState)
            #expect(error.time >= 4.5 && error.time <= 5.5, "failed at \(error.time)")
            #expect(error.description.contains("x"))
            #expect(last == 5)
        }
    }

    @Test("CVODE reports too much work at the time it stopped")
    func tooMuchWork() throws {
        let n = try CompiledNeuron(NamedModel.named("stg-bursting")!.neuron())
        let problem = try ODEProblem(system: n, initialState: n.initialState(), endTime: 1000, outputInterval: 1000)
        var options = CVODEOptions()
        options.maxStepsPerOutput = 50
        do {
            _ = try CVODEIntegrator(options: options).solve(problem) { _, _ in }
            Issue.record("no error")
        } catch {
            #expect(error.reason == .tooMuchWork)
            #expect(error.time > 0 && error.time < 1000)
            #expect(error.statistics.steps >= 50)
        }
    }

    @Test("CVODE rejects fixed-step bounds outside 0 ≤ lower < 1 ≤ upper, naming them")
    func badFixedStepBounds() throws {
        let problem = try ODEProblem(system: PoisonedSystem(poisonAfter: 100), initialState: [1], endTime: 1, outputInterval: 0.5)
        for bounds in [(lower: 1.0, upper: 1.5), (lower: -0.1, upper: 1.5), (lower: 0.5, upper: 0.9), (lower: 0.5, upper: Double.infinity)] {
            var options = CVODEOptions()
            options.fixedStepBounds = bounds
            do {
                _ = try CVODEIntegrator(options: options).solve(problem) { _, _ in }
                Issue.record("no error for \(bounds)")
            } catch {
                #expect(error.description.contains("fixed-step bounds"), "\(error)")
            }
        }
    }

    @Test("RK4 at a step beyond its stability limit fails with a non-finite state, not a wrong answer")
    func rk4Diverges() throws {
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 500)
        request.solver = .rk4
        request.dt = 0.05
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ganglion-rk4-\(UUID()).csv").path
        request.tracePath = path
        do {
            _ = try simulate(request)
            Issue.record("no error")
        } catch {
            #expect(error.solverError?.reason == .nonFiniteState)
            #expect(error.partialTracePath == path + ".partial")
            #expect(!FileManager.default.fileExists(atPath: path), "no half-written file under the final name")
            let kept = try String(contentsOfFile: path + ".partial", encoding: .utf8)
            #expect(kept.hasPrefix("t_ms,V_mV,Ca_au\n"))
            try? FileManager.default.removeItem(atPath: path + ".partial")
        }
    }

    @Test("bad numbers in a request are rejected before integrating")
    func badRequest() throws {
        let neuron = try NamedModel.named("stg-bursting")!.neuron()
        var r = SimulationRequest(neuron: neuron, duration: -5)
        #expect(throws: SimulationError.self) { try simulate(r) }
        r = SimulationRequest(neuron: neuron, duration: 100)
        r.window = 50...500
        #expect(throws: SimulationError.self) { try simulate(r) }
        r.window = nil
        r.record = [.named("NaP.m")]
        #expect(throws: SimulationError.self) { try simulate(r) }
        r.record = []
        r.solver = .expEuler
        r.dt = -1
        #expect(throws: SimulationError.self) { try simulate(r) }
        r.solver = .cvodeBDF
        r.dt = nil
        r.solverSettings.rtol = 0
        #expect(throws: SimulationError.self) { try simulate(r) }
        var bad = neuron
        bad.conductances[0].gbar = -3
        #expect(throws: SimulationError.self) { try simulate(SimulationRequest(neuron: bad, duration: 10)) }
    }

    @Test("a stop request ends the run with an error and keeps the trace so far, complete lines only")
    func interrupted() throws {
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 5000)
        let path = temporaryPath("interrupted.csv")
        request.tracePath = path
        let calls = Mutex(0)
        request.shouldStop = { calls.withLock { $0 += 1; return $0 > 1000 } }
        do {
            _ = try simulate(request)
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("interrupted"))
            let kept = try String(contentsOfFile: path + ".partial", encoding: .utf8)
            #expect(kept.hasSuffix("\n"))
            #expect(kept.split(separator: "\n").count == 1 + 1000)
            try? FileManager.default.removeItem(atPath: path + ".partial")
        }
    }

    @Test("fixed-step methods split each output interval into equal steps and land on every output time")
    func fixedStepGrid() throws {
        let n = try CompiledNeuron(NamedModel.named("stg-bursting")!.neuron())
        let problem = try ODEProblem(system: n, initialState: n.initialState(), endTime: 100.05, outputInterval: 0.1)
        var times: [Double] = []
        let s = try ExponentialEuler(dt: 0.03).solve(problem) { t, _ in times.append(t) }
        #expect(times.count == 1002)
        #expect(times.last == 100.05)
        #expect(abs(times[500] - 50) < 1e-12)
        #expect(s.statistics.steps == 1000 * 4 + 2)   // 0.1 ms → 4 steps of 0.025; the last 0.05 ms → 2
    }
}
