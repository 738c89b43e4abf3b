import Foundation
import Testing
import Ganglion

/// Kills runs at every kill point (`GANGLION_KILL_AT`: just before and after each file is renamed into
/// place, and before a finished run removes its checkpoint) and at random moments, resumes them, and compares
/// every output with an uninterrupted run's, byte for byte (summaries without the fields that describe the
/// process rather than the result: wall time, run id, the time a run was resumed at).
@Suite("Kill and resume", .serialized)
struct KillResumeTests {
    static let volatile: Set<String> = ["wall_ms", "run_id", "resumed_at_ms", "cells_per_minute", "trace", "conductances_file",
                                        "started", "provenance", "command_line"]

    /// The folder's result files with the volatile summary fields removed.
    static func results(_ folder: String) -> [String: String] {
        var out: [String: String] = [:]
        for (name, data) in snapshot(folder) {
            let file = PathParts.name(of: name)
            if file.hasPrefix(".") || ["run.json", "experiment.json"].contains(file) { continue }
            if file.hasSuffix(".json"), let o = try? JSONSerialization.jsonObject(with: data) {
                out[name] = String(decoding: try! JSONSerialization.data(withJSONObject: strip(o), options: [.sortedKeys]), as: UTF8.self)
            } else {
                out[name] = String(decoding: data, as: UTF8.self)
            }
        }
        return out
    }

    static func strip(_ o: Any) -> Any {
        if let d = o as? [String: Any] {
            // Paths of output files (they name the folder) are not results.
            return d.filter { !volatile.contains($0.key) && !($0.key == "conductances" && $0.value is String) }.mapValues(strip)
        }
        if let a = o as? [Any] { return a.map(strip) }
        return o
    }

