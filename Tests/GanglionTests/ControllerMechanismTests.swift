import Foundation
import Testing
import Ganglion

/// The neuromodulation controller as a cell mechanism: its Jacobian rows, with the entries that reach other
/// mechanisms' states through the conductances in effect, and states found by typed references.
@Suite("Neuromodulation controller as a mechanism; typed state references")
struct ControllerMechanismTests {
    /// The V2 cell with the controller on CaS and A, homeostasis on CaT, KCa (half blocked), H and the leak,
    /// and Liu's regulation of Na and Kd: the controller's reference reads ḡ from both other mechanisms.
    func cell() throws -> CompiledNeuron {
        var n = try NeuronKind.stg.neuron(conductances: NeuromodulationTests.v2)
        n.homeostasis = Homeostasis(timeConstants: ["CaT": 5000, "KCa": 5000, "H": 5000, "leak": 5000], tauG: 100, calciumTarget: 125)
        n.blockFractions["KCa"] = 0.5
        n.mechanisms = [LiuRegulation(rules: [LiuRegulation.Rule("Na", a: 1, b: 0, c: 0), LiuRegulation.Rule("Kd", a: 1, b: -1, c: 0)])]
        n.neuromodulation = Neuromodulation(conductances: ["CaS", "A"], gs: -8, gu: 4, thresholdVoltage: -49.68)
        return try CompiledNeuron(n)
    }

    /// The initial state and states along 300 ms of the run, with the driven ḡ moved off their initial values.
    func states(_ c: CompiledNeuron) throws -> [[Double]] {
        var out = [c.initialState()]
        let problem = try ODEProblem(system: c, initialState: c.initialState(), endTime: 300, outputInterval: 0.5)
        _ = try CVODEIntegrator().solve(problem) { t, y in
            if Int((t * 2).rounded()) % 211 == 0 { out.append(Array(y)) }
        }
        return out.map { y in
            var y = y
            for (name, i) in c.drivenConductanceStates where !["CaS", "A"].contains(name) { y[i] *= name.count % 2 == 0 ? 1.1 : 0.93 }
            return y
        }
    }

    @Test("the controller's Jacobian rows (own states, and ḡ states of homeostasis and Liu's regulation) equal central differences")
    func controllerJacobian() throws {
        let c = try cell()
        let names = c.layout.names
        let rows = names.indices.filter { names[$0].hasPrefix("neuromodulation.") }
        #expect(rows.count == 6)
        var J = ArrowJacobian(coreCount: c.coreCount, gateCount: c.dimension - c.coreCount)
        var crossChecked = 0
        for y in try states(c) {
            y.withUnsafeBufferPointer { c.jacobian(0, $0.baseAddress!, into: &J) }
            for j in 0..<c.dimension {
                let h = 1e-6 * max(1, abs(y[j]))
                var yp = y, ym = y
                yp[j] += h
                ym[j] -= h
                var fp = Array(repeating: 0.0, count: c.dimension), fm = fp
                yp.withUnsafeBufferPointer { a in fp.withUnsafeMutableBufferPointer { c.rightHandSide(0, a.baseAddress!, $0.baseAddress!) } }
                ym.withUnsafeBufferPointer { a in fm.withUnsafeMutableBufferPointer { c.rightHandSide(0, a.baseAddress!, $0.baseAddress!) } }
                for i in rows {
                    let fd = (fp[i] - fm[i]) / (2 * h)
                    let exact = J.entry(i, j)
                    #expect(abs(exact - fd) <= 1e-4 * abs(fd) + 1e-12, "∂f[\(names[i])]/∂\(names[j]): \(exact) vs \(fd)")
                    let other = names[j].hasSuffix(".gbar") && !names[j].hasPrefix("neuromodulation.")
                    if other, abs(fd) > 1e-9 { crossChecked += 1 }
                }
            }
        }
        // The cross entries are there: each of the other mechanisms' ḡ states moves the reference.
        #expect(crossChecked > 0)
        let y = c.initialState()
        y.withUnsafeBufferPointer { c.jacobian(0, $0.baseAddress!, into: &J) }
        for (row, column) in [("neuromodulation.CaS.z", "liu.Na.gbar"), ("neuromodulation.A.z", "homeostasis.KCa.gbar"),
                              ("neuromodulation.CaS.pool", "homeostasis.leak.gbar"), ("neuromodulation.A.pool", "liu.Kd.gbar")] {
            #expect(J.entry(c.layout.index(of: row)!, c.layout.index(of: column)!) != 0, "\(row) / \(column)")
        }
    }

