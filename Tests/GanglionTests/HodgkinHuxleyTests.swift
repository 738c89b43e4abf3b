import Foundation
import Testing
import GanglionIO
import Ganglion

/// The squid axon of `models/families/hodgkin-huxley/` (declared as files) against published properties of
/// the Hodgkin & Huxley 1952 equations at 6.3 °C.
@Suite("Hodgkin–Huxley squid axon (declared family)")
struct HodgkinHuxleyTests {
    static let axon = packageRoot() + "/models/families/hodgkin-huxley/squid-axon.json"

    @Test("resting potential −65 mV (Hodgkin & Huxley 1952 chose E_leak to make it so)")
    func rest() throws {
        let r = try simulate(SimulationRequest(neuron: try ModelFile.load(Self.axon), duration: 500))
        #expect(r.features.spikeTimes.isEmpty)
        let c = try CompiledNeuron(try ModelFile.load(Self.axon))
        var y = c.initialState()
        var dy = y
        // The resting state: V where the total ionic current with steady-state gates vanishes, by bisection.
        var lo = -70.0, hi = -60.0
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            y = c.restingState(heldAt: mid)
            y.withUnsafeBufferPointer { yp in dy.withUnsafeMutableBufferPointer { c.rightHandSide(0, yp.baseAddress!, $0.baseAddress!) } }
            if dy[0] > 0 { lo = mid } else { hi = mid }
        }
        #expect(abs(lo - -65) < 0.01, "rest at \(lo) mV")
    }

    @Test("repetitive firing: rest loses stability near 9.78 µA/cm² and the periodic branch ends near 6.26 µA/cm² at ≈ 53 Hz (Rinzel & Miller 1980)")
    func repetitiveFiring() throws {
        let axon = try ModelFile.load(Self.axon)
        // Up from rest in 0.25 µA/cm² steps from 5 (below the bistable range, so the first step does not start
        // firing): silent through 9.75, firing at 10 (the subcritical Hopf at 9.78).
        var up = FICurveProtocol(neuron: axon, currents: Array(stride(from: 5.0, through: 10.5, by: 0.25)))
        up.stepDuration = 1000
        up.transient = 200
        let upCurve = try runFICurve(up)
        let firstFiring = try #require(upCurve.points.first { $0.direction == .up && $0.rate > 0 })
        #expect(firstFiring.current == 10, "rest first fails at \(firstFiring.current) µA/cm²")
        // Down from firing in 0.02 µA/cm² steps: the lowest current that still fires.
        var down = FICurveProtocol(neuron: axon, currents: Array(stride(from: 6.1, through: 10.5, by: 0.02)))
        down.stepDuration = 400
        down.transient = 150
        down.solverSettings.rtol = 1e-8
        let downCurve = try runFICurve(down)
        let lowest = try #require(downCurve.points.filter { $0.direction == .down && $0.rate > 0 }.min { $0.current < $1.current })
        #expect(abs(lowest.current - 6.26) <= 0.05, "periodic branch ends at \(lowest.current) µA/cm²")
        let f = try #require(lowest.features.frequency)
        #expect(f > 50 && f < 57, "frequency at the end of the branch \(f) Hz")
    }
}
