import Foundation
import Testing
import GanglionCore
import Ganglion

@Suite("Channels")
struct ChannelTests {
    static let families: [(String, [any ChannelKinetics])] = [("stg", NeuronKind.stg.channels), ("da", NeuronKind.da.channels)]
    static let channels = families.flatMap { f in f.1.map { (f.0 + "." + $0.name, $0) } }

    @Test("every gate stays in [0, 1] with a positive finite τ over −100…+60 mV and Ca 0…500",
          arguments: channels.map(\.0))
    func gatingSweep(name: String) {
        let ch = Self.channels.first { $0.0 == name }!.1
        for i in 0...1600 {
            let V = -100 + Double(i) * 0.1
            for Ca in stride(from: 0.0, through: 500, by: 12.5) {
                let m = ch.mInf(V, calcium: Ca)
                #expect(m >= 0 && m <= 1, "\(name) m∞(\(V), \(Ca)) = \(m)")
            }
            let tm: Double = ch.tauM(V)
            #expect(tm >= 0 && tm.isFinite, "\(name) τm(\(V)) = \(tm)")
            #expect(tm > 0 || ch.stateCount == 0, "\(name) τm(\(V)) = \(tm)")
            if ch.inactivationExponent > 0 {
                let h: Double = ch.hInf(V), th: Double = ch.tauH(V)
                #expect(h >= 0 && h <= 1, "\(name) h∞(\(V)) = \(h)")
                #expect(th > 0 && th.isFinite, "\(name) τh(\(V)) = \(th)")
            }
        }
    }

    @Test("dual-number derivatives of the gating functions match central differences")
    func dualDerivatives() {
        let h = 1e-5
        for (_, ch) in Self.channels {
            for V in stride(from: -90.0, through: 50, by: 7.3) {
                let Ca = 2.5
                let d = ch.mInf(Dual.variable(V), calcium: Dual(Ca)).derivative
                let fd = (ch.mInf(V + h, calcium: Ca) - ch.mInf(V - h, calcium: Ca)) / (2 * h)
                #expect(abs(d - fd) <= 1e-7 * max(1, abs(fd)), "\(ch.name) m∞′(\(V))")
                let dt = ch.tauM(Dual.variable(V)).derivative
                let fdt = (ch.tauM(V + h) - ch.tauM(V - h)) / (2 * h)
                #expect(abs(dt - fdt) <= 1e-6 * max(1, abs(fdt)), "\(ch.name) τm′(\(V))")
            }
        }
    }

    @Test("spot values against the equations of Docs/science/models.md §3")
    func spotValues() {
        // B(V; a, b) = 1/(1 + exp((V + a)/b)) at V = −a is exactly 1/2.
        #expect(STG.Na.mInf(-25.5, calcium: 0) == 0.5)
        #expect(STG.CaS.hInf(-60.0) == 0.5)
        #expect(abs(STG.KCa.mInf(-28.3, calcium: 3.0) - 0.25) < 1e-15)   // Ca/(Ca+3) = 1/2, sigmoid 1/2
        // T(V; a, b, d, e) at V = −d is a − b/2.
        #expect(abs(STG.Kd.tauM(-28.3) - (7.2 - 3.2)) < 1e-12)
        #expect(abs(STG.KCa.tauM(-46.0) - (90.3 - 75.1 / 2)) < 1e-12)
        #expect(abs(STG.H.tauM(-42.2) - (272 + 1499.0 / 2)) < 1e-12)
        let v = -40.0
        let tauHNa = (0.67 / (1 + exp((v + 62.9) / -10))) * (1.5 + 1 / (1 + exp((v + 34.9) / 3.6)))
        #expect(abs(STG.Na.tauH(v) - tauHNa) < 1e-14)
    }
}
