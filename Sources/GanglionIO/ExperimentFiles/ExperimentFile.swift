import Foundation
import GanglionCore

/// An experiment file as written (`Docs/experiment-files.md`): the cell or the population, the controllers
/// as declared, the duration, the protocol, the solver settings and the outputs. Reading it checks every
/// field's type and range and computes nothing: the cells are loaded or generated, thresholds found and
/// controllers built when the file is resolved (`Experiment` in the Ganglion module).
public struct ExperimentFile: Sendable {
    /// Where the cells come from.
    public enum Cells: Sendable {
        /// One cell.
        case cell(CellSource)
        /// The chosen cells of a population.
        case population(PopulationSource, choice: CellChoice)
    }
    /// The file's path (named in errors).
    public var file: String
    /// Name of the experiment: the file's `name`, else the file name without its extension.
    public var name: String
    /// The file's profile; `nil`: not given (Ganglion's).
    public var profile: Profile?
    /// The cell or the population.
    public var cells: Cells
    /// Duration (ms).
    public var duration: Double
    /// The homeostasis block; `nil`: none.
    public var homeostasis: HomeostasisDeclaration?
    /// The neuromodulation block; `nil`: none.
    public var neuromodulation: NeuromodulationDeclaration?
    /// The regulation block; `nil`: none.
    public var regulation: RegulationDeclaration?
    /// The preparatory run; `nil`: none.
    public var preparation: Preparation?
    /// The solver block (defaults for the keys not given).
    public var solver: SolverSettings
    /// The protocol's events in the file's order.
    public var events: [ProtocolEventDeclaration]
    /// The outputs.
    public var outputs: ExperimentOutputs

