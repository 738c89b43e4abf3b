import Foundation
import Testing
import Ganglion

/// The Prinz et al. 2003 family, declared as files: its calcium reversal follows the pool (Nernst), and its
/// published example models fire as described (Prinz, Billimoria & Marder 2003; Prinz, Bucher & Marder 2004).
@Suite("Prinz 2003 family")
struct PrinzFamilyTests {
    static let folder = packageRoot() + "/models/families/prinz-2003"

    /// A model of the family from its conductances (mS/cm²: Na, CaT, CaS, A, KCa, Kd, H, leak).
    static func model(_ name: String, _ g: [Double]) throws -> NeuronDescription {
        let keys = ["Na", "CaT", "CaS", "A", "KCa", "Kd", "H", "leak"]
        let conductances = zip(keys, g).map { "\"\($0)\": \($1)" }.joined(separator: ", ")
        let json = #"{"family": "family.json", "name": "\#(name)", "conductances": {\#(conductances)}}"#
        return try ModelFile.parse(Data(json.utf8), file: folder + "/\(name).json")
    }
    static let fig2C = [100, 0, 4, 0, 15, 50, 0.02, 0.03]
    static let fig5G = [500, 2.5, 8, 0, 15, 75, 0.05, 0]
    static let abpd = [[400, 2.5, 6, 50, 10, 100, 0.01, 0], [100, 2.5, 6, 50, 5, 100, 0.01, 0],
                       [200, 2.5, 4, 50, 5, 50, 0.01, 0], [200, 5, 4, 40, 5, 125, 0.01, 0]]

    /// E_Ca = (RT/2F) ln(3000 µM / Ca) at 10 °C, from CODATA 2018 R and F.
    static func calciumReversal(_ ca: Double) -> Double {
        8.314462618 * 283.15 / (2 * 96485.33212) * 1000 * log(3000 / ca)
    }

    @Test("the right-hand side uses E_Ca(Ca) by the Nernst equation: V and Ca derivatives from the states alone")
    func nernstRightHandSide() throws {
        let n = try CompiledNeuron(try Self.model("fig5g", Self.fig5G))
        let names = n.layout.names
        var y = n.initialState()
        // A state far from rest: depolarised, calcium raised, gates anywhere in (0, 1).
        y[0] = -20; y[1] = 7.5
        for i in 2..<y.count { y[i] = 0.1 + 0.8 * Double(i % 7) / 7 }
        var dy = [Double](repeating: 0, count: y.count)
        y.withUnsafeBufferPointer { a in dy.withUnsafeMutableBufferPointer { n.rightHandSide(0, a.baseAddress!, $0.baseAddress!) } }
        func state(_ s: String) -> Double { y[names.firstIndex(of: s)!] }
        let V = y[0], eCa = Self.calciumReversal(y[1])
        let iCaT = 2.5 * pow(state("CaT.m"), 3) * state("CaT.h") * (V - eCa)
        let iCaS = 8 * pow(state("CaS.m"), 3) * state("CaS.h") * (V - eCa)
        let iNa = 500 * pow(state("Na.m"), 3) * state("Na.h") * (V - 50)
        let iK = (15 * pow(state("KCa.m"), 4) + 75 * pow(state("Kd.m"), 4)) * (V + 80)
        let iH = 0.05 * state("H.m") * (V + 20)
        #expect(abs(dy[0] - -(iNa + iCaT + iCaS + iK + iH)) <= 1e-12 * abs(dy[0]))
        let dCa = (-9.39488 * (iCaT + iCaS) - y[1] + 0.05) / 200
        #expect(abs(dy[1] - dCa) <= 1e-12 * abs(dCa))
    }

    @Test("Ca∞(V) and the DICs with a Nernst calcium reversal: g_f + g_s + g_u equals the slope of the steady-state I–V curve")
    func dicsSumToSteadyStateSlope() throws {
        let neuron = try Self.model("fig2c", Self.fig2C)
        let dics = try DICCalculator(neuron)
        func sigma(_ V: Double, _ a: Double, _ b: Double) -> Double { 1 / (1 + exp((V + a) / b)) }
        // The steady-state currents, from Prinz et al. 2003's m∞ and h∞ (µA/cm²), at calcium ca.
        func calciumCurrent(_ V: Double, _ ca: Double) -> Double {
            4 * pow(sigma(V, 33, -8.1), 3) * sigma(V, 60, 6.2) * (V - Self.calciumReversal(ca))   // CaS; CaT is 0
        }
        func calciumAtRest(_ V: Double) -> Double {
            // Ca = 0.05 − f I_Ca(V, Ca): the root, by bisection (the right side decreases as Ca rises).
            var lo = 1e-9, hi = 1e6
            for _ in 0..<200 {
                let mid = (lo * hi).squareRoot()
                if mid - (0.05 - 9.39488 * calciumCurrent(V, mid)) < 0 { lo = mid } else { hi = mid }
            }
            return (lo * hi).squareRoot()
        }
        func steadyCurrent(_ V: Double) -> Double {
            let ca = calciumAtRest(V)
            let iNa = 100 * pow(sigma(V, 25.5, -5.29), 3) * sigma(V, 48.9, 5.18) * (V - 50)
            let iKCa = 15 * pow(ca / (ca + 3) * sigma(V, 28.3, -12.6), 4) * (V + 80)
            let iKd = 50 * pow(sigma(V, 12.3, -11.8), 4) * (V + 80)
            let iH = 0.02 * sigma(V, 75, 5.5) * (V + 20)
            return iNa + calciumCurrent(V, ca) + iKCa + iKd + iH + 0.03 * (V + 50)
        }
        // The compiled cell's Ca∞ (voltage clamp, network initial states) too, where E_Ca's slope matters most.
        let compiled = try CompiledNeuron(neuron)
        for V in [-60.0, -20, 0, 20, 40] {
            let ca = compiled.steadyCalcium(V: V)
            #expect(abs(ca - calciumAtRest(V)) <= 1e-9 * ca, "compiled Ca∞(\(V)): \(ca) vs \(calciumAtRest(V))")
        }
        for V in stride(from: -70.0, through: -30, by: 5) {
            let ca = dics.calciumSteadyState(Dual.variable(V))
            #expect(abs(ca.value - calciumAtRest(V)) <= 1e-9 * ca.value, "Ca∞(\(V))")
            let h = 1e-4
            let caSlope = (calciumAtRest(V + h) - calciumAtRest(V - h)) / (2 * h)
            #expect(abs(ca.derivative - caSlope) <= 1e-6 * max(abs(caSlope), 1e-6), "dCa∞/dV at \(V): \(ca.derivative) vs \(caSlope)")
            let d = dics.dics(at: V)
            let slope = (steadyCurrent(V + h) - steadyCurrent(V - h)) / (2 * h)
            let sum = (d.gf + d.gs + d.gu) * 0.03
            #expect(abs(sum - slope) <= 1e-6 * max(abs(slope), 1), "at \(V) mV: \(sum) vs \(slope)")
        }
    }