    /// Kills the run at kill point 1, 2, … (every `stride`-th) until one completes, resumes each and compares.
    func killEverywhere(_ experiment: String, command: String = "run", stride: Int = 1, options: [String] = []) throws -> Int {
        let work = scratchFolder("kill")
        write(experiment, to: work + "/e.json")
        let reference = try ganglion([command, "e.json", "--out", "ref", "--quiet"] + options, in: work)
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = Self.results(work + "/ref")
        #expect(!expected.isEmpty)
        var point = 1, killed = 0
        while point < 400 {
            let folder = "k\(point)"
            let r = try ganglion([command, "e.json", "--out", folder, "--quiet"] + options, in: work, environment: ["GANGLION_KILL_AT": "\(point)"])
            if r.status == 0 { break }   // past the last kill point
            #expect(r.status == 137, "kill point \(point): \(r.stderr)")
            killed += 1
            let resumed = try ganglion([command, "--resume", folder, "--quiet"], in: work)
            if point == 1 {
                // Before the run record exists nothing has started: resume says so; a new run completes.
                #expect(resumed.status == 1 && resumed.stderr.contains("no run was started here"), "\(resumed.stderr)")
                #expect(try ganglion([command, "e.json", "--out", folder, "--quiet"] + options, in: work).status == 0)
            } else {
                #expect(resumed.status == 0, "kill point \(point): \(resumed.stderr)")
            }
            let got = Self.results(work + "/" + folder)
            #expect(got.keys.sorted() == expected.keys.sorted(), "kill point \(point)")
            for (name, text) in expected where got[name] != text {
                Issue.record("kill point \(point): \(name) differs from the uninterrupted run's")
            }
            // No scratch file is left once the run is done.
            let left = (FileManager.default.subpaths(atPath: work + "/" + folder) ?? [])
                .filter { $0.hasSuffix(".tmp") || $0.hasSuffix(".partial") || $0.hasSuffix("checkpoint.json") }
            #expect(left.isEmpty, "kill point \(point): left \(left)")
            point += point == 1 ? 1 : stride
        }
        // Random moments: SIGKILL after a random delay, then resume.
        var generator = SystemRandomNumberGenerator()
        for k in 0..<3 {
            let folder = "r\(k)"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: packageRoot() + "/.build/release/ganglion")
            p.arguments = [command, "e.json", "--out", folder, "--quiet"] + options
            p.currentDirectoryURL = URL(fileURLWithPath: work)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32.random(in: 50_000...400_000, using: &generator))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            var r = try ganglion([command, "--resume", folder, "--quiet"], in: work)
            if r.stderr.contains("no run was started here") { r = try ganglion([command, "e.json", "--out", folder, "--quiet"] + options, in: work) }
            #expect(r.status == 0, "random kill \(k): \(r.stderr)")
            #expect(Self.results(work + "/" + folder) == expected, "random kill \(k)")
        }
        try? FileManager.default.removeItem(atPath: work)
        return killed
    }

    @Test("a single cell resumes to the same files from every kill point")
    func singleCell() throws {
        let killed = try killEverywhere(#"""
            {"name": "one", "cell": "stg-spiking", "duration_ms": 3000,
             "outputs": {"trace": {"dt_ms": 0.1}, "conductances": {"every_ms": 100}, "checkpoint_every_ms": 500,
                         "snapshots_ms": [1500], "snapshot": {"duration_ms": 1000, "window_ms": [0, 1000]}}}
            """#)
        #expect(killed >= 20)
    }

    @Test("a population resumes to the same files from every other kill point")
    func population() throws {
        let killed = try killEverywhere(#"""
            {"name": "pop", "population": {"generate": "stg", "count": 3, "seed": 1}, "duration_ms": 2000,
             "outputs": {"trace": {"dt_ms": 0.1}, "conductances": {"every_ms": 100}, "checkpoint_every_ms": 500}}
            """#, stride: 2)
        #expect(killed >= 20)
    }

    /// Two cells with synapses both ways and a blockade, checkpointed every 250 ms.
    static let networkExperiment = #"""
        {"name": "net", "duration_ms": 3000,
         "cells": [{"name": "A", "cell": "stg-spiking"}, {"name": "B", "cell": "stg-bursting"}],
         "synapses": [{"from": "A", "to": "B", "gbar": 0.8}, {"from": "B", "to": "A", "gbar": 0.2}],
         "protocol": [{"t": 1200, "cells": ["B"], "block": "H", "fraction": 0}],
         "outputs": {"conductances_every_ms": 100, "checkpoint_every_ms": 250, "windows_ms": [[500, 3000]]}}
        """#

    @Test("a network run resumes to the same files from every kill point")
    func network() throws {
        let killed = try killEverywhere(Self.networkExperiment, command: "network")
        #expect(killed >= 20)
    }

    @Test("a network run with local time steps resumes to the same files from every third kill point")
    func networkLocalSteps() throws {
        let killed = try killEverywhere(Self.networkExperiment, command: "network", stride: 3, options: ["--local-steps"])
        #expect(killed >= 7)
    }

    @Test("a network writing NWB directly resumes to the same datasets from every kill point")
    func networkNWB() throws {
        let work = scratchFolder("kill-nwb")
        write(#"""
            {"name": "net", "duration_ms": 2000,
             "cells": [{"name": "A", "cell": "stg-spiking"}, {"name": "B", "cell": "stg-bursting"}],
             "synapses": [{"from": "A", "to": "B", "gbar": 0.8}, {"from": "B", "to": "A", "gbar": 0.2}],
             "protocol": [{"t": 900, "cells": ["B"], "block": "H", "fraction": 0}],
             "outputs": {"trace": "trace.nwb", "checkpoint_every_ms": 250, "windows_ms": [[500, 2000]]}}
            """#, to: work + "/e.json")
        let reference = try ganglion(["network", "e.json", "--out", "ref", "--quiet"], in: work)
        #expect(reference.status == 0, "\(reference.stderr)")
        let summary = Self.results(work + "/ref")["summary.json"]
        #expect(summary != nil)
        var point = 2, killed = 0
        while point < 400 {
            let folder = "k\(point)"
            let r = try ganglion(["network", "e.json", "--out", folder, "--quiet"], in: work, environment: ["GANGLION_KILL_AT": "\(point)"])
            if r.status == 0 { break }
            #expect(r.status == 137, "kill point \(point): \(r.stderr)")
            killed += 1
            let resumed = try ganglion(["network", "--resume", folder, "--quiet"], in: work)
            #expect(resumed.status == 0, "kill point \(point): \(resumed.stderr)")
            #expect(try nwbDifferences(work + "/ref/trace.nwb", work + "/" + folder + "/trace.nwb").isEmpty, "kill point \(point)")
            #expect(Self.results(work + "/" + folder)["summary.json"] == summary, "kill point \(point)")
            point += 3
        }
        #expect(killed >= 5)
        try? FileManager.default.removeItem(atPath: work)
    }
}
