import Foundation
import Testing
import Ganglion

/// Runs the built `ganglion` in `folder` (the package root when nil).
private func tool(_ arguments: [String], in folder: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    guard let folder else { return try ganglion(arguments) }
    return try runProcess(packageRoot() + "/.build/release/ganglion", arguments, in: folder)
}

/// A failure that is a clean error: non-zero, an `error:` line mentioning `mention`, no crash or raw dump.
private func expectCleanError(_ r: (status: Int32, stdout: String, stderr: String), mentioning mention: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status != 0, "exit 0: \(r.stdout)", sourceLocation: sourceLocation)
    #expect(r.status < 128, "killed by a signal: \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains("error:"), "no error line: \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains(mention), "does not mention '\(mention)': \(r.stderr)", sourceLocation: sourceLocation)
    for raw in ["Fatal error", "NSCocoaErrorDomain", "Error Domain=", "DecodingError", "Program crashed"] {
        #expect(!r.stderr.contains(raw), "raw dump '\(raw)': \(r.stderr)", sourceLocation: sourceLocation)
    }
}

/// A folder holding `files` (name → text); the caller removes it.
private func folder(with files: [String: String]) throws -> String {
    let dir = try temporaryFolder("robust")
    for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
    return dir
}

@Suite("Robustness: no crash, hang or silently wrong result")
struct RobustnessTests {
    @Test("sizes from the command line are checked before use, and refusals give the numbers", arguments: [
        (["simulate", "stg-bursting", "--duration", "1e20"], "1e+21 output samples"),
        (["simulate", "stg-bursting", "--duration", "100", "--dt-out", "1e-300"], "output samples, more than the limit of 1000000000"),
        (["simulate", "stg-bursting", "--duration", "100", "--solver", "exp-euler", "--dt", "5e-324"], "steps, more than the limit"),
        (["simulate", "stg-bursting", "--duration", "100", "--solver", "rk4", "--dt", "1e-13"], "steps, more than the limit"),
    ])
    func commandLineSizes(arguments: [String], mention: String) throws {
        expectCleanError(try tool(arguments), mentioning: mention)
    }

