import ArgumentParser
import Foundation
import Ganglion
import GanglionExplore

struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "A live explorer in the browser: conductance, current and DIC-target sliders, blockades, the trace, the DIC curves and the firing features (Docs/explore.md).",
        discussion: "Serves a local page (default http://127.0.0.1:8765/; the URL is the first line on stdout). Saves go to the model file's folder only (or --output).")

    @Argument(help: "Model file (JSON) or named model (default stg-bursting).") var model: String?
    @Option(help: "Address to listen on (default the loopback interface only).") var host = "127.0.0.1"
    @Option(help: "Port (0: a free one, printed with the URL).") var port = 8765
    @Option(help: "Folder the page saves into when MODEL is not a file (default the current folder).") var output: String?
    @Option(parsing: .unconditional, help: "Simulated duration of each update (ms).") var duration: Double = ExploreSettings().duration
    @Option(parsing: .unconditional, help: "Settling time (ms) left out of the firing analysis.") var settling: Double = ExploreSettings().settling
    @Flag(help: "Serve nothing: compute --updates updates of MODEL (each ḡ nudged so none repeats) and print the median compute time.")
    var measure = false
    @Option(help: "With --measure: how many updates.") var updates = 21

    func run() throws {
        let name = model ?? "stg-bursting"
        let neuron: NeuronDescription
        do { neuron = try ModelFile.loadAny(name) } catch { throw fail("\(error)") }
        var settings = ExploreSettings()
        settings.duration = duration
        settings.settling = settling
        let explorer: Explorer
        do { explorer = try Explorer(neuron: neuron, name: FileManager.default.fileExists(atPath: name) ? neuron.name : name, settings: settings) } catch {
            throw fail("\(error)")
        }
        if measure { return try runMeasure(explorer) }
        guard (0...65535).contains(port) else { throw fail("--port \(port): must be in 0…65535") }
        let isFile = FileManager.default.fileExists(atPath: name)
        if isFile, output != nil { throw fail("--output is for a named model: the page saves in the model file's folder") }
        let folder: SaveFolder
        do { folder = try SaveFolder(isFile ? PathParts.folder(of: name) : (output ?? ".")) } catch { throw fail("\(error)") }
        var server = ExploreServer(explorer: explorer, folder: folder)
        server.host = host
        server.port = port
        let finished = DispatchSemaphore(value: 0)
        let failure = Failure()
        Task.detached {
            do {
                try await server.run { url in
                    FileHandle.standardOutput.write(Data("Ganglion explorer: \(url)\n".utf8))
                    printErr("serving \(explorer.primary) (saves in \(folder.path)); Ctrl-C stops")
                }
            } catch { failure.set("\(error)") }
            finished.signal()
        }
        finished.wait()
        if let message = failure.message { throw fail("explore: \(message)") }
    }

    /// Computes `updates` updates and prints the median compute and simulation times.
    func runMeasure(_ explorer: Explorer) throws {
        guard updates >= 1 else { throw fail("--updates \(updates): must be ≥ 1") }
        var computes: [Double] = [], simulations: [Double] = []
        var base: ExploreState
        do { base = try explorer.initialState(model: explorer.primary) } catch { throw fail("\(error)") }
        for k in 0..<updates {
            var state = base
            // A different state each time (ḡ × (1 + k·1e-6)): nothing is reused between updates.
            for (c, g) in base.conductances { state.conductances[c] = g * (1 + Double(k) * 1e-6) }
            let u: ExploreUpdate?
            do { u = try explorer.update(state) } catch { throw fail("\(error)") }
            guard let u else { continue }
            computes.append(u.computeMilliseconds)
            simulations.append(u.simulationMilliseconds)
        }
        func median(_ a: [Double]) -> Double { let s = a.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
        let s = explorer.settings
        print(String(format: "%@: median of %d updates: compute %.1f ms (simulation %.1f ms) for %g ms simulated with %@, dt %g ms",
                     explorer.primary, computes.count, median(computes), median(simulations), s.duration, s.solver.method.rawValue, s.solver.fixedStep ?? 0))
    }
}

/// An error message handed from the server's task to the command.
private final class Failure: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ m: String) { lock.withLock { text = m } }
    var message: String? { lock.withLock { text } }
}
