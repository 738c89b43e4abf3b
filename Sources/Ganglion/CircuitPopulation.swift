import Foundation

/// A population of circuits: a network file with a `circuits` block (`Docs/network-files.md`, "Populations of
/// circuits"), `{"count": N, "stride": S}`. Circuit k is the file's network with every population cell
/// `"#j"` replaced by population cell `j + k·S` (S defaults to the largest j + 1, so circuit k draws the
/// next cells of the population); everything else (synapses, controllers, protocol, initial voltages,
/// solver, outputs) is the same in every circuit. Each circuit runs as its own network.
public struct CircuitPopulation: @unchecked Sendable {
    /// The network file's name (`name`, else the file name): the run's name.
    public var name: String
    /// How many circuits.
    public var count: Int
    /// Population cells between one circuit and the next.
    public var stride: Int
    /// The first circuit: its settings (solver, duration, windows, outputs) are every circuit's.
    public var first: NetworkExperiment
    /// The network file's object without `circuits` (JSON value tree).
    let root: [String: Any]
    /// The population file's cells as JSON objects, when the population is a file (inlined into each circuit);
    /// nil for a generated population (each circuit generates its cells by index).
    let populationCells: [Any]?
    let file: String, folder: String, profile: Profile?
    /// The command line's solver overrides, applied to every circuit.
    let solver: SolverOverrides

    /// Reads a network file; nil if it has no `circuits` block (a single network).
    public static func load(_ path: String, profile: Profile? = nil, solver: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> CircuitPopulation? {
        OutputPolicy.protectInput(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(file: path, field: nil, message: "cannot read the file (does it exist?)")
        }
        return try parse(data, file: path, folder: URL(fileURLWithPath: path).deletingLastPathComponent().path, profile: profile, solver: solver)
    }

    /// Parses a network file's contents (relative paths from `folder`); nil if it has no `circuits` block.
    /// Checks the block and parses the first circuit; errors name the field.
    public static func parse(_ data: Data, file: String, folder: String, profile: Profile? = nil,
                             solver: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> CircuitPopulation? {
        try ModelFileError.parsing(data, file: file) { document throws(ModelFileError) -> CircuitPopulation? in
            guard var root = document.value as? [String: Any], let block = root["circuits"] else { return nil }
            let f = FieldReader(file: file)
            let c = try f.object(block, "circuits", allowed: ["count", "stride"])!
            func whole(_ key: String) throws(ModelFileError) -> Int? {
                guard let v = try f.number(c[key], "circuits.\(key)") else { return nil }
                guard v >= 1, v == v.rounded(), v <= 1_000_000 else { throw f.fail("circuits.\(key)", "must be a whole number in 1…1000000, got \(v)") }
                return Int(v)
            }
            guard let count = try whole("count") else { throw f.fail("circuits.count", "missing: how many circuits") }
            root["circuits"] = nil
            // The population cells each circuit draws, "#j" of its cells.
            var drawn: [Int] = []
            for item in root["cells"] as? [Any] ?? [] {
                if let s = (item as? [String: Any])?["cell"] as? String, s.hasPrefix("#"), let j = Int(s.dropFirst()), j >= 0 { drawn.append(j) }
            }
            guard let last = drawn.max() else {
                throw f.fail("circuits", "no cell is drawn from the population (\"cell\": \"#INDEX\"), so every circuit would be the same")
            }
            let stride = try whole("stride") ?? last + 1
            let needed = (count - 1) * stride + last + 1
            var cells: [Any]?
            if let path = root["population"] as? String {
                let resolved = path.hasPrefix("/") ? path : folder + "/" + path
                _ = try PopulationFile.load(resolved)   // checks the file, with its errors
                let parsed = try ModelFileError.parsing(FileManager.default.contents(atPath: resolved) ?? Data(), file: resolved) { $0.value }
                cells = (parsed as? [String: Any])?["cells"] as? [Any]
                guard let n = cells?.count, n >= needed else {
                    throw f.fail("circuits.count", "\(count) circuits of \(stride) population cells (the last using #\(needed - 1)) need \(needed) cells; \(path) has \(cells?.count ?? 0)")
                }
            }
            let name = try f.string(root["name"], "name") ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            let first = try circuit(0, root: root, populationCells: cells, stride: stride, file: file, folder: folder, profile: profile,
                                    solver: solver)
            return CircuitPopulation(name: name, count: count, stride: stride, first: first, root: root, populationCells: cells,
                                     file: file, folder: folder, profile: profile, solver: solver)
        }
    }

    /// The population cell each of circuit `k`'s cells is, by cell name (cells not drawn from the population: none).
    public func populationIndices(_ k: Int) -> [String: Int] { Self.populationIndices(k, root: root, stride: stride) }

    static func populationIndices(_ k: Int, root: [String: Any], stride: Int) -> [String: Int] {
        var out: [String: Int] = [:]
        for item in root["cells"] as? [Any] ?? [] {
            guard let c = item as? [String: Any], let name = c["name"] as? String, let s = c["cell"] as? String,
                  s.hasPrefix("#"), let j = Int(s.dropFirst()) else { continue }
            out[name] = j + k * stride
        }
        return out
    }

    /// Circuit `k` (0-based) as a network experiment. Errors name the circuit's population cell.
    public func circuit(_ k: Int) throws(ModelFileError) -> NetworkExperiment {
        try Self.circuit(k, root: root, populationCells: populationCells, stride: stride, file: file, folder: folder, profile: profile,
                         solver: solver)
    }

    static func circuit(_ k: Int, root: [String: Any], populationCells: [Any]?, stride: Int, file: String, folder: String,
                        profile: Profile?, solver: SolverOverrides) throws(ModelFileError) -> NetworkExperiment {
        var o = root
        var cells = o["cells"] as? [Any] ?? []
        for (i, item) in cells.enumerated() {
            guard var c = item as? [String: Any], let s = c["cell"] as? String, s.hasPrefix("#"), let j = Int(s.dropFirst()) else { continue }
            if let all = populationCells { c["cell"] = all[j + k * stride] } else { c["cell"] = "#\(j + k * stride)" }
            cells[i] = c
        }
        o["cells"] = cells
        if populationCells != nil { o["population"] = nil }   // every population cell is inlined
        do { return try NetworkExperiment.parse(value: o, file: file, folder: folder, profile: profile, solver: solver) } catch {
            var e = error
            e.message = "circuit \(k) (population cells \(populationIndices(k, root: root, stride: stride).sorted { $0.value < $1.value }.map { "\($0.key) #\($0.value)" }.joined(separator: ", "))): " + e.message
            throw e
        }
    }
}
