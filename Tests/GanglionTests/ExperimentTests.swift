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
        #expect(trace.first == "t_ms,V_mV,Ca,I_H_uA_cm2")
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
    ])
    func badFiles(json: String, mention: String) {
        do {
            _ = try parse(json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.description.contains(mention), "\(error.description)")
        }
    }
}
