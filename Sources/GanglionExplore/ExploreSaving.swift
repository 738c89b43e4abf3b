import Foundation
import Ganglion

extension Explorer {
    /// What a save request asks for: `{"name": "my-model", "overwrite": false, "state": {…}}`.
    struct SaveRequest {
        var name: String
        var overwrite: Bool
        var state: ExploreState

        static func parse(_ text: String) throws(ExploreError) -> SaveRequest {
            guard let o = try jsonObject(text) as? [String: Any] else { throw .badRequest("the request must be a JSON object") }
            if let extra = o.keys.sorted().first(where: { !["name", "overwrite", "state"].contains($0) }) {
                throw .badRequest("unknown field '\(extra)' (known: name, overwrite, state)")
            }
            guard let name = o["name"] as? String else { throw .badRequest("'name' must be a file name (text)") }
            let overwrite = o["overwrite"] as? Bool ?? false
            guard let state = o["state"] else { throw .badRequest("'state' is missing") }
            return SaveRequest(name: name, overwrite: overwrite, state: try ExploreState.parse(state))
        }
    }

    /// Saves the state's model (blockades applied to ḡ, as simulated) in `folder`; returns the file's name.
    public func saveModel(_ text: String, in folder: SaveFolder) throws(ExploreError) -> String {
        let r = try SaveRequest.parse(text)
        var neuron = try neuron(for: r.state)
        let blocked = r.state.blocked.sorted()
        neuron = neuron.effective()
        neuron.name = PathParts.name(of: r.name).replacingOccurrences(of: ".json", with: "")
        let note = blocked.isEmpty ? "" : " with \(blocked.joined(separator: ", ")) blocked (ḡ = 0)"
        return try folder.saveModel(neuron, name: r.name, overwrite: r.overwrite,
                                    source: "ganglion explore: \(r.state.model)\(note)")
    }

    /// Simulates the state's model again as an update does and writes its whole trace (CSV, every
    /// 0.1 ms: t, V, Ca) in `folder`; returns the file's name.
    public func saveTrace(_ text: String, in folder: SaveFolder) throws(ExploreError) -> String {
        let r = try SaveRequest.parse(text)
        let neuron = try neuron(for: r.state)
        let path = try folder.target(r.name, fileExtension: "csv", overwrite: r.overwrite)
        var request = SimulationRequest(neuron: neuron, duration: settings.duration)
        request.solverSettings = settings.solver
        request.window = settings.window
        request.tracePath = path
        do { _ = try simulate(request) } catch { throw .failed("\(error)") }
        return PathParts.name(of: path)
    }
}
