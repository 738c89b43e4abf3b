import Foundation
import Testing
import Ganglion

@Suite("Liu et al. 1998 regulation (a cell mechanism)")
struct LiuRegulationTests {
    func bursting(_ liu: LiuRegulation = LiuRegulation()) throws -> NeuronDescription {
        var n = try NamedModel.named("stg-bursting")!.neuron()
        n.mechanisms = [liu]
        return n
    }

    @Test("states in the dense core, named <mechanism>.<state>; the regulated ḡ come from the state; sensors start at their steady state")
    func layout() throws {
        let c = try CompiledNeuron(try bursting())
        let names = ["liu.F.M", "liu.F.H", "liu.S.M", "liu.S.H", "liu.D.M"] + ["Na", "CaT", "CaS", "A", "KCa", "Kd", "H"].map { "liu.\($0).gbar" }
        let idx = names.map { c.layout.index(of: $0) }
        #expect(idx.allSatisfy { $0 != nil && $0! < c.coreCount })
        var y = c.initialState()
        #expect(y[c.layout.index(of: "liu.CaS.gbar")!] == 19)
        // Sensors at M∞, H∞ of the resting calcium current, computed here from the gates at rest.
        let ica = c.currents(state: y, named: ["CaT", "CaS"]).reduce(0, +)
        #expect(abs(y[idx[0]!] - 1 / (1 + exp(14.2 + ica))) < 1e-15)
        #expect(abs(y[idx[3]!] - 1 / (1 + exp(-2.8 - ica))) < 1e-15)
        // ḡ_CaS read from its state: doubling the state doubles the conductance in effect.
        y[c.layout.index(of: "liu.CaS.gbar")!] = 38
        #expect(c.conductancesInEffect(state: y)["CaS"] == 38)
    }

    @Test("two mechanisms driving one conductance are refused, naming both")
    func oneDriver() throws {
        var n = try bursting(LiuRegulation(rules: [LiuRegulation.Rule("Na", a: 1, b: 0, c: 0)]))
        n.homeostasis = Homeostasis(timeConstants: ["Na": 600], tauG: 100, calciumTarget: 125)
        #expect { _ = try CompiledNeuron(n) } throws: { "\($0)".contains("homeostasis") && "\($0)".contains("liu") && "\($0)".contains("Na") }
        var m = try bursting(LiuRegulation(rules: [LiuRegulation.Rule("CaS", a: 0, b: 1, c: 0)]))
        m.neuromodulation = Neuromodulation(conductances: ["CaS", "A"], gs: -8, gu: 4, thresholdVoltage: -50)
        #expect { _ = try CompiledNeuron(m) } throws: { "\($0)".contains("neuromodulation") && "\($0)".contains("liu") }
        var z = try bursting()
        z.setGbar("H", 0)
        #expect { _ = try CompiledNeuron(z) } throws: { "\($0)".contains("liu.regulate.H") }
    }

    @Test("CVODE and exponential Euler agree on the regulated conductances after 20 s")
    func integratorsAgree() throws {
        let c = try CompiledNeuron(try bursting())
        func final(_ solver: SolverChoice) throws -> [Double] {
            let problem = try ODEProblem(system: c, initialState: c.initialState(), endTime: 20000, outputInterval: 1)
            var last: [Double] = []
            _ = try SolverSettings(method: solver, dt: solver == .expEuler ? 0.02 : nil).integrator(for: c).solve(problem) { _, y in last = Array(y) }
            return c.drivenConductanceStates.map { last[$0.index] }
        }
        let a = try final(.cvodeBDF), b = try final(.expEuler)
        let g0 = try bursting().conductanceNames.dropLast().map { try bursting().gbar($0)! }
        for i in a.indices {
            #expect(abs(a[i] / b[i] - 1) < 0.01, "\(c.drivenConductanceStates[i].conductance): \(a[i]) vs \(b[i])")
            #expect(abs(a[i] / g0[i] - 1) > 0.01, "\(c.drivenConductanceStates[i].conductance) did not move")
        }
    }