    /// Reads the experiment file at `path`. Relative paths inside it are taken from its folder.
    public static func load(_ path: String) throws(ModelFileError) -> ExperimentFile {
        let data = try ModelFileError.readInput(path)
        return try parse(data, file: path, folder: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// Reads an experiment file's contents; `file` names it in errors (with the line and column of the field),
    /// relative paths are taken from `folder`.
    public static func parse(_ data: Data, file: String, folder: String) throws(ModelFileError) -> ExperimentFile {
        try ModelFileError.parsing(data, file: file) { document throws(ModelFileError) in
            try parse(value: document.value, file: file, folder: folder)
        }
    }

    /// Reads an experiment given as a JSON value (fields named as in `file`, without locations).
    public static func parse(value parsed: Any, file: String, folder: String) throws(ModelFileError) -> ExperimentFile {
        let f = FieldReader(file: file)
        guard let root = parsed as? [String: Any] else { throw f.fail(nil, "must be a JSON object (an experiment), got \(describeJSON(parsed))") }
        _ = try f.object(root, "", allowed: ["name", "notes", "cell", "population", "cells", "duration_ms", "solver", "profile",
                                             "homeostasis", "neuromodulation", "regulation", "prepare", "protocol", "outputs"])
        var profile: Profile?
        if let p = try f.string(root["profile"], "profile") {
            guard let v = Profile(rawValue: p) else { throw f.fail("profile", "unknown profile '\(p)' (known: ganglion, paper)") }
            profile = v
        }
        let cells = try readCells(root, folder: folder, f)
        guard let duration = try f.number(root["duration_ms"], "duration_ms") else { throw f.fail("duration_ms", "missing") }
        guard duration > 0 else { throw f.fail("duration_ms", "must be > 0 ms, got \(duration)") }
        let homeostasis = try HomeostasisDeclaration.parse(root["homeostasis"], f)
        let regulation = try RegulationDeclaration.parse(root["regulation"], f)
        let neuromodulation = try NeuromodulationDeclaration.parse(root["neuromodulation"], f)
        var preparation: Preparation?
        if let p = try f.object(root["prepare"], "prepare", allowed: ["duration_ms", "dic_targets"]) {
            guard let d = try f.positive(p["duration_ms"], "prepare.duration_ms") else { throw f.fail("prepare.duration_ms", "missing") }
            var prep = Preparation(duration: d)
            if let t = try f.object(p["dic_targets"], "prepare.dic_targets", allowed: ["g_s", "g_u"]) {
                guard neuromodulation != nil else { throw f.fail("prepare.dic_targets", "needs a neuromodulation controller") }
                prep.gs = try f.number(t["g_s"], "prepare.dic_targets.g_s")
                prep.gu = try f.number(t["g_u"], "prepare.dic_targets.g_u")
            }
            preparation = prep
        }
        let solver = try f.solverSettings(root["solver"], allowed: ["name", "rtol", "atol", "dt", "max_step", "linear_solver"])
        var events: [ProtocolEventDeclaration] = []
        if let p = root["protocol"] {
            guard let list = p as? [Any] else { throw f.fail("protocol", "must be a list of events, got \(describeJSON(p))") }
            for (i, item) in list.enumerated() { events.append(try ProtocolEventDeclaration.parse(item, field: "protocol[\(i)]", f)) }
        }
        let outputs = try ExperimentOutputs.parse(root["outputs"], duration: duration, f)
        let name = try f.string(root["name"], "name") ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        // The name becomes the default output folder, out/<name>.
        if let problem = FileName.problem(name) { throw f.fail("name", "'\(name.debugDescription.dropFirst().dropLast())' \(problem)") }
        return ExperimentFile(file: file, name: name, profile: profile, cells: cells, duration: duration, homeostasis: homeostasis,
                              neuromodulation: neuromodulation, regulation: regulation, preparation: preparation, solver: solver,
                              events: events, outputs: outputs)
    }

    /// `cell`, or `population` with `cells`.
    static func readCells(_ root: [String: Any], folder: String, _ f: FieldReader) throws(ModelFileError) -> Cells {
        switch (root["cell"], root["population"]) {
        case (nil, nil): throw f.fail("cell", "missing (a model file, a named model, POP.json#INDEX, or an inline model object; or \"population\")")
        case (.some, .some): throw f.fail("population", "give either a cell or a population, not both")
        case (let s as String, nil):
            if root["cells"] != nil { throw f.fail("cells", "only with a population") }
            return .cell(.model(FieldReader.path(s, folder: folder)))
        case (let o as [String: Any], nil):
            let cell = try ModelFile.parse(value: o, file: f.file, field: "cell", defaultName: "cell")
            if root["cells"] != nil { throw f.fail("cells", "only with a population") }
            return .cell(.inline(cell))
        case (let c?, nil): throw f.fail("cell", "must be a path string or a model object, got \(describeJSON(c))")
        case (nil, let p?):
            let source: PopulationSource
            if let path = p as? String {
                source = .file(FieldReader.path(path, folder: folder))
            } else if let o = p as? [String: Any], o["uniform"] != nil {
                source = .uniform(try f.uniformPopulation(o, folder: folder))
            } else if let g = try f.object(p, "population", allowed: ["generate", "count", "seed", "variant", "g_s", "g_u"]) {
                source = .generated(try f.populationGeneration(g, allowed: ["generate", "count", "seed", "variant", "g_s", "g_u"]))
            } else {
                throw f.fail("population", "must be the path of a population file or {\"generate\": FAMILY, \"count\": N, \"seed\": S}")
            }
            return .population(source, choice: try cellChoice(root["cells"], f))
        }
    }

    /// `cells`: a number of cells (the first ones) or a list of indices.
    static func cellChoice(_ value: Any?, _ f: FieldReader) throws(ModelFileError) -> CellChoice {
        switch value {
        case nil: return .all
        case let n as Double where !(value is Bool):
            guard n >= 1, n == n.rounded() else { throw f.fail("cells", "must be a positive whole number or a list of indices, got \(n)") }
            return .first(n < 1e9 ? Int(n) : 1_000_000_000)
        case let list as [Any]:
            var out: [Double] = []
            for (i, x) in list.enumerated() {
                guard let v = x as? Double, !(x is Bool) else {
                    throw f.fail("cells[\(i)]", "must be a cell index (a whole number ≥ 0), got \(describeJSON(x))")
                }
                out.append(v)
            }
            return .indices(out)
        default: throw f.fail("cells", "must be a number of cells or a list of indices")
        }
    }
}
