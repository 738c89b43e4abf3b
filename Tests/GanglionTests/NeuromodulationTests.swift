import Foundation
import Testing
import Ganglion

@Suite("Neuromodulation controller")
struct NeuromodulationTests {
    static let v2: [String: Double] = ["Na": 4494.8001995, "CaT": 3.5, "CaS": 11, "A": 310.818477544, "KCa": 110, "Kd": 160,
                                       "H": 0.335077941973, "leak": 0.01]

    func v2Cell() throws -> NeuronDescription { try NeuronKind.stg.neuron(conductances: Self.v2) }

    @Test("the controller's reference is the V2 compensation solve of Docs/science/dics.md §8, exact and linearised",
          arguments: [(5.0, [6.85491910023, 234.396384773], [6.72598732421, 232.429480450]),
                      (-2.0, [15.7689167481, 172.679151863], [16.3508437016, 181.546359016]),
                      (-8.0, [23.4094861606, 119.778666511], [26.0396810141, 159.788408950])])
    func reference(gs: Double, paper: [Double], exact: [Double]) throws {
        for (variant, expected) in [(CompensationVariant.paper, paper), (.exact, exact)] {
            var n = try v2Cell()
            var m = Neuromodulation(conductances: ["CaS", "A"], gs: gs, gu: 4, thresholdVoltage: -49.68)
            m.variant = variant
            n.neuromodulation = m
            let c = try CompiledNeuron(n)
            let r = c.controllerReference(state: c.initialState())
            #expect(abs(r["CaS"]! / expected[0] - 1) < 1e-9 && abs(r["A"]! / expected[1] - 1) < 1e-9, "\(variant): \(r)")
        }
    }

