import Foundation
import Testing
import Ganglion

/// Runs the built `ganglion` tool in `folder` with extra environment variables.
func ganglion(_ arguments: [String], in folder: String, environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    try runProcess(packageRoot() + "/.build/release/ganglion", arguments, in: folder, environment: environment)
}

/// A new empty folder for one test.
func scratchFolder(_ name: String) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ganglion-\(name)-\(UUID().uuidString.prefix(8))").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Every file under `folder` (relative path → contents), but the lock file (it holds the last claimant's pid)
/// and scratch files of killed processes (removed by the next claimant).
func snapshot(_ folder: String) -> [String: Data] {
    var out: [String: Data] = [:]
    let e = FileManager.default.enumerator(atPath: folder)
    while let f = e?.nextObject() as? String {
        if f.hasSuffix(".ganglion.lock") || f.hasSuffix(".tmp") { continue }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder + "/" + f, isDirectory: &isDirectory), !isDirectory.boolValue {
            out[f] = FileManager.default.contents(atPath: folder + "/" + f)
        }
    }
    return out
}

func write(_ text: String, to path: String) {
    FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
}

@Suite("Files: confinement, ownership, one writer per folder")
struct FileSafetyTests {
    let shortExperiment = #"{"name": "short", "cell": "stg-spiking", "duration_ms": 500, "outputs": {"trace": {"dt_ms": 0.1}}}"#

    @Test("a network's outputs.trace of ../../x/file is refused, naming the file and the field; nothing is written above the folder")
    func networkTraceOutside() throws {
        let root = scratchFolder("net-trace")
        let work = root + "/a/b"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/x", withIntermediateDirectories: true)
        write("precious\n", to: root + "/x/file")
        let net = #"{"name": "n", "duration_ms": 200, "cells": [{"name": "A", "cell": "stg-spiking"}, {"name": "B", "cell": "stg-bursting"}], "synapses": [{"from": "A", "to": "B", "gbar": 0.8}], "outputs": {"trace": "../../x/file"}}"#
        write(net, to: work + "/net.json")
        let r = try ganglion(["network", "net.json", "--out", "o"], in: work)
        #expect(r.status == 1)
        #expect(r.stderr.contains("net.json") && r.stderr.contains("outputs.trace") && r.stderr.contains("../../x/file"), "\(r.stderr)")
        #expect(try String(contentsOfFile: root + "/x/file", encoding: .utf8) == "precious\n")
        #expect(!FileManager.default.fileExists(atPath: work + "/o"))
    }

    @Test("a cell name holding a newline or a comma is refused")
    func cellNames() throws {
        let work = scratchFolder("cell-name")
        for bad in ["a\\nb", "a,b"] {
            let net = #"{"name": "n", "duration_ms": 100, "cells": [{"name": "\#(bad)", "cell": "stg-spiking"}, {"name": "c2", "cell": "stg-spiking"}]}"#
            write(net, to: work + "/net.json")
            let r = try ganglion(["network", "net.json", "--out", "o"], in: work)
            #expect(r.status == 1)
            #expect(r.stderr.contains("cells[0].name"), "\(r.stderr)")
        }
    }

