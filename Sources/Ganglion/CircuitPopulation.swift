import Foundation

/// A population of circuits: a network file with a `circuits` block (`Docs/network-files.md`, "Populations of
/// circuits"), `{"count": N, "stride": S}`. Circuit k is the file's network with every population cell
/// `"#j"` replaced by population cell `j + k·S` (S defaults to the largest j + 1, so circuit k draws the
/// next cells of the population); everything else (synapses, controllers, protocol, initial voltages,
/// solver, outputs) is the same in every circuit. Each circuit runs as its own network.
public struct CircuitPopulation: Sendable {
    /// The network file's name (`name`, else the file name): the run's name.
    public var name: String
    /// How many circuits.
    public var count: Int
    /// Population cells between one circuit and the next.
    public var stride: Int
    /// The first circuit: its settings (solver, duration, windows, outputs) are every circuit's.
    public var first: NetworkExperiment
    /// The network file as written.
    public var network: NetworkFileDescription
    /// The population file's cells, when the population is a file (read once for every circuit); nil for a
    /// generated population (each circuit generates its cells by index).
    let populationCells: [NeuronDescription]?
    /// The command line's profile and solver overrides, applied to every circuit.
    let profile: Profile?
    let solver: SolverOverrides

    /// Reads a network file; nil if it has no `circuits` block (a single network).
    public static func load(_ path: String, profile: Profile? = nil, solver: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> CircuitPopulation? {
        let data = try ModelFileError.readInput(path)
        return try parse(data, file: path, folder: URL(fileURLWithPath: path).deletingLastPathComponent().path, profile: profile, solver: solver)
    }

    /// Parses a network file's contents (relative paths from `folder`); nil if it has no `circuits` block.
    /// Reads the file (`NetworkFileDescription`) and resolves the first circuit; errors name the field.
    public static func parse(_ data: Data, file: String, folder: String, profile: Profile? = nil,
                             solver: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> CircuitPopulation? {
        try ModelFileError.parsing(data, file: file) { document throws(ModelFileError) -> CircuitPopulation? in
            guard (document.value as? [String: Any])?["circuits"] != nil else { return nil }
            return try CircuitPopulation(resolving: try NetworkFileDescription.parse(value: document.value, file: file, folder: folder),
                                         profile: profile, solver: solver)
        }
    }

    /// The population cell each of circuit `k`'s cells is, by cell name (cells not drawn from the population: none).
    public func populationIndices(_ k: Int) -> [String: Int] { Self.populationIndices(k, of: network, stride: stride) }

    static func populationIndices(_ k: Int, of d: NetworkFileDescription, stride: Int) -> [String: Int] {
        var out: [String: Int] = [:]
        for c in d.cells { if case .populationCell(let j) = c.origin { out[c.name] = j + k * stride } }
        return out
    }

    /// Circuit `k` (0-based) as a network experiment. Errors name the circuit's population cells.
    public func circuit(_ k: Int) throws(ModelFileError) -> NetworkExperiment {
        try Self.circuit(k, of: network, stride: stride, populationCells: populationCells, profile: profile, solver: solver)
    }

    static func circuit(_ k: Int, of d: NetworkFileDescription, stride: Int, populationCells: [NeuronDescription]?,
                        profile: Profile?, solver: SolverOverrides) throws(ModelFileError) -> NetworkExperiment {
        var o = d
        for i in o.cells.indices {
            if case .populationCell(let j) = o.cells[i].origin { o.cells[i].origin = .populationCell(j + k * stride) }
        }
        do { return try NetworkExperiment(resolvingCircuit: o, profile: profile, solver: solver, populationCells: populationCells) } catch {
            var e = error
            e.message = "circuit \(k) (population cells \(populationIndices(k, of: d, stride: stride).sorted { $0.value < $1.value }.map { "\($0.key) #\($0.value)" }.joined(separator: ", "))): " + e.message
            throw e
        }
    }
}

extension CircuitPopulation {
    /// The circuits of a network file with a `circuits` block: its population file read (it must hold every
    /// circuit's cells) and the first circuit resolved. `profile` and `solver` override the file's.
    public init(resolving d: NetworkFileDescription, profile: Profile? = nil, solver: SolverOverrides = SolverOverrides()) throws(ModelFileError) {
        guard let circuits = d.circuits else { throw FieldReader(file: d.file).fail("circuits", "missing: how many circuits") }
        var cells: [NeuronDescription]?
        if case .file(let path) = d.population {
            let all = try PopulationFile.load(path).cells
            let last = d.cells.compactMap { if case .populationCell(let j) = $0.origin { j } else { nil } }.max() ?? 0
            let needed = (circuits.count - 1) * circuits.stride + last + 1
            guard all.count >= needed else {
                throw FieldReader(file: d.file).fail("circuits.count", "\(circuits.count) circuits of \(circuits.stride) population cells (the last using #\(needed - 1)) need \(needed) cells; \(path) has \(all.count)")
            }
            cells = all
        }
        self.init(name: d.name, count: circuits.count, stride: circuits.stride,
                  first: try Self.circuit(0, of: d, stride: circuits.stride, populationCells: cells, profile: profile, solver: solver),
                  network: d, populationCells: cells, profile: profile, solver: solver)
    }
}