    @Test("typed references resolve to the indices the layout names give: V, Ca, gates, homeostasis, controller and Liu states")
    func typedReferences() throws {
        let c = try cell()
        let at = { (name: String) in c.layout.index(of: name) }
        #expect(c.index(of: .voltage) == at("V") && c.index(of: .calcium) == at("Ca"))
        #expect(c.index(of: .gate(conductance: "Na", state: 0)) == at("Na.m") && c.index(of: .gate(conductance: "Na", state: 1)) == at("Na.h"))
        #expect(c.index(of: .gate(conductance: "Na", state: 2)) == nil && c.index(of: .gate(conductance: "NaP", state: 0)) == nil)
        for n in ["CaT", "KCa", "H", "leak"] {
            #expect(c.index(of: .gbar(conductance: n)) == at("homeostasis.\(n).gbar"))
            #expect(c.index(of: StateReference.homeostasisM(of: n, in: c.neuron)!) == at("homeostasis.\(n).m"))
        }
        #expect(StateReference.homeostasisM(of: "Na", in: c.neuron) == nil)
        for (k, n) in ["CaS", "A"].enumerated() {
            #expect(c.index(of: .gbar(conductance: n)) == at("neuromodulation.\(n).gbar"))
            for (p, part) in ["gbar", "pool", "z"].enumerated() {
                #expect(c.index(of: .mechanism("neuromodulation", state: 3 * k + p)) == at("neuromodulation.\(n).\(part)"))
            }
        }
        let liu = c.neuron.mechanisms[0]
        for (i, s) in liu.states.enumerated() { #expect(c.index(of: .mechanism("liu", state: i)) == at("liu.\(s.name)")) }
        for n in ["Na", "Kd"] { #expect(c.index(of: .gbar(conductance: n)) == at("liu.\(n).gbar")) }
        #expect(c.index(of: .gbar(conductance: "Kd")) != nil && c.index(of: .mechanism("liu", state: liu.states.count)) == nil)
        #expect(c.index(of: .mechanism("sensor", state: 0)) == nil)
        // Without a driver, ḡ is a constant, not a state.
        var plain = try NeuronKind.stg.neuron(conductances: NeuromodulationTests.v2)
        plain.blockFractions["Na"] = 0.5
        #expect(try CompiledNeuron(plain).index(of: .gbar(conductance: "Na")) == nil)
    }

    @Test("setting a regulated conductance edits its ḡ and m by typed references; a constant one edits no state")
    func protocolEdits() throws {
        let c = try cell()
        var p = ProtocolState(c.neuron)
        let edits = p.apply(ProtocolEvent(time: 10, action: .setConductance(channel: "KCa", value: 90)))
        #expect(edits.map { c.index(of: $0.state) } == [c.layout.index(of: "homeostasis.KCa.gbar"), c.layout.index(of: "homeostasis.KCa.m")])
        #expect(edits.allSatisfy { $0.value == 90 })
        let liu = p.apply(ProtocolEvent(time: 10, action: .setConductance(channel: "Na", value: 4000)))
        #expect(liu.map { c.index(of: $0.state) } == [c.layout.index(of: "liu.Na.gbar")])
        #expect(p.apply(ProtocolEvent(time: 10, action: .setConductance(channel: "CaT", value: 3))).count == 2)
        var q = ProtocolState(try NeuronKind.stg.neuron(conductances: NeuromodulationTests.v2))
        #expect(q.apply(ProtocolEvent(time: 10, action: .setConductance(channel: "KCa", value: 90))).isEmpty)
    }
}
