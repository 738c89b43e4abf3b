import Foundation
import Testing
import Ganglion

@Suite("Network files")
struct NetworkFileTests {
    static let examples = ["hco", "five-cell-controlled", "five-cell-sharp", "quadruped-gait"]

    func load(_ name: String, profile: Profile? = nil) throws -> NetworkExperiment {
        try NetworkExperiment.load(packageRoot() + "/examples/networks/\(name).json", profile: profile)
    }

    @Test("every example network loads in both profiles", arguments: examples)
    func examplesLoad(name: String) throws {
        for p in Profile.allCases {
            let e = try load(name, profile: p)
            #expect(e.profile == p)
            _ = try e.request.network.compile()
        }
    }

    @Test("five-cell circuit: k_KCa in every cell, per-cell V_th and targets, z(0) by profile")
    func fiveCellSetup() throws {
        let g = try load("five-cell-controlled")
        let p = try load("five-cell-controlled", profile: .paper)
        let scales = g.request.network.cells.map { $0.neuron.conductances.first { $0.name == "KCa" }!.tauScale }
        #expect(scales == [2, 2, 2, 20, 20])
        let targets = g.request.network.cells.map { $0.neuron.neuromodulation!.gs }
        #expect(targets == [-8, -8, -8, 0, 0])
        // Each cell's V_th is its own grid threshold with its k_KCa (the controller uses it).
        for c in g.request.network.cells {
            let m = try #require(c.neuron.neuromodulation)
            var plain = c.neuron
            plain.neuromodulation = nil
            plain.homeostasis = nil
            #expect(abs(m.thresholdVoltage - (try DICCalculator(plain.effective()).threshold(.grid).V)) < 1e-9)
            #expect(Set(c.neuron.homeostasis!.timeConstants.keys) == ["Na", "CaT", "KCa", "Kd", "H", "leak"])
        }
        // The same population cell with and without k_KCa = 20 differs (k enters the generation solve).
        let plain = try Population.generate(.stg, count: 4, seed: 1).cells[3]
        #expect(plain.gbar("Na")! != g.request.network.cells[3].neuron.gbar("Na")!)
        let zg = try g.request.network.compile().initialState(), zp = try p.request.network.compile().initialState()
        let net = try g.request.network.compile()
        let k = try #require(net.layout.index(of: "c1.neuromodulation.CaS.z"))
        #expect(zp[k] == 0)
        #expect(zg[k] > 0)
        // Initial V from the seeded spread, Ca at Ca∞(V).
        for (i, c) in g.request.network.cells.enumerated() {
            #expect(c.neuron.initialVoltage >= -65 && c.neuron.initialVoltage <= -55)
            let ca = try CompiledNeuron(c.neuron).steadyCalcium(V: c.neuron.initialVoltage)
            #expect(abs(zg[net.offsets[i] + 1] - ca) < 1e-9 * max(ca, 1))
        }
    }

    @Test("five-cell sharp machinery: the sharp switch, then homeostasis on with m from ḡ(0)")
    func fiveCellSharpEvents() throws {
        var e = try load("five-cell-sharp")
        // The same protocol, compressed: sharp at 1 s, homeostasis on at 2 s; the run ends 1 ms later.
        e.request.events = e.request.events.map { var x = $0; x.time = x.time == 25_000 ? 1000 : 2000; return x }
        e.request.duration = 2001
        e.request.windows = [0...2001]
        let report = try simulateNetwork(e.request)
        let c4 = e.request.network.cells[3].neuron
        // The (−8, 4) solution of cell 4 at the threshold of the population cell it came from (the cell's
        // fixed V_th, as the controller's), computed independently.
        let generated = try Population.generate(.stg, count: 4, seed: 1, tauScales: ["KCa": 20]).cells[3]
        let vth = try DICCalculator(generated).threshold(.grid).V
        let solved = try compensate(c4, unknowns: ["CaS", "A"], targets: [.s: -8, .u: 4], at: .value(vth)).neuron
        let s = report.finalState
        // Within 1 ms of homeostasis (τ_X ≥ 10⁴ ms here) m and ḡ move by far less than 0.5 %.
        func near(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 5e-3 * abs(b) }
        for ch in ["CaS", "A"] {
            let m = try #require(s["c4.homeostasis.\(ch).m"]), g = try #require(s["c4.homeostasis.\(ch).gbar"])
            #expect(near(m, c4.gbar(ch)!), "\(ch): m \(m) starts from ḡ(0) = \(c4.gbar(ch)!)")
            #expect(near(g, solved.gbar(ch)!), "\(ch): ḡ \(g) is the (−8, 4) solution \(solved.gbar(ch)!)")
            #expect(!near(m, g), "\(ch): m was not reset")
        }
        // Cells 1–3 were never switched: m = ḡ = ḡ(0).
        let c1 = e.request.network.cells[0].neuron
        for ch in ["Na", "CaS", "A"] {
            #expect(near(s["c1.homeostasis.\(ch).m"]!, c1.gbar(ch)!))
            #expect(near(s["c1.homeostasis.\(ch).gbar"]!, c1.gbar(ch)!))
        }
    }

