import Foundation
import Testing
import Ganglion

/// `ganglion import` as a command: the worked example of Docs/import-neuroml.md, the file-safety rules, and
/// the agreement of imported cells with jNeuroML (`Tests/neuroml/compare_jnml.py`, run in the `.venv` that
/// `scripts/setup.sh --test` makes with pyNeuroML).
@Suite("ganglion import (Docs/import-neuroml.md)")
struct NeuroMLCommandTests {
    static let root = packageRoot()

    /// The indented lines of the doc page that follow the line `command` up to the next blank line.
    static func shownOutput(of command: String) throws -> [String] {
        let page = try String(contentsOfFile: root + "/Docs/import-neuroml.md", encoding: .utf8).components(separatedBy: "\n")
        let start = try #require(page.firstIndex(of: "    " + command), "the page shows `\(command)`")
        return Array(page[(start + 1)...].prefix { !$0.isEmpty }.map { String($0.dropFirst(4)) })
    }

    @Test("the worked example runs verbatim: the import prints what the page shows, and the imported squid axon fires 69 spikes in the first second")
    func workedExample() throws {
        let folder = scratchFolder("nml-doc")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/examples/neuroml", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.root + "/examples/neuroml/hh-cell.nml", toPath: folder + "/examples/neuroml/hh-cell.nml")
        let command = "ganglion import examples/neuroml/hh-cell.nml --out out/hhcell"
        let imported = try ganglion(Array(command.split(separator: " ").dropFirst().map(String.init)), in: folder)
        #expect(imported.status == 0, "\(imported.stderr)")
        let shown = try Self.shownOutput(of: command)
        #expect(imported.stdout.split(separator: "\n").map(String.init) == shown)
        let simulate = try #require(shown.last?.components(separatedBy: "simulate     ").last)
        #expect(simulate == "ganglion simulate out/hhcell/hhcell.json --duration 1000 --event 0:current:10")
        let page = try String(contentsOfFile: Self.root + "/Docs/import-neuroml.md", encoding: .utf8)
        #expect(page.contains("    " + simulate + "\n"), "the page shows the simulate command")
        let run = try ganglion(Array(simulate.split(separator: " ").dropFirst().map(String.init)) + ["--json"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(summary["spikes"] as? Int == 69, "\(run.stdout.prefix(400))")
        #expect(abs((summary["frequency_hz"] as? Double ?? 0) - 68.37) < 0.005)
    }

    @Test("the import writes only into its folder, atomically; replaces its own files, refuses a foreign one without --force, never its input")
    func fileSafety() throws {
        let folder = scratchFolder("nml-safety")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: Self.root + "/examples/neuroml/hh-cell.nml", toPath: folder + "/hh-cell.nml")
        // Default: a folder named after the cell, next to the input.
        var r = try ganglion(["import", "hh-cell.nml"], in: folder)
        #expect(r.status == 0, "\(r.stderr)")
        let made = try FileManager.default.subpathsOfDirectory(atPath: folder).sorted()
        #expect(made == ["hh-cell.nml", "hhcell", "hhcell/.ganglion-outputs", "hhcell/channels", "hhcell/channels/.ganglion-outputs",
                         "hhcell/channels/kChan.json", "hhcell/channels/naChan.json", "hhcell/family.json", "hhcell/hhcell.json"])
        // Its own outputs are replaced by the next import.
        r = try ganglion(["import", "hh-cell.nml"], in: folder)
        #expect(r.status == 0, "\(r.stderr)")
        // A foreign file stops the import before anything is written.
        try FileManager.default.createDirectory(atPath: folder + "/other", withIntermediateDirectories: true)
        try "mine".write(toFile: folder + "/other/family.json", atomically: true, encoding: .utf8)
        r = try ganglion(["import", "hh-cell.nml", "--out", "other"], in: folder)
        #expect(r.status == 1)
        #expect(r.stderr.contains("other/family.json: exists and is not a file Ganglion wrote there") && r.stderr.contains("--force"), "\(r.stderr)")
        #expect(try String(contentsOfFile: folder + "/other/family.json", encoding: .utf8) == "mine")
        #expect(!FileManager.default.fileExists(atPath: folder + "/other/channels/naChan.json"), "nothing written")
        r = try ganglion(["import", "hh-cell.nml", "--out", "other", "--force"], in: folder)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: folder + "/other/family.json", encoding: .utf8).contains("neuroml-hhcell"))
        // The input is never replaced: a cell named after the input's own name.
        let text = try String(contentsOfFile: folder + "/hh-cell.nml", encoding: .utf8)
        try text.replacingOccurrences(of: "hhcell", with: "x").write(toFile: folder + "/x.json", atomically: true, encoding: .utf8)
        r = try ganglion(["import", "x.json", "--out", ".", "--force"], in: folder)
        #expect(r.status == 1 && r.stderr.contains("an output never replaces its input"), "\(r.stderr)")
        #expect(try String(contentsOfFile: folder + "/x.json", encoding: .utf8).contains("<neuroml"))
        // An unsupported element: an error naming it, nothing written.
        try text.replacingOccurrences(of: "<channelDensity id=\"kChans\"", with: "<channelDensityNernst id=\"kChans\"")
            .write(toFile: folder + "/nernst.nml", atomically: true, encoding: .utf8)
        r = try ganglion(["import", "nernst.nml", "--out", "nernst"], in: folder)
        #expect(r.status == 1 && r.stderr.contains("nernst.nml:41: <channelDensityNernst id=\"kChans\">: is not supported"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/nernst"))
    }

    @Test("imported cells against jNeuroML: spike times within 0.1 ms over the first second, firing features within 1 %", arguments: [
        ("hh-cell.nml", "LEMS_hh.xml", false), ("multichannel-cell.nml", "LEMS_multichannel.xml", true),
    ])
    func againstJNeuroML(_ cellFile: String, _ lems: String, _ calcium: Bool) throws {
        let python = try nwbPython()
        let folder = try temporaryFolder("nml-jnml")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let imported = try ganglion(["import", Self.root + "/examples/neuroml/" + cellFile, "--out", folder + "/cell", "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(imported.stdout.utf8)) as? [String: Any])
        let model = try #require(o["model"] as? String)
        let pulse = try #require((o["pulses"] as? [[String: Any]])?.first)
        let delay = try #require(pulse["delay_ms"] as? Double), density = try #require(pulse["density_uA_cm2"] as? Double)
        // CVODE at a tight tolerance with exact gating functions: Ganglion's most accurate solution.
        let run = try ganglion(["simulate", model, "--duration", "1000", "--event", "\(delay):current:\(density)", "--rtol", "1e-9",
                                "--exact-rates", "--dt-out", "0.01", "--out", folder + "/trace.csv", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let r = try runProcess(python, [Self.root + "/Tests/neuroml/compare_jnml.py", Self.root + "/Tests/neuroml/" + lems,
                                        folder + "/trace.csv", folder + "/jnml"] + (calcium ? ["--calcium"] : []))
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
        let counts = try #require(report["spike_counts"] as? [String: Int])
        #expect(counts["ganglion"] == counts["jnml"] && (counts["ganglion"] ?? 0) > 50, "\(counts)")
        let maxDifference = try #require(report["max_abs_spike_time_difference_ms"] as? Double)
        #expect(maxDifference < 0.1, "spike times differ by up to \(maxDifference) ms")
        let features = try #require(report["features"] as? [String: [String: Double]])
        #expect(features.count == (calcium ? 8 : 6))
        for (name, f) in features {
            #expect((f["relative_difference"] ?? 1) < 0.01, "\(name): Ganglion \(f["ganglion"] ?? .nan), jNeuroML \(f["jnml"] ?? .nan)")
        }
        print("\(cellFile) vs jNeuroML: max |Δt| \(maxDifference) ms, mean \(report["mean_abs_spike_time_difference_ms"] ?? ""), "
              + features.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value["relative_difference"] ?? .nan)" }.joined(separator: ", "))
    }
}
