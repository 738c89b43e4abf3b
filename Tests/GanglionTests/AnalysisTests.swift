import Testing
import Ganglion

@Suite("Firing analysis")
struct AnalysisTests {
    @Test("a regular train is tonic at 1/ISI")
    func tonic() {
        let f = FiringFeatures(spikeTimes: stride(from: 0.0, through: 1000, by: 50).map { $0 })
        #expect(f.pattern == .tonic)
        #expect(abs(f.frequency! - 20) < 1e-12)
        #expect(f.burstiness == nil && f.spikesPerBurst == nil)
    }

    @Test("no spike is silent with no frequency")
    func silent() {
        let f = FiringFeatures(spikeTimes: [])
        #expect(f.pattern == .silent && f.frequency == nil)
    }

    @Test("a synthetic burst train gives the numbers of Docs/science/analysis.md §3–§4")
    func bursts() {
        // Bursts of 4 spikes 10 ms apart, 200 ms silent gaps: period 230 ms.
        var t: [Double] = []
        var start = 0.0
        for _ in 0..<6 {
            for k in 0..<4 { t.append(start + Double(k) * 10) }
            start += 30 + 200
        }
        let f = FiringFeatures(spikeTimes: t)
        #expect(f.pattern == .bursting)
        #expect(f.spikesPerBurst == 4)
        #expect(abs(f.intraburstFrequency! - 100) < 1e-9)
        #expect(abs(f.interburstFrequency! - 5) < 1e-9)             // 1 / 0.2 s
        #expect(abs(f.burstiness! - 4 * 100 / 0.2) < 1e-6)          // n f_intra / T_inter
        #expect(abs(f.burstPeriod! - 230) < 1e-9)
        #expect(abs(f.dutyCycle! - 30.0 / 230) < 1e-12)
        #expect(abs(f.frequency! - 1000 / ((Double(t.count - 1) * 0 + (t.last! - t.first!)) / Double(t.count - 1))) < 1e-9)
    }

    @Test("variable ISIs without a burst structure are irregular, and the rule says why")
    func irregular() {
        let f = FiringFeatures(spikeTimes: [0, 100, 110, 210, 310, 410])   // long ISIs mostly in a row
        #expect(f.pattern == .irregular)
        #expect(f.rule.contains("spikes per burst"))
    }

    @Test("the detector interpolates +10 mV crossings and re-arms below 0 mV")
    func detector() {
        var d = SpikeDetector()
        let samples: [(Double, Double)] = [(0, -60), (1, 30), (2, 5), (3, 40), (4, -10), (5, 0), (6, 20), (7, -70)]
        for (t, V) in samples { d.observe(t: t, V: V) }
        // Crossing 1 between (0, −60) and (1, 30): t = 70/90. The 40 mV at t = 3 is not a new spike
        // (no re-arm in between); after −10 mV at t = 4, the crossing between (5, 0) and (6, 20) is t = 5.5.
        #expect(d.spikeTimes.count == 2)
        #expect(abs(d.spikeTimes[0] - 70.0 / 90) < 1e-12)
        #expect(abs(d.spikeTimes[1] - 5.5) < 1e-12)
    }
}