    @Test("bad network files are errors naming the field", arguments: [
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting"}], "synapses": [{"from": "a", "to": "a", "gbar": 1}]}"#, "synapses[0]", "self-synapse"),
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting"}], "synapses": [{"from": "a", "to": "z", "gbar": 1}]}"#, "synapses[0].to", "unknown cell 'z'"),
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting"}, {"name": "b", "cell": "stg-bursting"}], "synapses": [{"from": "a", "to": "b", "gbar": -1}]}"#, "synapses[0].gbar", "≥ 0"),
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting"}, {"name": "b", "cell": "stg-bursting"}], "synapses": [{"from": "a", "to": "b", "gbar": 1}, {"from": "a", "to": "b", "gbar": 2}]}"#, "synapses[1]", "duplicate synapse"),
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting"}, {"name": "b", "cell": "stg-bursting"}], "synapses": [{"from": "a", "to": "b", "gbar": 1, "type": "nicotinic"}]}"#, "synapses[0].type", "unknown type"),
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting"}, {"name": "b", "cell": "stg-bursting"}], "electrical": [{"between": ["a", "b"], "g": -0.1}]}"#, "electrical[0]", "≥ 0"),
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting"}, {"name": "a", "cell": "stg-bursting"}]}"#, "cells[1].name", "duplicate cell name"),
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting"}], "protocol": [{"t": 50, "cells": ["q"], "current": 1}]}"#, "protocol[0].cells", "unknown cell 'q'"),
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting"}], "protocol": [{"t": 50, "cells": "all", "start_homeostasis": {}}]}"#, "protocol", #"needs a "homeostasis" block"#),
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting"}], "protocol": [{"t": 50, "cells": "all", "block": "Nav"}]}"#, "protocol[0]", "unknown channel 'Nav'"),
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting", "dic_targets": {"g_s": 1}}]}"#, "cells[0].dic_targets", #"needs a "neuromodulation" block"#),
        (##"{"duration_ms": 100, "cells": [{"name": "a", "cell": "#3"}]}"##, "cells[0].cell", #"needs a "population""#),
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting", "tau_scale": {"KCa": 0}}]}"#, "cells[0].tau_scale.KCa", "> 0"),
        (#"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting"}], "wiring": []}"#, "wiring", "unknown key"),
    ])
    func badFiles(text: String, field: String, message: String) throws {
        do {
            _ = try NetworkExperiment.parse(Data(text.utf8), file: "bad.json", folder: packageRoot())
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.file == "bad.json")
            #expect(error.field?.hasPrefix(field) == true, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test("ganglion network writes the summary and a trace with one V column per cell; a bad file exits non-zero")
    func command() throws {
        let folder = temporaryPath("network-cli")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let r = try ganglion(["network", "examples/networks/hco.json", "--duration", "4000", "--out", folder, "--json", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let windows = try #require(summary["windows"] as? [[String: Any]])
        #expect((windows[0]["cells"] as? [[String: Any]])?.count == 2)
        // No controllers: no cell has a reference that could pass a fold.
        #expect((summary["reference_closest_approach_ms"] as? [String: Any])?.isEmpty == true)
        let header = try String(contentsOfFile: folder + "/trace.csv", encoding: .utf8).prefix { $0 != "\n" }
        #expect(header == "t_ms,A.V_mV,B.V_mV")
        #expect(FileManager.default.fileExists(atPath: folder + "/summary.json"))
        let bad = temporaryPath("bad-network.json")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        try #"{"duration_ms": 100, "cells": [{"name": "a", "cell": "stg-bursting"}], "synapses": [{"from": "a", "to": "a", "gbar": 1}]}"#
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let b = try ganglion(["network", bad, "--out", folder + "/bad", "--quiet"])
        #expect(b.status != 0)
        #expect(b.stderr.contains("synapses[0]") && b.stderr.contains("self-synapse"), "\(b.stderr)")
    }
}

@Suite("Network snapshots")
struct NetworkSnapshotTests {
    @Test("a snapshot of each network cell is the plain cell, with the conductances it has then, run alone")
    func snapshotsMatchPlainCells() throws {
        // Homeostasis changes both cells' conductances while they inhibit each other; the snapshots at 0 and at
        // the end must equal single-cell runs of the cells as they are then (rebuilt here from the final state).
        let json = #"""
        {"duration_ms": 6000,
         "homeostasis": {"Ca_target": 125, "tau_g": 100, "tau_Na": 600},
         "cells": [{"name": "A", "cell": "stg-bursting", "V0": -60}, {"name": "B", "cell": "stg-spiking", "V0": -52}],
         "synapses": [{"from": "A", "to": "B", "gbar": 0.3}, {"from": "B", "to": "A", "gbar": 0.3}],
         "outputs": {"trace": false, "snapshots_ms": [0, 6000], "snapshot": {"duration_ms": 4000, "window_ms": [1000, 4000]}}}
        """#
        let e = try NetworkExperiment.parse(Data(json.utf8), file: "net.json", folder: packageRoot())
        let report = try simulateNetwork(e.request)
        #expect(report.snapshots.map(\.cell) == ["A", "B", "A", "B"])
        #expect(report.snapshots.map(\.snapshot.time) == [0, 0, 6000, 6000])
        for s in report.snapshots {
            var cell = try NamedModel.named(s.cell == "A" ? "stg-bursting" : "stg-spiking")!.neuron()
            if s.snapshot.time > 0 {
                for n in cell.conductanceNames { cell.setGbar(n, max(report.finalState["\(s.cell).homeostasis.\(n).gbar"]!, 0)) }
            }
            #expect(s.snapshot.conductances["Na"] == cell.gbar("Na"))
            var r = SimulationRequest(neuron: cell, duration: 4000)
            r.window = 1000...4000
            let alone = try simulate(r)
            #expect(s.snapshot.features == alone.features, "\(s.cell) at \(s.snapshot.time) ms")
            #expect(s.snapshot.meanCalcium == alone.meanCalcium)
        }
        // Homeostasis moved the conductances between the two snapshots.
        #expect(abs(report.snapshots[2].snapshot.conductances["Na"]! / report.snapshots[0].snapshot.conductances["Na"]! - 1) > 0.01)
        #expect { _ = try NetworkExperiment.parse(Data(json.replacingOccurrences(of: "[0, 6000]", with: "[0, 7000]").utf8),
                                                 file: "net.json", folder: packageRoot()) } throws: { "\($0)".contains("outputs.snapshots_ms[1]") }
    }

    @Test("a snapshot window outside the snapshot run, or a bad snapshot duration, is an error naming the field and the value")
    func snapshotWindowErrors() throws {
        func parse(_ snapshot: String) throws {
            let json = #"{"duration_ms": 1000, "cells": [{"name": "A", "cell": "stg-bursting"}], "outputs": {"snapshots_ms": [500], "snapshot": "#
                + snapshot + "}}"
            _ = try NetworkExperiment.parse(Data(json.utf8), file: "net.json", folder: packageRoot())
        }
        try parse(#"{"duration_ms": 4000, "window_ms": [1000, 4000]}"#)
        #expect { try parse(#"{"duration_ms": 4000, "window_ms": [1000, 5000]}"#) } throws: { e in
            let m = "\(e)"
            return m.contains("outputs.snapshot.window_ms") && m.contains("ends after the snapshot run (4000.0 ms)")
        }
        #expect { try parse(#"{"duration_ms": 4000, "window_ms": [3000, 2000]}"#) } throws: { "\($0)".contains("outputs.snapshot.window_ms") }
        #expect { try parse(#"{"duration_ms": -5}"#) } throws: { e in
            let m = "\(e)"
            return m.contains("outputs.snapshot.duration_ms") && m.contains("-5")
        }
        #expect { try parse(#"{"window": [0, 1]}"#) } throws: { "\($0)".contains("window") }
    }
}
