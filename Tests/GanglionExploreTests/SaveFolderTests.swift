import Foundation
import Testing
import Ganglion
import GanglionExplore

/// A new empty folder for one test (symbolic links resolved, as `SaveFolder` resolves them).
func scratchFolder(_ name: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ganglion-explore-\(name)-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return try SaveFolder(path).path
}

@Suite("Explorer saves: one folder, plain names, no links, no silent overwrite")
struct SaveFolderTests {
    let explorer: Explorer

    init() throws {
        explorer = try Explorer(neuron: try NamedModel.named("stg-bursting")!.neuron(), name: "stg-bursting")
    }

    /// A save request body for the model with `name`.
    func body(_ name: String, overwrite: Bool = false, blocked: [String] = []) -> String {
        JSONOutput.string(["name": name, "overwrite": overwrite,
                           "state": ["model": "stg-bursting", "conductances": ["H": 0.5], "blocked": blocked] as [String: Any]] as [String: Any])
    }

    /// Every file and folder under `folder`.
    func listing(_ folder: String) -> Set<String> {
        Set(FileManager.default.enumerator(atPath: folder)?.allObjects.compactMap { $0 as? String } ?? [])
    }

    /// A model file read back (not through `ModelFile.load`, which would make it this process's input).
    func readBack(_ path: String) throws -> NeuronDescription {
        try ModelFile.parse(try Data(contentsOf: URL(fileURLWithPath: path)), file: path)
    }

    @Test("names reaching outside the folder, absolute paths, hidden names and '..' are refused as bad requests; nothing is written",
          arguments: ["../x", "../../etc/x", "/tmp/x", "a/b", "..", ".hidden", "x..y", "", "a\\b", "bad\u{7}name"])
    func refusedNames(_ name: String) throws {
        // The save folder inside an otherwise empty one: nothing may appear beside it or in it.
        let outer = try scratchFolder("names"), dir = outer + "/models"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        let folder = try SaveFolder(dir)
        let before = listing(outer)
        for save in [explorer.saveModel, explorer.saveTrace] as [(String, SaveFolder) throws(ExploreError) -> String] {
            do {
                _ = try save(body(name), folder)
                Issue.record("'\(name)' was accepted")
            } catch {
                guard case .badRequest(let message) = error else { Issue.record("'\(name)': \(error) is not a bad request"); continue }
                #expect(message.contains("file name"), "\(message)")
                #expect(error.status == 400)
            }
        }
        #expect(listing(outer) == before)
    }

    @Test("a symbolic link in the folder is never written through, not even with overwrite; its target is untouched")
    func symbolicLink() throws {
        let dir = try scratchFolder("links"), outside = try scratchFolder("outside")
        let victim = outside + "/victim.json"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: victim))
        #expect(symlink(victim, dir + "/link.json") == 0)
        #expect(symlink(outside + "/new.csv", dir + "/dangling.csv") == 0)
        let folder = try SaveFolder(dir)
        for (name, save) in [("link", explorer.saveModel), ("link.json", explorer.saveModel), ("dangling", explorer.saveTrace)]
            as [(String, (String, SaveFolder) throws(ExploreError) -> String)] {
            for overwrite in [false, true] {
                #expect(throws: ExploreError.self) { try save(body(name, overwrite: overwrite), folder) }
                do { _ = try save(body(name, overwrite: overwrite), folder) } catch {
                    #expect(error.description.contains("symbolic link"), "\(error)")
                }
            }
        }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
        #expect(!FileManager.default.fileExists(atPath: outside + "/new.csv"))
    }

    @Test("a model is written in the folder and reads back with the state's conductances (blocked ḡ = 0); an existing file needs overwrite")
    func saveAndOverwrite() throws {
        let dir = try scratchFolder("save")
        let folder = try SaveFolder(dir)
        #expect(try explorer.saveModel(body("mine"), in: folder) == "mine.json")
        let back = try readBack(dir + "/mine.json")
        #expect(back.gbar("H") == 0.5)
        #expect(back.gbar("CaS") == NamedModel.named("stg-bursting")!.conductances["CaS"])
        do {
            _ = try explorer.saveModel(body("mine.json", blocked: ["H"]), in: folder)
            Issue.record("an existing file was replaced without overwrite")
        } catch {
            #expect(error.status == 409)
        }
        #expect(try readBack(dir + "/mine.json").gbar("H") == 0.5)
        #expect(try explorer.saveModel(body("mine.json", overwrite: true, blocked: ["H"]), in: folder) == "mine.json")
        #expect(try readBack(dir + "/mine.json").gbar("H") == 0)
        // A file Ganglion did not write there is not replaced, even with overwrite.
        try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/theirs.json"))
        #expect(throws: ExploreError.self) { try explorer.saveModel(body("theirs", overwrite: true), in: folder) }
        #expect(try String(contentsOfFile: dir + "/theirs.json", encoding: .utf8) == "{}")
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".tmp") || $0.hasSuffix(".partial") }.isEmpty)
    }

    @Test("a trace is the simulated run's CSV (t, V, Ca), written in the folder")
    func saveTrace() throws {
        let dir = try scratchFolder("trace")
        #expect(try explorer.saveTrace(body("run"), in: try SaveFolder(dir)) == "run.csv")
        let lines = try String(contentsOfFile: dir + "/run.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "t_ms,V_mV,Ca_au")
        #expect(lines.count == Int(explorer.settings.duration / SimulationRequest.defaultOutputInterval) + 2)
    }
}
