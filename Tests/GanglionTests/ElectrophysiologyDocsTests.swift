import Foundation
import Testing
import Ganglion

@Suite("Electrophysiology docs (Docs/voltage-clamp.md)")
struct ElectrophysiologyDocsTests {
    @Test("every command of the page runs as written, writes the files the page lists and prints the output the page shows")
    func commands() throws {
        let text = try String(contentsOfFile: packageRoot() + "/Docs/voltage-clamp.md", encoding: .utf8)
        let folder = try temporaryFolder("ephys-docs")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func isCommand(_ line: String) -> Bool { line.trimmingCharacters(in: .whitespaces).hasPrefix(".build/release/ganglion ") }
        var runs = 0
        for (i, line) in lines.enumerated() where isCommand(line) {
            // The output the page shows: the fenced block after the command, before the next command.
            var shown: [String]?
            var j = i + 1
            while j < lines.count, !isCommand(lines[j]) {
                if lines[j] == "```", let end = lines[(j + 1)...].firstIndex(of: "```") {
                    shown = Array(lines[(j + 1)..<end])
                    break
                }
                j += 1
            }
            let command = line.trimmingCharacters(in: .whitespaces)
            let arguments = command.replacingOccurrences(of: "out/", with: folder + "/").split(separator: " ").dropFirst().map(String.init)
            let r = try ganglion(arguments + (arguments.first == "simulate" ? ["--quiet"] : []))
            #expect(r.status == 0, "\(command): \(r.stderr)")
            if let shown { #expect(r.stdout.split(separator: "\n").map(String.init) == shown, "\(command)") }
            runs += 1
        }
        #expect(runs == 4)
        for f in ["clamp/traces.csv", "clamp/iv.csv", "clamp/traces.svg", "clamp/iv.svg", "clamp/gating.svg", "fi/fi.csv", "fi/fi.svg",
                  "phase/bursting-phase.svg", "clamped.csv"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + f), "\(f)")
        }
        // The clamped run: V is −40 mV exactly from the clamp to the release (rows every 0.1 ms after 1000 ms, and
        // two at 2000 ms: just before and just after the release, which starts V from the command).
        let rows = try String(contentsOfFile: folder + "/clamped.csv", encoding: .utf8).split(separator: "\n")
        let header = rows[0].split(separator: ",").map(String.init)
        #expect(header.contains("I_clamp_uA_cm2"))
        let values = rows.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        let held = values.filter { $0[0] > 1000 && $0[0] <= 2000 }
        #expect(held.count == 10_001 && held.allSatisfy { $0[1] == -40 })
        #expect(values.filter { $0[0] > 2000 }.contains { $0[1] != -40 })
    }
}
