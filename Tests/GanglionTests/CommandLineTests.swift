import Foundation
import Testing
import Ganglion

/// Runs an executable to completion; its exit status and what it printed.
/// A process killed by a signal reports 128 + the signal, as a shell does.
func runProcess(_ executable: String, _ arguments: [String], in folder: String? = nil,
                environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let folder { p.currentDirectoryURL = URL(fileURLWithPath: folder) }
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    return (status, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Runs the built `ganglion` tool (the test command builds it first).
func ganglion(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let root = packageRoot()
    let candidates = [".build/release/ganglion", ".build/debug/ganglion"].map { root + "/" + $0 }
    guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "ganglion executable: build it first (swift build -c release)"])
    }
    return try runProcess(tool, arguments, in: root)
}

@Suite("Command line")
struct CommandLineTests {
    @Test("simulate --json prints exactly one JSON object with the documented keys")
    func simulateJSON() throws {
        let path = temporaryPath("cli.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try ganglion(["simulate", "models/stg/stg-spiking.json", "--duration", "4000", "--out", path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        for key in ["spikes", "frequency_hz", "burstiness_hz2", "spikes_per_burst", "intraburst_hz", "interburst_hz",
                    "burst_period_ms", "duty_cycle", "pattern", "mean_ca", "window_ms", "solver", "wall_ms"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["pattern"] as? String == "tonic")
        #expect(object["burstiness_hz2"] is NSNull)
        #expect((object["window_ms"] as? [Double]) == [3000, 4000])
        let solver = object["solver"] as! [String: Any]
        #expect(solver["name"] as? String == "cvode-bdf")
        for key in ["rtol", "atol", "steps", "rhs_evals"] { #expect(solver[key] != nil, "missing solver.\(key)") }
        // analyze gives the same summary from the file.
        let a = try ganglion(["analyze", path, "--json"])
        #expect(a.status == 0, "\(a.stderr)")
        let analyzed = try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as! [String: Any]
        #expect(analyzed["spikes"] as? Int == object["spikes"] as? Int)
        #expect(abs((analyzed["frequency_hz"] as! Double) - (object["frequency_hz"] as! Double)) < 1e-9)
    }

    @Test("bad command lines exit non-zero with a message naming the problem", arguments: [
        (["simulate", "stg-bursting", "--duration", "-1"], "--duration -1.0: must be a finite number of ms > 0"),   // a negative value reaches the check
        (["simulate", "stg-bursting", "--duration", "100", "--dt-out", "-0.1"], "--dt-out -0.1"),
        (["network", "examples/networks/hco.json", "--duration", "-5"], "--duration -5.0: must be a finite number of ms > 0"),
        (["simulate", "nonexistent.json", "--duration", "100"], "nonexistent.json"),
        (["simulate", "stg-bursting", "--duration", "100", "--solver", "euler"], "euler"),
        (["simulate", "stg-bursting", "--duration", "100", "--window", "5:2"], "--window"),
        (["simulate", "stg-bursting", "--duration", "100", "--rtol", "2"], "--rtol"),
        (["simulate", "stg-bursting", "--duration", "100", "--dt", "0.01"], "--dt"),
        (["simulate", "stg-bursting", "--duration", "100", "--record", "Nope.m"], "Nope.m"),
        (["simulate", "stg-bursting", "--duration", "100", "--out", "/dev/null/x.csv"], "/dev/null/x.csv"),
        (["simulate", "stg-bursting", "--duration", "200", "--solver", "rk4", "--dt", "0.05"], "failed at t ="),
        (["analyze", "nonexistent.csv"], "nonexistent.csv"),
        (["compensate", "stg-bursting", "--unknowns", "CaS,A", "--target", "gx=3"], "unknown DIC 'gx'"),
        (["compensate", "stg-bursting", "--unknowns", "CaL,A", "--target", "gs=-8,gu=4"], "unknown conductance 'CaL'"),
        (["compensate", "da-spiking", "--unknowns", "CaS", "--target", "gs=-4"], "unknown conductance 'CaS'"),
        (["compensate", "stg-bursting", "--unknowns", "Kd", "--target", "gu=4", "--at", "-50"], "singular"),
        (["compensate", "stg-bursting", "--unknowns", "CaS,A", "--target", "gs=-8,gu=4", "--at", "500"], "500"),
        (["compensate", "stg-bursting", "--unknowns", "CaS,A", "--target", "gs=-8,gu=4", "--at", "hot"], "--at"),
        (["dics", "stg-bursting", "--at", "900"], "--at"),
        (["simulate", "stg-bursting", "--duration", "100", "--event", "50:block:H:1.5"], "fraction 1.5"),
        (["simulate", "stg-bursting", "--duration", "100", "--event", "50:melt:H"], "unknown action"),
        (["dics", "stg-bursting", "--curve", "0:-80:1", "--out", "x.csv"], "--curve"),
        (["bench", "--solvers", "exp-euler@x", "--repeats", "1", "--memory-duration", "0"], "bad step in 'exp-euler@x'"),
        (["bench", "--only-extras", "--memory-duration", "0", "--network-sizes", "2", "--network-solvers", "bogus"], "unknown solver 'bogus'"),
        (["network", "examples/networks/hco.json", "--dt", "0.01", "--duration", "10", "--out", "/tmp/ganglion-dt-cvode"],
         "--dt applies to the fixed-step solvers"),   // the file's solver is CVODE: --dt would be ignored
        (["network", "examples/networks/hco.json", "--dt", "0", "--duration", "10"], "--dt must be > 0"),
    ])
    func badArguments(arguments: [String], mention: String) throws {
        let r = try ganglion(arguments)
        #expect(r.status != 0)
        #expect(r.stderr.contains(mention), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"), "crashed: \(r.stderr)")
    }

    @Test("bench: a solver that fails gets a row saying why, the other rows are still measured, and the exit is non-zero")
    func benchKeepsOtherRows() throws {
        let r = try ganglion(["bench", "--solvers", "rk4@0.05,exp-euler@0.1", "--repeats", "1", "--duration", "300",
                              "--memory-duration", "0"])
        #expect(r.status != 0)
        let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("| rk4") || $0.hasPrefix("| exp-euler") }
        #expect(rows.count == 2, "\(r.stdout)")
        #expect(rows.first { $0.hasPrefix("| rk4") }?.contains("failed: rk4 failed at t =") == true, "\(r.stdout)")
        #expect(rows.first { $0.hasPrefix("| exp-euler") }?.contains("| 3000 |") == true, "\(r.stdout)")   // 300 ms at 0.1 ms: 3000 steps
        #expect(r.stderr.contains("1 of the solvers failed"), "\(r.stderr)")
    }