    @Test("a model file written for a Prinz cell keeps E_Ca following the pool when read back")
    func modelFileRoundTrip() throws {
        let cell = try Self.model("fig5g", Self.fig5G)
        let data = try JSONSerialization.data(withJSONObject: ModelFile.jsonObject(cell))
        let back = try ModelFile.parse(data, file: "/tmp/written.json")
        #expect(back.conductances.map(\.nernst) == cell.conductances.map(\.nernst))
        #expect(back.conductances.filter { $0.nernst != nil }.map(\.name) == ["CaT", "CaS"])
    }

    @Test("the neuromodulation controller refuses a calcium reversal that follows the pool")
    func controllerRefusesNernst() throws {
        let neuron = try Self.model("fig2c", Self.fig2C)
        let m = Neuromodulation(conductances: ["CaS", "A"], gs: -8, gu: 4, thresholdVoltage: -50)
        #expect(throws: DICError.calciumNernstReversal(channel: "CaT", computation: "the neuromodulation controller")) {
            _ = try ControllerReference(neuron, modulation: m)
        }
    }

    /// Spike counts of the whole bursts after `start` (ms): spikes split at the inter-spike intervals longer
    /// than the middle of the shortest and longest.
    static func burstSizes(_ n: NeuronDescription, settings: SolverSettings, duration: Double = 16000, start: Double = 4000) throws -> [Int] {
        var r = SimulationRequest(neuron: n, duration: duration)
        r.solverSettings = settings
        r.window = start...duration
        let spikes = try simulate(r).features.spikeTimes
        let isi = zip(spikes.dropFirst(), spikes).map { $0 - $1 }
        guard let lo = isi.min(), let hi = isi.max(), hi - lo > 25 else { return [] }
        var sizes: [Int] = [], count = 1
        for x in isi {
            if x > (lo + hi) / 2 { sizes.append(count); count = 1 } else { count += 1 }
        }
        return Array(sizes.dropFirst())   // the first is cut by the window
    }

    static func expEuler(_ dt: Double) -> SolverSettings {
        var s = SolverSettings(); s.method = .expEuler; s.dt = dt; return s
    }

    @Test("Fig. 5G alternates bursts of 17 and 15 spikes at exp-Euler steps 0.025 and 0.01 ms and with CVODE, but not at 0.05 ms")
    func fig5GAlternates() throws {
        let n = try Self.model("fig5g", Self.fig5G)
        for settings in [Self.expEuler(0.025), Self.expEuler(0.01), SolverSettings()] {
            let sizes = try Self.burstSizes(n, settings: settings)
            #expect(sizes.count >= 12)
            #expect(Set(sizes) == [15, 17], "\(settings.method) \(settings.dt ?? 0): \(sizes)")
            #expect(zip(sizes, sizes.dropFirst()).allSatisfy { $0 != $1 }, "not alternating: \(sizes)")
        }
        #expect(Set(try Self.burstSizes(n, settings: Self.expEuler(0.05))) == [15])
    }

    @Test("Fig. 2C and the AB/PD models 1–4 of 2004 burst, with the same spikes per burst at exp-Euler 0.025 ms and with CVODE")
    func examplesBurst() throws {
        for (name, g) in [("fig2c", Self.fig2C)] + Self.abpd.enumerated().map({ ("abpd-\($0 + 1)", $1) }) {
            let n = try Self.model(name, g)
            let a = try Self.burstSizes(n, settings: Self.expEuler(0.025)), b = try Self.burstSizes(n, settings: SolverSettings())
            #expect(a.count >= 4 && Set(a).count == 1 && a.first! >= 5, "\(name): \(a)")
            #expect(Set(a) == Set(b), "\(name): \(a) vs \(b)")
        }
    }
}
