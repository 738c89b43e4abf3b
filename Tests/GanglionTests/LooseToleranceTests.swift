import Foundation
import Testing
import GanglionCore
import Ganglion

/// CVODE at loose tolerances, and right-hand sides at the absurd voltages an implicit integrator may try
/// in a step it then rejects.
@Suite("Loose tolerances and absurd trial states")
struct LooseToleranceTests {
    func run(rtol: Double) throws -> FiringFeatures {
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 15000)
        request.solverSettings.rtol = rtol
        request.window = 3000...15000
        return try simulate(request).features
    }

    @Test("stg-bursting with CVODE at rtol 1e-3, 3e-3 and 1e-2 runs, its firing features within 2 % of rtol 1e-6")
    func looseTolerances() throws {
        let tight = try run(rtol: 1e-6)
        #expect(tight.spikesPerBurst == 5)
        for rtol in [1e-3, 3e-3, 1e-2] {
            let loose = try run(rtol: rtol)
            #expect(loose.spikesPerBurst == tight.spikesPerBurst, "rtol \(rtol): \(loose.spikesPerBurst ?? -1) spikes per burst")
            let pairs: [(String, Double?, Double?)] = [
                ("frequency", loose.frequency, tight.frequency),
                ("intraburst frequency", loose.intraburstFrequency, tight.intraburstFrequency),
                ("interburst frequency", loose.interburstFrequency, tight.interburstFrequency),
                ("burst period", loose.burstPeriod, tight.burstPeriod),
            ]
            for (name, a, b) in pairs {
                let a = try #require(a, "rtol \(rtol): no \(name)"), b = try #require(b)
                #expect(abs(a - b) <= 0.02 * abs(b), "rtol \(rtol): \(name) \(a) against \(b) at rtol 1e-6")
            }
        }
    }

    @Test("the default absolute tolerances scale with rtol up to rtol 1e-4 and no further")
    func absoluteToleranceCap() throws {
        let neuron = try CompiledNeuron(NamedModel.named("stg-bursting")!.neuron())
        let base = neuron.defaultAbsoluteTolerances
        let at1e4 = CVODEOptions(relativeTolerance: 1e-4).absoluteTolerances(for: neuron)
        let at1e2 = CVODEOptions(relativeTolerance: 1e-2).absoluteTolerances(for: neuron)
        let at1e8 = CVODEOptions(relativeTolerance: 1e-8).absoluteTolerances(for: neuron)
        for i in base.indices {
            #expect(abs(at1e4[i] - 100 * base[i]) <= 1e-12 * base[i])
            #expect(at1e2[i] == at1e4[i])
            #expect(abs(at1e8[i] - base[i] / 100) <= 1e-12 * base[i])
        }
        #expect(at1e2[0] <= 0.1 + 1e-12)   // V's: 0.1 mV
    }

    /// The state `base` with V (its first entry, or each cell's) at `V`.
    static let absurdVoltages: [Double] = [-1e6, -1e4, -2000, 2000, 1e4, 1e6]

    func expectFinite(_ system: any ODESystem, state: [Double], voltages: [Int], _ what: String) {
        let n = state.count
        for V in Self.absurdVoltages {
            var y = state
            for i in voltages { y[i] = V }
            var dy = [Double](repeating: .nan, count: n)
            y.withUnsafeBufferPointer { yp in
                dy.withUnsafeMutableBufferPointer { system.rightHandSide(0, yp.baseAddress!, $0.baseAddress!) }
            }
            for i in 0..<n { #expect(dy[i].isFinite, "\(what), V = \(V) mV: d\(system.layout.names[i])/dt = \(dy[i])") }
            if let tabulated = system.makeTabulatedRightHandSide() {
                var dt = [Double](repeating: .nan, count: n)
                y.withUnsafeBufferPointer { yp in
                    dt.withUnsafeMutableBufferPointer { tabulated.evaluate(0, yp.baseAddress!, $0.baseAddress!) }
                }
                #expect(dt == dy, "\(what), V = \(V) mV: outside the tables the tabulated right-hand side is the exact one")
            }
            let newton = system.makeNewtonSolver()
            y.withUnsafeBufferPointer { newton.evaluateJacobian(0, $0.baseAddress!) }
            var bad: [String] = []
            for i in 0..<n { for j in 0..<n where !newton.jacobianEntry(i, j).isFinite {
                bad.append("∂\(system.layout.names[i])/∂\(system.layout.names[j])")
            } }
            #expect(bad.isEmpty, "\(what), V = \(V) mV: Jacobian entries not finite: \(bad.prefix(5))")
        }
    }

    @Test("right-hand side and Jacobian of the named models stay finite at trial voltages of ±2000 to ±10⁶ mV", arguments: ["stg-bursting", "stg-spiking", "da-bursting", "da-spiking"])
    func absurdVoltagesCell(_ model: String) throws {
        guard let named = NamedModel.named(model) else { return }
        let neuron = try CompiledNeuron(named.neuron())
        expectFinite(neuron, state: neuron.initialState(), voltages: [0], model)
    }

    @Test("a network's right-hand side and Jacobian (graded and sigmoid synapses, a gap junction) stay finite at absurd trial voltages")
    func absurdVoltagesNetwork() throws {
        let cell = try NamedModel.named("stg-bursting")!.neuron()
        let d = NetworkDescription(cells: [.init(name: "A", neuron: cell), .init(name: "B", neuron: cell)],
                                   synapses: [ChemicalSynapse(from: "A", to: "B", gbar: 0.8),
                                              ChemicalSynapse(from: "B", to: "A", gbar: 0.5, reversal: -70, kinetics: .glutamatergic)],
                                   electricalSynapses: [ElectricalSynapse("A", "B", conductance: 0.1)])
        let net = try d.compile()
        expectFinite(net, state: net.initialState(), voltages: net.offsets, "network")
    }

    @Test("e^x of the gating functions: exact up to the bound, the bound's value (derivative 0) beyond it")
    func boundedExponential() {
        for x in [-800.0, -50, 0, 1, 99.5, 299.9] {
            #expect(Double.exp(x) == Foundation.exp(x))
            let d = Dual.exp(.variable(x))
            #expect(d.value == Foundation.exp(x) && d.derivative == Foundation.exp(x))
        }
        for x in [300.1, 709.0, 800, 1e6, .infinity] {
            #expect(Double.exp(x) == Foundation.exp(maximumGateExponent))
            #expect(Dual.exp(.variable(x)) == Dual(Foundation.exp(maximumGateExponent)))
        }
        #expect(Double.exp(.nan).isNaN && Dual.exp(.variable(.nan)).value.isNaN)
    }
}