    @Test("a malformed model file names the file and the field")
    func malformedModelFile() throws {
        let path = temporaryPath("bad-model.json")
        try #"{"kind": "stg", "conductances": {"Na": -4000, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try ganglion(["simulate", path, "--duration", "100"])
        #expect(r.status != 0)
        #expect(r.stderr.contains(path) && r.stderr.contains("conductances.Na") && r.stderr.contains("-4000"), "\(r.stderr)")
    }

    @Test("compensate --out writes a model file that reads back with the solved conductances and achieved DICs")
    func compensateRoundTrip() throws {
        let path = temporaryPath("compensated.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try ganglion(["compensate", "models/stg/stg-spiking.json", "--unknowns", "CaS,A", "--target", "gs=-8,gu=4",
                              "--out", path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let solved = o["solved"] as! [String: Double]
        let d = try ganglion(["dics", path, "--json"])
        #expect(d.status == 0, "\(d.stderr)")
        let dics = try JSONSerialization.jsonObject(with: Data(d.stdout.utf8)) as! [String: Any]
        let at = dics["at_threshold"] as! [String: Double]
        // The compensated cell's own grid threshold may move by a grid step; at the solve voltage the DICs are exact.
        let again = try ganglion(["dics", path, "--at", String(o["V"] as! Double), "--json"])
        let exact = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as! [String: Any]
        #expect(abs((exact["gs"] as! Double) + 8) < 1e-8 && abs((exact["gu"] as! Double) - 4) < 1e-8)
        #expect(at["gs"] != nil)
        let model = try ModelFile.load(path)
        // (stdout was read with JSONSerialization, which may lose the last digit.)
        #expect(abs(model.gbar("CaS")! - solved["CaS"]!) < 1e-12 * solved["CaS"]! && abs(model.gbar("A")! - solved["A"]!) < 1e-12 * solved["A"]!)
        #expect(model.gbar("Na") == 4000)
    }

    @Test("dics --curve writes g_f, g_s, g_u, g_in over V; --json has the documented keys")
    func dicsCurve() throws {
        let path = temporaryPath("curve.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try ganglion(["dics", "stg-doc-800", "--curve", "-80:0:0.5", "--out", path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        for key in ["V", "gf", "gs", "gu", "threshold", "at_threshold", "S"] { #expect(o[key] != nil, "missing \(key)") }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "V_mV,gf,gs,gu,gin")
        #expect(lines.count == 1 + 161)
        let last = lines.last!.split(separator: ",").map { Double($0)! }
        #expect(last[0] == 0 && abs(last[1] - 2712.186654147375) < 1e-5 && abs(last[4] - (last[1] + last[2] + last[3])) < 1e-5)
    }
}

@Suite("run --solver")
struct RunSolverOverrideTests {
    @Test("run --solver/--dt replace the file's solver, are kept for --resume, and cannot be changed on --resume")
    func solverOverride() throws {
        let dir = temporaryPath("run-solver")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try ganglion(["run", "examples/h-blockade.json", "--out", dir, "--solver", "exp-euler", "--dt", "0.025", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))) as! [String: Any]
        let solver = try #require(summary["solver"] as? [String: Any])
        #expect(solver["name"] as? String == "exp-euler")
        #expect(solver["dt_ms"] as? Double == 0.025)
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/run.json"))) as! [String: Any]
        #expect(run["solver"] as? String == "exp-euler" && run["dt"] as? Double == 0.025)
        let bad = try ganglion(["run", "--resume", dir, "--solver", "cvode-bdf"])
        #expect(bad.status != 0 && bad.stderr.contains("--resume continues"), "\(bad.stderr)")
        let badDt = try ganglion(["run", "examples/h-blockade.json", "--out", dir, "--dt", "-1"])
        #expect(badDt.status != 0 && badDt.stderr.contains("--dt"), "\(badDt.stderr)")
    }
}
