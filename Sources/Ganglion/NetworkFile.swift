import Foundation

/// A network experiment file (`Docs/network-files.md`): cells, synapses, gap junctions, controllers,
/// a protocol addressed to cells, and the outputs.
public struct NetworkExperiment: Sendable {
    /// Name of the experiment: the file's `name`, else the file name without its extension.
    public var name: String
    /// Which computations are used where the authors' code differs (the file's, or the override).
    public var profile: Profile
    /// The run: network, duration, solver, protocol, analysis windows and outputs.
    public var request: NetworkRequest
    /// Trace file name inside the output folder (nil: no trace).
    public var traceName: String?
    /// Whether conductances are written (every `request.conductanceInterval` ms).
    public var writesConductances: Bool

    /// Reads a network file and resolves it. Relative paths inside it are relative to its folder; `override`
    /// replaces the file's profile and `overrides` some of its solver settings (before any run the controllers
    /// need is made).
    public static func load(_ path: String, profile override: Profile? = nil, solver overrides: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> NetworkExperiment {
        let data = try ModelFileError.readInput(path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(data, file: path, folder: folder, profile: override, solver: overrides)
    }

    /// Reads a network file's contents (`NetworkFileDescription`) and resolves them (`init(resolving:)`); `file`
    /// names it in errors, relative paths are taken from `folder`, `override` replaces the file's profile and
    /// `overrides` some of its solver settings. Throws `ModelFileError` naming the field at fault, with its line
    /// and column, also for errors found while resolving.
    public static func parse(_ data: Data, file: String, folder: String, profile override: Profile? = nil,
                             solver overrides: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> NetworkExperiment {
        try ModelFileError.parsing(data, file: file) { document throws(ModelFileError) in
            try parse(value: document.value, file: file, folder: folder, profile: override, solver: overrides)
        }
    }

    /// Reads and resolves a network given as a JSON value (fields named as in `file`, without locations).
    static func parse(value parsed: Any, file: String, folder: String, profile override: Profile? = nil,
                      solver overrides: SolverOverrides = SolverOverrides()) throws(ModelFileError) -> NetworkExperiment {
        let description = try NetworkFileDescription.parse(value: parsed, file: file, folder: folder)
        return try NetworkExperiment(resolving: description, profile: override, solver: overrides)
    }
}