    @Test("from random conductances the sensors' window means approach their targets (F = S = D = 0.1)")
    func sensorsApproachTargets() throws {
        let base = try NamedModel.named("stg-bursting")!.neuron()
        let cells = try UniformPopulation.draw(base: base, ranges: ["Na": 500...8000, "CaT": 0.5...6, "CaS": 2...40, "A": 10...300,
                                                                      "KCa": 10...300, "Kd": 20...300, "H": 0.05...0.6], count: 2, seed: 1998)
        for var cell in cells {
            cell.mechanisms = [LiuRegulation()]
            var r = SimulationRequest(neuron: cell, duration: 150000)
            r.solver = .expEuler
            r.window = 145000...150000
            r.extraWindows = [0...5000]
            let report = try simulate(r)
            func error(_ k: Int) -> Double {
                ["liu.F", "liu.S", "liu.D"].map { abs(report.readouts[k].means[$0]! / 0.1 - 1) }.max()!
            }
            #expect(error(1) > 2 * error(0), "\(cell.name): largest relative sensor error \(error(1)) at the start, \(error(0)) at the end")
            #expect(error(0) < 0.3, "\(cell.name): \(report.readouts[0].means)")
            #expect(report.readoutTargets == ["liu.F": 0.1, "liu.S": 0.1, "liu.D": 0.1])
        }
    }

    @Test("experiment files: regulation and uniform populations, with errors naming the field")
    func experimentFile() throws {
        let e = try Experiment.load(packageRoot() + "/examples/regulation/liu-random.json")
        #expect(e.cells.count == 20 && e.mechanisms.count == 1)
        #expect(Set(e.cells.map { $0.neuron.gbar("Na")! }).count == 20)
        #expect(e.cells.allSatisfy { (500...8000).contains($0.neuron.gbar("Na")!) && $0.neuron.gbar("leak") == 0.01 })
        func parse(_ json: String) throws -> Experiment {
            try Experiment.parse(Data(json.utf8), file: "exp.json", folder: packageRoot() + "/examples")
        }
        let bad: [(String, String)] = [
            (#"{"cell": "stg-bursting", "duration_ms": 1000, "regulation": {"kind": "liu2001"}}"#, "regulation.kind"),
            (#"{"cell": "stg-bursting", "duration_ms": 1000, "regulation": {"kind": "liu1998", "regulate": ["Na", "NaP"]}}"#, "regulation.regulate[1]"),
            (#"{"cell": "stg-bursting", "duration_ms": 1000, "regulation": {"kind": "liu1998", "tau_ms": -1}}"#, "regulation.tau_ms"),
            (#"{"cell": "stg-bursting", "duration_ms": 1000, "homeostasis": {"Ca_target": 125, "regulate": ["Na"]}, "regulation": {"kind": "liu1998"}}"#, "homeostasis.regulate"),
            (#"{"population": {"base": "stg-bursting", "uniform": {"Na": [10, 1]}, "count": 2, "seed": 1}, "duration_ms": 1000}"#, "population.uniform.Na"),
        ]
        for (json, field) in bad {
            #expect { _ = try parse(json) } throws: { "\($0)".contains(field) }
        }
        let ok = try parse(#"{"cell": "da-bursting", "duration_ms": 1000, "regulation": {"kind": "liu1998", "regulate": {"Na": {"A": 1}, "Kd": {"A": 1, "B": -1}}}}"#)
        #expect((ok.mechanisms[0] as! LiuRegulation).rules == [LiuRegulation.Rule("Na", a: 1, b: 0, c: 0), LiuRegulation.Rule("Kd", a: 1, b: -1, c: 0)])
    }
}

extension CompiledNeuron {
    /// The ionic currents (µA/cm²) of the named channels at state y.
    func currents(state y: [Double], named names: [String]) -> [Double] {
        var out = Array(repeating: 0.0, count: currentNames.count)
        y.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { currents(p.baseAddress!, into: $0.baseAddress!) } }
        return names.map { out[currentNames.firstIndex(of: $0)!] }
    }

    /// The conductances in effect (mS/cm²) at state y, by name.
    func conductancesInEffect(state y: [Double]) -> [String: Double] {
        var out = Array(repeating: 0.0, count: currentNames.count)
        y.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { effectiveConductances(p.baseAddress!, into: $0.baseAddress!) } }
        return Dictionary(uniqueKeysWithValues: zip(currentNames, out))
    }
}
