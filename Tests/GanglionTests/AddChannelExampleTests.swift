import Foundation
import Testing
import Ganglion

// The worked example of Docs/adding-a-channel.md, verbatim: a new current in one type.

/// Persistent sodium current I_NaP = ḡ_NaP m (V − E_Na), with m∞(V) = 1/(1 + exp((V + 40)/−6)) and a fast,
/// constant τ_m = 1 ms (the Butera et al. 1999 form of I_NaP, without its slow inactivation).
enum NaP: IonChannel {
    static let name = "NaP"
    static let ion = Ion.sodium
    static let activationExponent = 1
    static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { boltzmann(V, 40, -6) }
    static func tauM<T: GateScalar>(_ V: T) -> T { 1 }
}

@Suite("Adding a channel (Docs/adding-a-channel.md)")
struct AddChannelExampleTests {
    /// stg-spiking with a NaP conductance of `gbar` mS/cm² (E_Na = 50 mV).
    func neuron(gbar: Double) throws -> NeuronDescription {
        var n = try NamedModel.named("stg-spiking")!.neuron()
        n.conductances.append(Conductance(NaP.self, gbar: gbar, reversal: 50))
        return n
    }

    @Test("the new gate stays in [0, 1] with a positive τ, and its Jacobian column is exact")
    func kernels() throws {
        for V in stride(from: -100.0, through: 60, by: 0.5) {
            let m = NaP.mInf(V, calcium: 0.0), t = NaP.tauM(V)
            #expect(m >= 0 && m <= 1 && t > 0 && t.isFinite)
        }
        // The compiled neuron's analytic Jacobian (dual numbers through mInf) against central differences.
        let c = try CompiledNeuron(try neuron(gbar: 2))
        var y = c.initialState()
        y[0] = -45
        let n = c.dimension
        var J = ArrowJacobian(coreCount: c.coreCount, gateCount: n - c.coreCount)
        y.withUnsafeBufferPointer { c.jacobian(0, $0.baseAddress!, into: &J) }
        let m = try #require(c.layout.index(of: "NaP.m"))
        var f1 = Array(repeating: 0.0, count: n), f2 = f1
        for j in [0, m] {
            let h = 1e-6 * max(1, abs(y[j]))
            var a = y, b = y
            a[j] += h; b[j] -= h
            c.rightHandSide(0, a, &f1)
            c.rightHandSide(0, b, &f2)
            for i in [0, m] {
                let fd = (f1[i] - f2[i]) / (2 * h)
                #expect(abs(J.entry(i, j) - fd) <= 1e-6 * max(1, abs(fd)), "J[\(i), \(j)]")
            }
        }
    }

    @Test("an inward persistent current makes the spiking cell fire faster")
    func firesFaster() throws {
        var base = SimulationRequest(neuron: try neuron(gbar: 0), duration: 6000)
        base.window = 2000...6000
        var with = base
        with.neuron = try neuron(gbar: 1)
        let f0 = try #require(try simulate(base).features.frequency), f1 = try #require(try simulate(with).features.frequency)
        #expect(f1 > f0 * 1.05, "\(f0) Hz → \(f1) Hz")
    }
}
