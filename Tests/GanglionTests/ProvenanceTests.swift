import Foundation
import Testing
import Ganglion

/// `ganglion --version`, and the provenance every result file records: which Ganglion (version, commit), the
/// command line and the platform.
@Suite("Version and provenance")
struct ProvenanceTests {
    /// Checks a `provenance` object: this build's version and commit, a command line containing `command`, a platform.
    static func checkProvenance(_ value: Any?, command: String, _ what: String) {
        guard let p = value as? [String: Any] else { Issue.record("\(what): no provenance object"); return }
        #expect(p["ganglion_version"] as? String == Provenance.current.version, "\(what): version")
        #expect(p["commit"] as? String == Provenance.current.commit, "\(what): commit")
        let line = p["command_line"] as? [String] ?? []
        #expect(line.contains(command), "\(what): command line \(line)")
        let platform = p["platform"] as? [String: Any] ?? [:]
        #expect(!(platform["os"] as? String ?? "").isEmpty && !(platform["architecture"] as? String ?? "").isEmpty,
                "\(what): platform \(platform)")
    }

    static func jsonFile(_ path: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test("ganglion --version prints the version and the commit the binary was built from")
    func version() throws {
        let r = try ganglion(["--version"])
        #expect(r.status == 0)
        let line = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shape = try NSRegularExpression(pattern: #"^ganglion [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{40}|[0-9a-f]{64}|unknown)\)$"#)
        #expect(shape.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil, "'\(line)'")
        #expect(line == Provenance.versionLine)
        // In a git checkout, the commit is HEAD's (the test command builds the binary first).
        if let git = ["/usr/bin/git", "/bin/git"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }),
           let head = try? runProcess(git, ["-C", packageRoot(), "rev-parse", "HEAD"]), head.status == 0 {
            #expect(line.hasSuffix("(commit \(head.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))"), "'\(line)' against HEAD \(head.stdout)")
        }
    }

    @Test("simulate --json: provenance, the gates' absolute tolerance (not a homeostatic state's), units in the trace header")
    func simulateSummary() throws {
        let dir = try temporaryFolder("provenance-simulate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try ganglion(["simulate", "stg-spiking", "--duration", "200", "--homeostasis", "125", "--out", dir + "/t.csv", "--json", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        Self.checkProvenance(summary["provenance"], command: "simulate", "simulate --json")
        let solver = try #require(summary["solver"] as? [String: Any])
        let atol = try #require(solver["atol_per_state"] as? [String: Double])
        #expect(atol["V"] == 1e-3 && atol["Ca"] == 1e-4 && atol["gates"] == 1e-6, "\(atol)")
        let header = try String(contentsOfFile: dir + "/t.csv", encoding: .utf8).prefix { $0 != "\n" }
        #expect(header.hasPrefix("t_ms,V_mV,Ca_au"), "\(header)")
    }

    @Test("run: summary.json and run.json record the provenance; conductances.csv names calcium's unit")
    func runFiles() throws {
        let dir = try temporaryFolder("provenance-run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let experiment = dir + "/e.json"
        try Data(#"""
        {"name": "p", "cell": "\#(packageRoot())/models/stg/stg-spiking.json", "duration_ms": 2000,
         "homeostasis": {"Ca_target": 125, "tau_g": 100, "tau_Na": 600, "regulate": ["Na", "Kd"]},
         "outputs": {"trace": {"dt_ms": 0.1}, "conductances": {"every_ms": 500, "calcium_average_ms": 1000}}}
        """#.utf8).write(to: URL(fileURLWithPath: experiment))
        let r = try ganglion(["run", experiment, "--out", dir + "/out", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        Self.checkProvenance(try Self.jsonFile(dir + "/out/summary.json")["provenance"], command: "run", "summary.json")
        Self.checkProvenance(try Self.jsonFile(dir + "/out/run.json")["provenance"], command: "run", "run.json")
        let header = try String(contentsOfFile: dir + "/out/conductances.csv", encoding: .utf8).prefix { $0 != "\n" }
        #expect(header.hasPrefix("t_ms,Ca_average_au,"), "\(header)")
    }

    @Test("NWB: simulate and export (from a run folder) write the provenance, and export the run's model, protocol and solver")
    func nwbFiles() throws {
        let dir = try temporaryFolder("provenance-nwb")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var r = try ganglion(["simulate", "stg-spiking", "--duration", "300", "--out", dir + "/s.nwb", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        try #require(FileManager.default.fileExists(atPath: dir + "/s.nwb"))
        r = try ganglion(["simulate", "stg-spiking", "--duration", "300", "--out", dir + "/s.csv", "--quiet"])
        let simulated = try checkNWB(dir + "/s.nwb", against: dir + "/s.csv")
        let script = try #require((simulated["source_script"] as? String).map { Data($0.utf8) })
        Self.checkProvenance(try JSONSerialization.jsonObject(with: script), command: "simulate", "simulate's NWB")

        try Data(#"""
        {"name": "blockade-export", "cell": "\#(packageRoot())/models/stg/stg-bursting.json", "duration_ms": 2000,
         "protocol": [{"t": 1000, "block": "H", "fraction": 0}], "outputs": {"trace": {"dt_ms": 0.1}}}
        """#.utf8).write(to: URL(fileURLWithPath: dir + "/e.json"))
        r = try ganglion(["run", dir + "/e.json", "--out", dir + "/run", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try ganglion(["export", dir + "/run/trace.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let exported = try checkNWB(dir + "/run/trace.nwb", against: dir + "/run/trace.csv")
        let exportScript = try #require((exported["source_script"] as? String).map { Data($0.utf8) })
        Self.checkProvenance(try JSONSerialization.jsonObject(with: exportScript), command: "export", "export's NWB")
        #expect((exported["notes"] as? String)?.contains("blockade-export") == true, "the experiment file in general/notes")
        #expect((exported["protocol"] as? String)?.contains("1000") == true, "the block at 1 s in general/protocol")
        #expect((exported["data_collection"] as? String)?.contains("cvode-bdf") == true, "the solver in general/data_collection")
        #expect((exported["validation_errors"] as? [Any])?.isEmpty == true, "\(exported["validation_errors"] ?? "")")
        #expect(inspectorErrors(exported).isEmpty, "\(inspectorErrors(exported))")
    }

    @Test("network summary records the provenance")
    func networkSummary() throws {
        let folder = temporaryPath("provenance-network")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let r = try ganglion(["network", "examples/networks/hco.json", "--duration", "500", "--out", folder, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        Self.checkProvenance(try Self.jsonFile(folder + "/summary.json")["provenance"], command: "network", "network summary.json")
    }

    @Test("analyze reads the calcium column of files written before it carried its unit ('Ca')")
    func oldCalciumColumn() throws {
        let dir = try temporaryFolder("provenance-old-ca")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var text = "t_ms,V_mV,Ca\n"
        for i in 0...400 { text += "\(Double(i) * 10),\(i % 10 == 0 ? 30 : -60),\(i % 2 == 0 ? 1 : 3)\n" }
        try text.write(toFile: dir + "/old.csv", atomically: true, encoding: .utf8)
        let r = try ganglion(["analyze", dir + "/old.csv", "--window", "0:4000", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(abs((o["mean_ca"] as? Double ?? 0) - 2) < 0.01, "\(o["mean_ca"] ?? "nil")")
    }
}