    @Test("past a fold of the exact reference (homeostatic growth of the V2 cell) the reference is the closest approach: continuous, no far branch")
    func foldClosestApproach() throws {
        // Scale the homeostatic conductances of the V2 cell as homeostasis does (ratios kept), with the
        // modulated conductances at the last reference (a controller tracking it), through the fold (≈ ×2.56).
        // (The first previous values are V2's own reference at scale 1.)
        var previous = (CaS: 6.72598732421, A: 232.429480450), exactScales: [Double] = [], foldScales: [Double] = []
        for k in stride(from: 2.3, through: 2.8, by: 0.005) {
            var n = try v2Cell()
            for name in ["Na", "CaT", "KCa", "Kd", "H", "leak"] { n.setGbar(name, Self.v2[name]! * k) }
            n.setGbar("CaS", previous.CaS)
            n.setGbar("A", previous.A)
            n.neuromodulation = Neuromodulation(conductances: ["CaS", "A"], gs: 5, gu: 4, thresholdVoltage: -49.68)
            let c = try CompiledNeuron(n)
            let y = c.initialState()
            let r = c.controllerReference(state: y)
            let exact = y.withUnsafeBufferPointer { c.controllerReferenceIsExact(state: $0.baseAddress!) }
            // Continuity: no jump to the far branch (ḡ_CaS ≈ 500–700, ḡ_A ≈ 10⁴). The root moves as a square
            // root of the distance to the fold, ≈ 5 % in the last step before it.
            #expect(k == 2.3 || abs(r["CaS"]! / previous.CaS - 1) < 0.1 && abs(r["A"]! / previous.A - 1) < 0.1,
                    "×\(k): \(r) after \(previous)")
            // Independently (full DIC computations): with ḡ_A eliminated by g_u = 4 (ḡ_A enters the DICs
            // linearly), the g_s residual over ḡ_CaS changes sign near the reference iff it is exact.
            var cell = n
            cell.neuromodulation = nil
            func residual(_ cas: Double) throws -> Double {
                cell.setGbar("CaS", cas)
                cell.setGbar("A", 0)
                let d0 = try DICCalculator(cell).dics(at: -49.68)
                cell.setGbar("A", 1)
                let d1 = try DICCalculator(cell).dics(at: -49.68)
                let a = (4 - d0.gu) / (d1.gu - d0.gu)
                return d0.gs + a * (d1.gs - d0.gs) - 5
            }
            let grid = try stride(from: 0.8, through: 1.25, by: 0.01).map { try residual($0 * r["CaS"]!) }
            let signChange = zip(grid, grid.dropFirst()).contains { ($0 <= 0) != ($1 <= 0) }
            #expect(signChange == exact, "×\(k): exact \(exact), residuals \(grid.first!)…\(grid.last!)")
            if exact {
                cell.setGbar("CaS", r["CaS"]!)
                cell.setGbar("A", r["A"]!)
                let d = try DICCalculator(cell).dics(at: -49.68)
                #expect(abs(d.gs - 5) < 1e-8 && abs(d.gu - 4) < 1e-8, "×\(k): \(d.gs), \(d.gu)")
                exactScales.append(k)
            } else { foldScales.append(k) }
            previous = (r["CaS"]!, r["A"]!)
        }
        // The fold lies inside the range, and the branch stays lost past it.
        #expect(!exactScales.isEmpty && !foldScales.isEmpty && exactScales.max()! < foldScales.min()!,
                "exact up to ×\(exactScales.max() ?? .nan), closest approach from ×\(foldScales.min() ?? .nan)")
    }

    @Test("the controller starts at its steady state and holds the cell there when the targets are its own DICs")
    func steadyState() throws {
        var n = try v2Cell()
        let vth = try DICCalculator(n).threshold(.grid).V
        let d = try DICCalculator(n).dics(at: vth)
        n.neuromodulation = Neuromodulation(conductances: ["CaS", "A"], gs: d.gs, gu: d.gu, thresholdVoltage: vth)
        let c = try CompiledNeuron(n)
        let y = c.initialState()
        var dy = y
        y.withUnsafeBufferPointer { yp in dy.withUnsafeMutableBufferPointer { c.rightHandSide(0, yp.baseAddress!, $0.baseAddress!) } }
        for name in ["CaS", "A"] {
            for part in ["gbar", "pool", "z"] {
                let i = c.layout.index(of: "neuromodulation.\(name).\(part)")!
                #expect(abs(dy[i]) < 1e-9 * max(1, abs(y[i])), "d\(name).\(part)/dt = \(dy[i])")
            }
        }
        _ = y
    }

    @Test("after a target step g_s and g_u at threshold reach their targets (controlled V2 cell, no homeostasis)")
    func tracking() throws {
        var n = try v2Cell()
        let vth = try DICCalculator(n).threshold(.grid).V
        n.neuromodulation = Neuromodulation(conductances: ["CaS", "A"], gs: 5, gu: 4, thresholdVoltage: vth)
        var request = SimulationRequest(neuron: n, duration: 20000)
        request.events = [ProtocolEvent(time: 2000, action: .dicTargets(gs: -8, gu: nil))]
        request.conductanceTimes = [20000]
        let r = try simulate(request)
        var end = n
        end.neuromodulation = nil
        for (name, g) in r.conductanceSamples[0].conductances { end.setGbar(name, g) }
        let d = try DICCalculator(end).dics(at: vth)
        #expect(abs(d.gs - -8) < 0.08 && abs(d.gu - 4) < 0.04, "g_s = \(d.gs), g_u = \(d.gu) at 18 s after the step")
        #expect(r.features.pattern == .bursting, "\(r.features.rule)")
    }

    @Test("V2 cell, controlled, 300 s: tonic, then bursting; g_s on target; homeostasis grows then shrinks the cell with its ratios kept",
          arguments: [Profile.paper, .ganglion])
    func v2Controlled(profile: Profile) throws {
        let e = try Experiment.load(packageRoot() + "/examples/paper/v2-controlled.json", profile: profile)
        #expect(e.request.neuron.neuromodulation == nil && e.neuromodulation != nil)
        let folder = temporaryPath("v2-controlled")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var runner = ExperimentRunner(experiment: e, folder: folder)
        let request = try e.request(forCell: 0)
        #expect(request.neuron.neuromodulation!.thresholdVoltage == -49.68, "V_th is the initial cell's grid threshold")
        #expect(request.neuron.neuromodulation!.variant == (profile == .paper ? .paper : .exact))
        runner.experiment.traceInterval = nil   // no trace file needed here
        let summary = try runner.run().summary
        let windows = summary["windows"] as! [[String: Any]]
        #expect(windows[0]["pattern"] as? String == "tonic", "3–150 s: \(windows[0]["pattern"]!)")
        #expect(windows[1]["pattern"] as? String == "bursting", "152–300 s: \(windows[1]["pattern"]!)")
        let snapshots = (summary["snapshots"] as! [[String: Any]]).map { $0["pattern"] as! String }
        #expect(snapshots == ["tonic", "bursting", "bursting"])
        let (header, rows) = try readCSV(folder + "/conductances.csv")
        func column(_ n: String) -> Int { header.firstIndex(of: n)! }
        func at(_ t: Double) -> [Double] { rows.first { $0[0] == t }! }
        // g_s at threshold on target (exact DICs of the conductances in effect) once the homeostatic drift is slow.
        for r in rows where (60_000...150_000).contains(r[0]) { #expect(abs(r[column("g_s_at_Vth")] / 5 - 1) < 0.015, "t = \(r[0])") }
        for r in rows where (200_000...300_000).contains(r[0]) { #expect(abs(r[column("g_s_at_Vth")] / -8 - 1) < 0.01, "t = \(r[0])") }
        // Homeostasis: grows during spiking, shrinks during bursting, ratios conserved (Na/Kd, CaT/H).
        let na = column("g_Na_mS_cm2"), kd = column("g_Kd_mS_cm2"), cat = column("g_CaT_mS_cm2"), h = column("g_H_mS_cm2")
        #expect(at(149_000)[na] > 2 * at(0)[na] && at(299_000)[na] < 0.5 * at(149_000)[na])
        for r in rows {
            #expect(abs((r[na] / r[kd]) / (at(0)[na] / at(0)[kd]) - 1) < 1e-6)
            #expect(abs((r[cat] / r[h]) / (at(0)[cat] / at(0)[h]) - 1) < 1e-6)
        }
        #expect(abs(at(300_000)[1] / 125 - 1) < 0.02, "the calcium average ends at the target")
        if profile == .ganglion {
            // The exact reference passes its fold during the growth (≈ ×2.58, tested above) and holds the
            // closest approach: no jump to the far branch (ḡ_CaS ≈ 700), the cell stays tonic (checked above).
            let approach = summary["reference_closest_approach_ms"] as! Double
            #expect(approach > 30_000 && approach < 150_000, "\(approach) ms past the fold")
            #expect(rows.allSatisfy { $0[column("ref_CaS_mS_cm2")] < 100 }, "no far-branch reference")
        } else {
            #expect(summary["reference_closest_approach_ms"] == nil, "the linearised reference has no fold")
        }
    }
}