    @Test("an experiment name of ../../x or .. is refused: nothing is written outside out/")
    func experimentName() throws {
        let work = scratchFolder("exp-name")
        try FileManager.default.createDirectory(atPath: work + "/deep/er", withIntermediateDirectories: true)
        for name in ["../../x", "..", ".", "a/b"] {
            write(#"{"name": "\#(name)", "cell": "stg-spiking", "duration_ms": 100}"#, to: work + "/deep/er/e.json")
            let before = Set(try FileManager.default.contentsOfDirectory(atPath: work))
            let r = try ganglion(["run", "e.json"], in: work + "/deep/er")
            #expect(r.status == 1, "\(name)")
            #expect(r.stderr.contains("e.json") && r.stderr.contains("'name'"), "\(r.stderr)")
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: work)) == before)
            #expect(!FileManager.default.fileExists(atPath: work + "/deep/er/out"))
        }
    }

    @Test("a symbolic link planted at OUT/trace.csv.partial is never written through")
    func plantedSymlink() throws {
        let work = scratchFolder("symlink")
        write("victim\n", to: work + "/victim")
        write(shortExperiment, to: work + "/e.json")
        try FileManager.default.createDirectory(atPath: work + "/o", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: work + "/o/trace.csv.partial", withDestinationPath: work + "/victim")
        let r = try ganglion(["run", "e.json", "--out", "o"], in: work)
        #expect(r.status == 1)
        #expect(r.stderr.contains("trace.csv.partial"), "\(r.stderr)")
        #expect(try String(contentsOfFile: work + "/victim", encoding: .utf8) == "victim\n")
        // A link planted at the final name: the run does not replace it without --force, and never writes through it.
        let s = scratchFolder("symlink2")
        write("victim\n", to: s + "/victim")
        try FileManager.default.createSymbolicLink(atPath: s + "/t.csv", withDestinationPath: s + "/victim")
        let r2 = try ganglion(["simulate", "stg-spiking", "--duration", "100", "--out", "t.csv"], in: s)
        #expect(r2.status == 1)
        #expect(r2.stderr.contains("--force"), "\(r2.stderr)")
        #expect(try String(contentsOfFile: s + "/victim", encoding: .utf8) == "victim\n")
    }

    @Test("simulate, export and plot never overwrite their own input, even with --force")
    func ownInput() throws {
        let work = scratchFolder("own-input")
        try FileManager.default.copyItem(atPath: packageRoot() + "/models/stg/stg-spiking.json", toPath: work + "/m.json")
        let model = FileManager.default.contents(atPath: work + "/m.json")
        for force in [[], ["--force"]] {
            let r = try ganglion(["simulate", "m.json", "--duration", "100", "--out", "m.json"] + force, in: work)
            #expect(r.status == 1)
            #expect(r.stderr.contains("input"), "\(r.stderr)")
            #expect(FileManager.default.contents(atPath: work + "/m.json") == model)
        }
        #expect(try ganglion(["simulate", "m.json", "--duration", "100", "--out", "t.csv"], in: work).status == 0)
        let trace = FileManager.default.contents(atPath: work + "/t.csv")
        for command in [["export", "t.csv", "--out", "t.csv"], ["plot", "t.csv", "--out", "t.csv"], ["export", "t.csv", "--out", "t.csv", "--force"]] {
            let r = try ganglion(command, in: work)
            #expect(r.status == 1, "\(command)")
            #expect(r.stderr.contains("input"), "\(r.stderr)")
            #expect(FileManager.default.contents(atPath: work + "/t.csv") == trace)
        }
    }

    @Test("a file that is not Ganglion's own output is replaced only with --force; Ganglion's own is replaced")
    func foreignFiles() throws {
        let work = scratchFolder("foreign")
        write("my notes\n", to: work + "/notes.csv")
        let r = try ganglion(["simulate", "stg-spiking", "--duration", "100", "--out", "notes.csv"], in: work)
        #expect(r.status == 1)
        #expect(r.stderr.contains("notes.csv") && r.stderr.contains("--force"), "\(r.stderr)")
        #expect(try String(contentsOfFile: work + "/notes.csv", encoding: .utf8) == "my notes\n")
        // Ganglion's own output: replaced by the next run without --force.
        #expect(try ganglion(["simulate", "stg-spiking", "--duration", "100", "--out", "t.csv"], in: work).status == 0)
        #expect(try ganglion(["simulate", "stg-spiking", "--duration", "200", "--out", "t.csv"], in: work).status == 0)
        #expect(try String(contentsOfFile: work + "/t.csv", encoding: .utf8).contains("\n200,"))
        // --force replaces the foreign file.
        #expect(try ganglion(["simulate", "stg-spiking", "--duration", "100", "--out", "notes.csv", "--force"], in: work).status == 0)
        #expect(try String(contentsOfFile: work + "/notes.csv", encoding: .utf8).hasPrefix("t_ms,"))
        // No scratch file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).filter { $0.hasSuffix(".tmp") }.isEmpty)
    }

    @Test("a second run into a folder in use fails at once naming the folder and the holder's pid; a killed holder's lock is stale")
    func oneWriter() throws {
        let work = scratchFolder("lock")
        write(#"{"name": "long", "cell": "stg-spiking", "duration_ms": 600000, "outputs": {"trace": {"dt_ms": 1}, "checkpoint_every_ms": 1000}}"#, to: work + "/e.json")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: packageRoot() + "/.build/release/ganglion")
        p.arguments = ["run", "e.json", "--out", "o", "--quiet"]
        p.currentDirectoryURL = URL(fileURLWithPath: work)
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        // Wait until it has claimed the folder and written its first checkpoint.
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: work + "/o/checkpoint.json"), Date() < deadline { usleep(20_000) }
        #expect(FileManager.default.fileExists(atPath: work + "/o/checkpoint.json"))
        let start = Date()
        let second = try ganglion(["run", "e.json", "--out", "o", "--force"], in: work)
        #expect(second.status == 1)
        #expect(second.stderr.contains("o: is being written by another Ganglion process (pid \(p.processIdentifier))"), "\(second.stderr)")
        let resume = try ganglion(["run", "--resume", "o"], in: work)
        #expect(resume.status == 1)
        #expect(resume.stderr.contains("pid \(p.processIdentifier)"), "\(resume.stderr)")
        #expect(Date().timeIntervalSince(start) < 5)
        // Killed: its lock is stale, and the folder is resumable (here: the resume is stopped by a signal at once).
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let before = snapshot(work + "/o")
        let taken = try ganglion(["run", "e.json", "--out", "o"], in: work)
        #expect(taken.status == 1)
        #expect(taken.stderr.contains("holds an interrupted run") && taken.stderr.contains("--resume o"), "\(taken.stderr)")
        #expect(snapshot(work + "/o") == before, "a refused run touches nothing")
    }

    @Test("a resume that cannot go on says why and leaves every file as it was")
    func failedResumeKeepsFiles() throws {
        let work = scratchFolder("resume-keeps")
        write(#"{"name": "r", "cell": "stg-spiking", "duration_ms": 3000, "outputs": {"trace": {"dt_ms": 0.1}, "conductances": {"every_ms": 100}, "checkpoint_every_ms": 500}}"#, to: work + "/e.json")
        // Killed at its 8th kill point (a checkpoint's rename): a checkpoint and the two .partial files.
        let k = try ganglion(["run", "e.json", "--out", "o"], in: work, environment: ["GANGLION_KILL_AT": "8"])
        #expect(k.status == 137)
        #expect(FileManager.default.fileExists(atPath: work + "/o/trace.csv.partial"))
        // The conductances' partial file cut short: the resume fails, and nothing is deleted or changed.
        let c = work + "/o/conductances.csv.partial"
        try FileManager.default.moveItem(atPath: c, toPath: c + ".moved")
        let before = snapshot(work + "/o")
        let r = try ganglion(["run", "--resume", "o"], in: work)
        #expect(r.status == 1)
        #expect(r.stderr.contains("conductances.csv.partial") && r.stderr.contains("every file is left as it is"), "\(r.stderr)")
        #expect(snapshot(work + "/o") == before)
        // Put back, the resume completes.
        try FileManager.default.moveItem(atPath: c + ".moved", toPath: c)
        let again = try ganglion(["run", "--resume", "o"], in: work)
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test("--resume of a folder killed before its run record existed says so precisely and keeps the folder")
    func noRunRecord() throws {
        let work = scratchFolder("no-record")
        write(shortExperiment, to: work + "/e.json")
        let k = try ganglion(["run", "e.json", "--out", "o"], in: work, environment: ["GANGLION_KILL_AT": "1"])
        #expect(k.status == 137)
        let before = snapshot(work + "/o")
        let r = try ganglion(["run", "--resume", "o"], in: work)
        #expect(r.status == 1)
        #expect(r.stderr.contains("no run was started here"), "\(r.stderr)")
        #expect(snapshot(work + "/o") == before)
    }

    @Test("--jobs is kept in the run record and restored on resume")
    func jobsRestored() throws {
        let work = scratchFolder("jobs")
        write(#"{"name": "p", "population": {"generate": "stg", "count": 3, "seed": 1}, "duration_ms": 1000, "outputs": {"checkpoint_every_ms": 500}}"#, to: work + "/p.json")
        let k = try ganglion(["run", "p.json", "--out", "o", "--jobs", "1"], in: work, environment: ["GANGLION_KILL_AT": "6"])
        #expect(k.status == 137)
        let record = try JSONSerialization.jsonObject(with: FileManager.default.contents(atPath: work + "/o/run.json")!) as! [String: Any]
        #expect(record["jobs"] as? Int == 1)
        let r = try ganglion(["run", "--resume", "o"], in: work)
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: FileManager.default.contents(atPath: work + "/o/summary.json")!) as! [String: Any]
        #expect(summary["jobs"] as? Int == 1)
    }

    @Test("a gap junction or synapse of 1e20 mS/cm² is refused naming the field (the run would crawl in rounding noise)")
    func couplingBound() throws {
        let work = scratchFolder("coupling")
        for (key, value) in [("electrical", #"[{"between": ["A", "B"], "g": 1e20}]"#), ("synapses", #"[{"from": "A", "to": "B", "gbar": 1e20}]"#)] {
            write(#"{"name": "n", "duration_ms": 100, "cells": [{"name": "A", "cell": "stg-spiking"}, {"name": "B", "cell": "stg-bursting"}], "\#(key)": \#(value)}"#, to: work + "/n.json")
            let r = try ganglion(["network", "n.json", "--out", "o"], in: work)
            #expect(r.status == 1)
            #expect(r.stderr.contains("n.json") && r.stderr.contains("\(key)[0]") && r.stderr.contains("1e+20"), "\(r.stderr)")
        }
    }
}
