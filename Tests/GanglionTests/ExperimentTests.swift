import Foundation
import Testing
import Ganglion

@Suite("Experiment files")
struct ExperimentTests {
    func parse(_ json: String) throws(ModelFileError) -> Experiment {
        try Experiment.parse(Data(json.utf8), file: "exp.json", folder: packageRoot() + "/examples")
    }

    @Test("the shipped examples parse; the H-blockade example changes the firing while H is blocked")
    func examples() throws {
        let e = try Experiment.load(packageRoot() + "/examples/h-blockade.json")
        #expect(e.request.events.count == 2 && e.request.extraWindows.count == 3 && e.request.traceWindow == 3000...12000)
        var request = e.request
        request.tracePath = nil
        let r = try simulate(request)
        let n = r.windowFeatures.map { $0.features.spikesPerBurst }
        #expect(n[0] == 5 && n[2] == 5 && n[1] != 5, "spikes per burst before/during/after: \(n)")
        _ = try Experiment.load(packageRoot() + "/examples/homeostasis.json")
    }

    @Test("ganglion run writes summary.json with the windows and the trace restricted to its window")
    func runCommand() throws {
        let folder = temporaryPath("run")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let r = try ganglion(["run", "examples/h-blockade.json", "--out", folder, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))) as! [String: Any]
        #expect((summary["windows"] as! [Any]).count == 3)
        #expect((summary["events"] as! [Any]).count == 2)
        let trace = try String(contentsOfFile: folder + "/trace.csv", encoding: .utf8).split(separator: "\n")
        #expect(trace.first == "t_ms,V_mV,Ca_au,I_H_uA_cm2")
        #expect(trace[1].hasPrefix("3000,") && trace.last!.hasPrefix("12000,"))
    }

    static let cell = #""cell": "../models/stg/stg-bursting.json""#

    @Test("bad experiment files are errors naming the field", arguments: [
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "colour": 1}"#, "colour"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 0}"#, "duration_ms"),
        (#"{"cell": "../models/stg/nope.json", "duration_ms": 100}"#, "nope.json"),
        (#"{"duration_ms": 100}"#, "cell"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "protocol": [{"t": 50, "block": "H"}, {"t": 20, "unblock": "H"}]}"#, "protocol[1]"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "protocol": [{"t": 50, "block": "NaP"}]}"#, "unknown channel 'NaP'"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "protocol": [{"t": 50, "block": "H", "fraction": 1.5}]}"#, "fraction 1.5"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "protocol": [{"t": 50, "block": "H", "unblock": "H"}]}"#, "exactly one"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "protocol": [{"t": 50, "block": "H", "speed": 2}]}"#, "protocol[0].speed"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "outputs": {"windows_ms": [[50, 500]]}}"#, "outside the run"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "solver": {"name": "euler"}}"#, "unknown solver"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "homeostasis": {"tau_g": 100}}"#, "Ca_target"),
        (#"{"cell": {"kind": "stg", "conductances": {"Na": -1}}, "duration_ms": 100}"#, "conductances"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "protocol": [{"t": 50, "ramp": 1}]}"#, "until"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "protocol": [{"t": 50, "ramp": 1, "until": 40}]}"#, "end after it starts"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "protocol": [{"t": 50, "sharp": {"g_s": -8}, "conductances": ["CaS", "NaP"]}]}"#, "NaP"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "protocol": [{"t": 50, "dic_targets": {"g_s": -8}}]}"#, "neuromodulation controller"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "protocol": [{"t": 50, "block": "H", "value": 3}]}"#, "does not go with"),
        (#"{"cell": "../models/stg/stg-bursting.json", "population": "x.json", "duration_ms": 100}"#, "not both"),
        (#"{"population": {"generate": "stg", "count": 2.5, "seed": 1}, "duration_ms": 100}"#, "population.count"),
        (#"{"population": {"generate": "stg", "count": 2}, "duration_ms": 100}"#, "population.seed': missing"),
        (#"{"population": {"generate": "stg", "count": 2, "seed": -1}, "duration_ms": 100}"#, "whole number ≥ 0"),
        (#"{"cell": "../models/stg/stg-bursting.json", "cells": 3, "duration_ms": 100}"#, "only with a population"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "homeostasis": {"Ca_target": 125, "form": "oleary"}}"#, "tau_m"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "homeostasis": {"Ca_target": 125, "regulate": ["NaP"]}}"#, "NaP"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "profile": "julia"}"#, "unknown profile"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "outputs": {"conductances": {"every_ms": 300, "calcium_average_ms": 5000}}}"#, "multiple"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "outputs": {"snapshots_ms": [200]}}"#, "outside the run"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "homeostasis": {"Ca_target": 125, "regulate": ["Na", "A"]}, "neuromodulation": {"g_s": 5, "g_u": 4}}"#, "disjoint"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "neuromodulation": {"g_s": 5}}"#, "neuromodulation.g_u"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "neuromodulation": {"g_s": 5, "g_u": 4, "conductances": ["CaS", "NaP"]}}"#, "NaP"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "neuromodulation": {"g_s": 5, "g_u": 4, "K_p": -1}}"#, "neuromodulation.K_p"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "neuromodulation": {"g_s": 5, "g_u": 4, "conductances": ["Na", "Kd"]}}"#, "cannot set g_s and g_u"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "neuromodulation": {"g_s": 5, "g_u": 4, "integrator_start": "one"}}"#, "integrator_start"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "neuromodulation": {"g_s": 5, "g_u": 4}, "protocol": [{"t": 50, "set": "A", "value": 3}]}"#, "neuromodulation controller"),
        (#"{"cell": "../models/stg/stg-bursting.json", "duration_ms": 100, "prepare": {"duration_ms": 100, "dic_targets": {"g_s": -8}}}"#, "needs a neuromodulation controller"),
    ])
    func badFiles(json: String, mention: String) {
        do {
            _ = try parse(json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.description.contains(mention), "\(error.description)")
        }
    }

    @Test("sharp neuromodulation in a population experiment: at exactly 150 s CaS and A jump to the compensation solve's values (paper profile: from the 149 s conductances)")
    func sharpPopulation() throws {
        let json = #"""
        {"population": {"generate": "stg", "count": 2, "seed": 1}, "duration_ms": 150200, "profile": "paper",
         "homeostasis": {"Ca_target": 125},
         "protocol": [{"t": 150000, "sharp": {"g_s": -8, "g_u": 4}}],
         "outputs": {"trace": {"dt_ms": 0.1, "window_ms": [148999, 150001],
                               "record": ["homeostasis.Na.gbar", "homeostasis.CaT.gbar", "homeostasis.CaS.gbar", "homeostasis.A.gbar",
                                          "homeostasis.KCa.gbar", "homeostasis.Kd.gbar", "homeostasis.H.gbar", "homeostasis.leak.gbar",
                                          "homeostasis.A.m", "homeostasis.Kd.m"]}}}
        """#
        let e = try parse(json)
        #expect(e.isPopulation && e.cells.count == 2 && e.profile == .paper)
        let folder = temporaryPath("sharp-population")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outcome = try ExperimentRunner(experiment: e, folder: folder).run()
        #expect(outcome.failures == 0 && (outcome.summary["rows"] as! [Any]).count == 2)
        for (k, cell) in e.cells.enumerated() {
            let (header, rows) = try readCSV("\(folder)/cells/\(cell.index!)/trace.csv")
            let at = rows.filter { $0[0] == 150000 }
            #expect(at.count == 2, "the state just before and just after the switch")
            func column(_ n: String) -> Int { header.firstIndex(of: n)! }
            // An independent solve with the conductances of 1 s before the switch (the authors' last 1 s sample),
            // at the initial cell's threshold.
            let sample = rows.filter { $0[0] == 149000 }
            #expect(sample.count == 1)
            var before = e.cells[k].neuron
            for n in before.conductanceNames { before.setGbar(n, sample[0][column("homeostasis.\(n).gbar")]) }
            let vth = try DICCalculator(e.cells[k].neuron).threshold(.grid).V
            let solved = try compensate(before, unknowns: ["CaS", "A"], targets: [.s: -8, .u: 4], at: .value(vth), variant: .paper).solved
            #expect(abs(at[1][column("homeostasis.CaS.gbar")] / solved["CaS"]! - 1) < 1e-6)
            #expect(abs(at[1][column("homeostasis.A.gbar")] / solved["A"]! - 1) < 1e-6)
            #expect(at[1][column("homeostasis.A.m")] == at[1][column("homeostasis.A.gbar")])
            // The paper's restart: V back to −70 mV (the cell's initial V), the other conductances from 149 s,
            // every other m reset to its ḡ.
            #expect(at[1][1] == e.cells[k].neuron.initialVoltage)
            #expect(at[1][column("homeostasis.Kd.m")] == at[1][column("homeostasis.Kd.gbar")])
            #expect(sample[0][column("homeostasis.Kd.gbar")] == at[1][column("homeostasis.Kd.gbar")])
            #expect(at[0][column("homeostasis.Kd.gbar")] != at[1][column("homeostasis.Kd.gbar")])
        }
    }

    @Test("the O'Leary form takes τ_m per channel and a calcium target from a reference run's mean calcium")
    func olearyReferenceTarget() throws {
        let json = #"""
        {"cell": "../models/stg/stg-spiking.json", "duration_ms": 2000,
         "homeostasis": {"form": "oleary", "Ca_target": "reference", "reference_window_ms": [1000, 4000],
                         "tau_m": {"Na": 600, "Kd": 5000}, "tau_g": 100}}
        """#
        let e = try parse(json)
        let request = try e.request(forCell: 0)
        var plain = SimulationRequest(neuron: e.cells[0].neuron, duration: 4000)
        plain.window = 1000...4000
        let reference = try simulate(plain).meanCalcium!
        let h = request.neuron.homeostasis!
        #expect(h.calciumTarget == reference && h.timeConstants == ["Na": 600, "Kd": 5000] && h.tauG == 100)
    }
}

@Suite("ganglion run --resume")
struct ResumeCommandTests {
    @Test("Ctrl-C during a run keeps a checkpoint; --resume finishes it with the same result as an uninterrupted run")
    func interruptAndResume() throws {
        let root = packageRoot()
        let experiment = temporaryPath("resume-experiment.json")
        let whole = temporaryPath("resume-whole"), parts = temporaryPath("resume-parts")
        defer { for p in [experiment, whole, parts] { try? FileManager.default.removeItem(atPath: p) } }
        try """
        {"name": "resume", "cell": "\(root)/models/stg/stg-spiking.json", "duration_ms": 150000,
         "homeostasis": {"Ca_target": 125},
         "outputs": {"trace": {"dt_ms": 0.1, "window_ms": [140000, 150000]}, "conductances": {"every_ms": 1000},
                     "windows_ms": [[3000, 150000]], "checkpoint_every_ms": 2000}}
        """.write(toFile: experiment, atomically: true, encoding: .utf8)
        let reference = try ganglion(["run", experiment, "--out", whole, "--quiet"])
        #expect(reference.status == 0, "\(reference.stderr)")
        // Interrupt once a checkpoint exists.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: root + "/.build/release/ganglion")
        p.arguments = ["run", experiment, "--out", parts, "--quiet"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: parts + "/checkpoint.json"), p.isRunning, Date() < deadline { usleep(20_000) }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        guard p.terminationStatus == 130 else {
            Issue.record("the run was not interrupted (status \(p.terminationStatus)); it may have finished first")
            return
        }
        #expect(FileManager.default.fileExists(atPath: parts + "/trace.csv.partial") || FileManager.default.fileExists(atPath: parts + "/conductances.csv.partial"))
        let resumed = try ganglion(["run", "--resume", parts, "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        func summary(_ dir: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))) as! [String: Any]
        }
        let a = try summary(whole), b = try summary(parts)
        #expect(b["resumed_at_ms"] != nil)
        #expect(a["final_state"] as! [String: Double] == b["final_state"] as! [String: Double])
        #expect(a["spikes"] as! Int == b["spikes"] as! Int)
        for file in ["trace.csv", "conductances.csv"] {
            #expect(try String(contentsOfFile: "\(whole)/\(file)", encoding: .utf8) == String(contentsOfFile: "\(parts)/\(file)", encoding: .utf8), "\(file)")
        }
        let again = try ganglion(["run", "--resume", parts])
        #expect(again.status == 0 && again.stdout.contains("complete"))
    }
}