    @Test("an experiment's snapshot of 1e20 ms and a checkpoint every 1e-6 ms are refused at once, naming the field")
    func experimentSizes() throws {
        let dir = try folder(with: [
            "snap.json": #"{"name": "snap", "cell": "stg-bursting", "duration_ms": 1000, "outputs": {"snapshots_ms": [500], "snapshot": {"duration_ms": 1e20}}}"#,
            "ckpt.json": #"{"name": "ckpt", "cell": "stg-bursting", "duration_ms": 1000, "outputs": {"checkpoint_every_ms": 1e-6}}"#,
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = Date()
        expectCleanError(try tool(["run", "snap.json", "--out", "o1", "--quiet"], in: dir), mentioning: "outputs.snapshot.duration_ms")
        let c = try tool(["run", "ckpt.json", "--out", "o2", "--quiet"], in: dir)
        expectCleanError(c, mentioning: "1000000000 checkpoints, more than the limit of 1000000")
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test("a network of 1e20 ms is refused with the numbers")
    func hugeNetworkDuration() throws {
        let dir = try folder(with: ["n.json": ##"{"name": "n", "duration_ms": 1e20, "population": {"generate": "stg", "seed": 2}, "cells": [{"name": "A", "cell": "#0"}]}"##])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        expectCleanError(try tool(["network", "n.json", "--out", "o", "--quiet"], in: dir), mentioning: "output samples, more than the limit")
    }

    @Test("a snapshot shorter than the default analysis window runs (its window is the whole rerun)")
    func shortSnapshot() throws {
        let dir = try folder(with: [
            "snap.json": #"{"name": "snap", "cell": "stg-bursting", "duration_ms": 1000, "outputs": {"snapshots_ms": [500], "snapshot": {"duration_ms": 1000}}}"#,
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try tool(["run", "snap.json", "--out", "o", "--quiet"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/o/summary.json"))) as! [String: Any]
        let snapshots = summary["snapshots"] as? [[String: Any]] ?? []
        #expect(snapshots.count == 1 && snapshots[0]["error"] == nil, "\(summary["snapshots"] ?? "none")")
    }

    @Test("network seeds of 1e300 are refused, naming the field", arguments: ["population", "initial"])
    func hugeSeed(where field: String) throws {
        let population = field == "population" ? #"{"generate": "stg", "seed": 1e300}"# : #"{"generate": "stg", "seed": 2}"#
        let initial = field == "initial" ? #", "initial": {"V_mean": -60, "V_spread": 10, "seed": 1e300}"# : ""
        let dir = try folder(with: ["n.json": ##"{"name": "n", "duration_ms": 500, "population": \##(population), "cells": [{"name": "A", "cell": "#0"}]\##(initial)}"##])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        expectCleanError(try tool(["network", "n.json", "--out", "o", "--quiet"], in: dir), mentioning: "\(field).seed")
    }

    @Test("a fixed-step run with a tiny step stops within a second of SIGTERM or SIGINT", arguments: [SIGTERM, SIGINT])
    func tinyStepHonoursSignals(signal: Int32) throws {
        let dir = try temporaryFolder("signal")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: packageRoot() + "/.build/release/ganglion")
        // 10¹¹ steps of 10⁻⁸ ms, one output sample every 100 ms: days of work between two samples.
        p.arguments = ["simulate", "stg-bursting", "--duration", "1000", "--dt-out", "100", "--solver", "rk4", "--dt", "1e-8",
                       "--out", dir + "/t.csv", "--quiet"]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 1)
        let sent = Date()
        kill(p.processIdentifier, signal)
        while p.isRunning, Date().timeIntervalSince(sent) < 5 { Thread.sleep(forTimeInterval: 0.01) }
        let waited = Date().timeIntervalSince(sent)
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        #expect(waited < 1, "took \(waited) s to stop")
        #expect(p.terminationReason == .exit && p.terminationStatus == 130, "status \(p.terminationStatus)")
    }

    @Test("an experiment's preparatory run stops within a second of SIGTERM")
    func preparationHonoursSignals() throws {
        let dir = try folder(with: ["prep.json": #"{"name": "prep", "cell": "stg-spiking", "duration_ms": 1000, "prepare": {"duration_ms": 600000}}"#])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: packageRoot() + "/.build/release/ganglion")
        p.arguments = ["run", "prep.json", "--out", "o", "--quiet"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 1.5)
        let sent = Date()
        kill(p.processIdentifier, SIGTERM)
        while p.isRunning, Date().timeIntervalSince(sent) < 5 { Thread.sleep(forTimeInterval: 0.01) }
        let waited = Date().timeIntervalSince(sent)
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        #expect(waited < 1, "took \(waited) s to stop")
        #expect(p.terminationReason == .exit && p.terminationStatus == 130, "status \(p.terminationStatus)")
    }

    @Test("writing NWB past a file-size limit (a full disk) is a clean error, not a crash inside HDF5")
    func nwbFullDisk() throws {
        let dir = try temporaryFolder("full")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = try tool(["simulate", "stg-bursting", "--duration", "3000", "--out", dir + "/t.csv"])
        #expect(trace.status == 0, "\(trace.stderr)")
        // `ulimit -f 60`: files stop at 60 KB (a full disk as the writer sees it), without privileges.
        let tool = packageRoot() + "/.build/release/ganglion"
        let r = try runProcess("/bin/sh", ["-c", "ulimit -f 60 && exec \"$0\" export t.csv --out t.nwb", tool], in: dir)
        expectCleanError(r, mentioning: "t.nwb")
        #expect(!FileManager.default.fileExists(atPath: dir + "/t.nwb"))
        let s = try runProcess("/bin/sh", ["-c", "ulimit -f 100 && exec \"$0\" simulate stg-bursting --duration 3000 --out s.nwb", tool], in: dir)
        expectCleanError(s, mentioning: "File too large")
    }

    @Test("a cell name with a comma (it would shift the trace's columns) is refused, naming the field")
    func commaInCellName() throws {
        let dir = try folder(with: ["n.json": ##"{"name": "n", "duration_ms": 500, "population": {"generate": "stg", "seed": 2}, "cells": [{"name": "A,B", "cell": "#0"}, {"name": "C", "cell": "#1"}]}"##])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        expectCleanError(try tool(["network", "n.json", "--out", "o", "--quiet"], in: dir), mentioning: "cells[0].name")
    }

    @Test("a non-finite value is never written to a trace: the write fails with the time and the column")
    func nonFiniteNeverWritten() throws {
        let path = temporaryPath("nonfinite.csv")
        defer { try? FileManager.default.removeItem(atPath: path + ".partial"); try? FileManager.default.removeItem(atPath: path) }
        let w = try CSVTraceWriter(path: path, columns: ["t_ms", "Ca_average", "ref_CaS_mS_cm2"])
        try [1.0, 2.0].withUnsafeBufferPointer { try w.write(time: 0, values: $0) }
        #expect(throws: IOError.self) { try [1.0, -Double.infinity].withUnsafeBufferPointer { try w.write(time: 5, values: $0) } }
        do { try [1.0, -Double.infinity].withUnsafeBufferPointer { try w.write(time: 5, values: $0) } } catch {
            #expect("\(error)".contains("t = 5.0 ms") && "\(error)".contains("ref_CaS_mS_cm2 = -inf"), "\(error)")
        }
        try w.commit()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("inf") && text.split(separator: "\n").count == 2, "\(text)")
    }

    @Test("a population in which every cell failed exits non-zero")
    func everyCellFailed() throws {
        let dir = try temporaryFolder("allfail")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pop = try tool(["population", "stg", "--count", "2", "--seed", "1", "--out", dir + "/p.json"])
        #expect(pop.status == 0, "\(pop.stderr)")
        // rk4 at 0.05 ms is unstable on these cells: every cell fails.
        try #"{"name": "allfail", "population": "p.json", "duration_ms": 300, "solver": {"name": "rk4", "dt": 0.05}}"#
            .write(toFile: dir + "/e.json", atomically: true, encoding: .utf8)
        expectCleanError(try tool(["run", "e.json", "--out", "o", "--quiet", "--jobs", "1"], in: dir), mentioning: "2 of 2 cell(s) failed")
    }

    @Test("merge refuses a ragged row instead of copying it")
    func mergeRaggedRows() throws {
        let dir = try temporaryFolder("merge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pop = try tool(["population", "stg", "--count", "2", "--seed", "1", "--out", dir + "/p.json"])
        #expect(pop.status == 0, "\(pop.stderr)")
        for s in 0..<2 {
            let r = try tool(["sweep", "p.json", "--duration", "300", "--jobs", "1", "--quiet", "--shard", "\(s)/2", "--out", "s\(s).csv"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
        }
        // CRLF shards merge into an LF-only table (no stray carriage returns or blank rows).
        let original = try String(contentsOfFile: dir + "/s0.csv", encoding: .utf8)
        try original.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: dir + "/s0.csv", atomically: true, encoding: .utf8)
        let crlf = try tool(["merge", "s0.csv", "s1.csv", "--out", "crlf.csv"], in: dir)
        #expect(crlf.status == 0, "\(crlf.stderr)")
        let merged = try String(contentsOfFile: dir + "/crlf.csv", encoding: .utf8)
        #expect(!merged.contains("\r") && !merged.contains("\n\n") && merged.split(separator: "\n").count == 3, "\(merged)")
        var lines = original.split(separator: "\n").map(String.init)
        lines[1] = String(lines[1][..<lines[1].lastIndex(of: ",")!])   // one field short
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/s0.csv", atomically: true, encoding: .utf8)
        expectCleanError(try tool(["merge", "s0.csv", "s1.csv", "--out", "m.csv"], in: dir), mentioning: "s0.csv: line 2")
        #expect(!FileManager.default.fileExists(atPath: dir + "/m.csv"))
    }

    @Test("NaN samples never become nan in an SVG")
    func nanInPlot() throws {
        let figure = SVGFigure(title: "t", xLabel: "t (ms)", panels: [
            PlotPanel(yLabel: "V (mV)", series: [PlotSeries(name: "V", points: [(0, -60), (1, .nan), (2, -50), (.nan, 3), (3, -1e308), (4, 1e308)])]),
        ])
        let svg = figure.render()
        #expect(svg.range(of: #"(?<![A-Za-z])-?(nan|inf)(?![A-Za-z])"#, options: [.regularExpression, .caseInsensitive]) == nil, "\(svg)")
    }

    @Test("exponential Euler with I_app = 1e9 stops with the time and the quantity instead of reporting a negative calcium")
    func hugeAppliedCurrent() throws {
        let r = try tool(["simulate", "stg-bursting", "--duration", "500", "--solver", "exp-euler", "--event", "0:current:1e9", "--json"])
        expectCleanError(r, mentioning: "at t = ")
        #expect(!r.stdout.contains("mean_ca"), "\(r.stdout)")
    }

    @Test("two events 1e-13 ms apart act at one instant (no 'tout too close to t0')")
    func eventsTooClose() throws {
        let r = try tool(["simulate", "stg-bursting", "--duration", "2000", "--event", "1000:block:H", "--event", "1000.0000000000001:unblock:H", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("too close"), "\(r.stderr)")
    }

    @Test("an output folder that cannot be created gives one readable line (no NSCocoaErrorDomain dump)")
    func unwritableNetworkFolder() throws {
        let dir = try temporaryFolder("ro")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A file where the folder should be: fails for every user, root included.
        try "".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
        let r = try tool(["network", packageRoot() + "/examples/networks/hco.json", "--out", "file/out", "--duration", "100", "--quiet"], in: dir)
        expectCleanError(r, mentioning: "file/out")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    @Test("sweep checks that it can write its output before simulating any cell")
    func sweepChecksOutputFirst() throws {
        let dir = try temporaryFolder("sweepout")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pop = try tool(["population", "stg", "--count", "40", "--seed", "1", "--out", dir + "/p.json"])
        #expect(pop.status == 0, "\(pop.stderr)")
        try "".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
        let start = Date()
        let r = try tool(["sweep", "p.json", "--duration", "20000", "--jobs", "1", "--quiet", "--out", "file/s.csv"], in: dir)
        expectCleanError(r, mentioning: "file/s.csv")
        #expect(!r.stderr.contains("cells (shard"), "simulated first: \(r.stderr)")
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test("Int(checking:) converts what fits and refuses the rest without trapping")
    func checkedConversion() {
        #expect(Int(checking: 3.9) == 3)
        #expect(Int(checking: -3.9) == -3)
        #expect(Int(checking: 1e20) == nil)
        #expect(Int(checking: -1e20) == nil)
        #expect(Int(checking: .nan) == nil)
        #expect(Int(checking: .infinity) == nil)
        #expect(Int(checking: 9.223372036854775808e18) == nil)
        #expect(Int(checking: 9.2233720368547748e18) == 9_223_372_036_854_774_784)
        #expect(RunLimits.violation(duration: 1000, outputInterval: 0.1) == nil)
        #expect(RunLimits.violation(duration: 1e20, outputInterval: 0.1)?.contains("1e+21 output samples") == true)
    }
}
