import Foundation
import GanglionCore

/// A network file as written (`Docs/network-files.md`): cells (each a model, an inline model or a cell of the
/// population, with its τ factors, V₀, modulation and DIC targets as declared), the population, initial
/// voltages, synapses, gap junctions, the controllers as declared, a protocol addressed to cells, the solver
/// settings and the outputs. Reading it checks every field's type and range and the names of the cells it
/// refers to, and computes nothing: cells are loaded or generated, modulated and given their controllers when
/// the file is resolved (`NetworkExperiment` in the Ganglion module).
public struct NetworkFileDescription: Sendable {
    /// Where a network cell comes from.
    public enum CellOrigin: Sendable {
        /// A model file, a named model or an inline model.
        case cell(CellSource)
        /// Cell `#index` of the file's population.
        case populationCell(Int)
    }
    /// `modulate`: start from the cell modulated to these DIC targets at its threshold.
    public struct Modulation: Sendable {
        /// The targets given (dimensionless).
        public var targets: [DICName: Double]
        /// The conductances solved for; `nil`: the cell family's pair.
        public var conductances: [String]?
    }
    /// One cell as written.
    public struct Cell: Sendable {
        /// The cell's name (a label in the outputs).
        public var name: String
        /// Where it comes from.
        public var origin: CellOrigin
        /// `tau_scale`: factors on channels' time constants (dimensionless), by channel.
        public var tauScales: [String: Double]
        /// `V0` (mV); `nil`: from `initial`, else the model's.
        public var initialVoltage: Double?
        /// `modulate`; `nil`: none.
        public var modulation: Modulation?
        /// `dic_targets` of the cell's neuromodulation controller (dimensionless); `nil`: the block's.
        public var dicTargets: (gs: Double?, gu: Double?)
    }
    /// `initial`: V_i = mean + spread (r − 0.5) from a seeded generator (Docs/science/networks.md §5).
    public struct InitialState: Sendable {
        /// Mean and spread of the initial voltages (mV).
        public var meanVoltage: Double, spread: Double
        /// The generator's seed.
        public var seed: UInt64
        /// Whether each cell's Ca starts at Ca∞(V_i) (`steady`) rather than the model's (`model`).
        public var steadyCalcium: Bool
    }
    /// One protocol event as written.
    public struct Event: Sendable {
        /// What a network event does.
        public enum Action: Sendable {
            /// A single-cell action for each cell addressed.
            case cell(ProtocolEventDeclaration.Action)
            /// Switch homeostasis on; m starts at ḡ(0) (`initial`) or at the present ḡ.
            case startHomeostasis(mFromInitial: Bool)
        }
        /// Time (ms).
        public var time: Double
        /// Indices of the cells addressed.
        public var cells: [Int]
        /// What it does.
        public var action: Action
    }

    /// `circuits`: a population of circuits (`Docs/network-files.md`, "Populations of circuits").
    public struct Circuits: Sendable {
        /// How many circuits.
        public var count: Int
        /// Population cells between one circuit and the next (default: the largest `#j` drawn + 1).
        public var stride: Int
    }

    /// The file's path (named in errors).
    public var file: String
    /// Name of the experiment: the file's `name`, else the file name without its extension.
    public var name: String
    /// The file's profile; `nil`: not given (Ganglion's).
    public var profile: Profile?
    /// Duration (ms).
    public var duration: Double
    /// The solver block (defaults for the keys not given; no `atol`).
    public var solver: SolverSettings
    /// The population the cells may draw from: a file or a generator (its count: as many as the cells draw).
    public var population: PopulationSource?
    /// `initial`; `nil`: the models' initial states.
    public var initial: InitialState?
    /// The cells, in the file's order.
    public var cells: [Cell]
    /// The homeostasis block, for every cell; `nil`: none.
    public var homeostasis: HomeostasisDeclaration?
    /// The neuromodulation block, for every cell; `nil`: none.
    public var neuromodulation: NeuromodulationDeclaration?
    /// Chemical synapses.
    public var synapses: [ChemicalSynapse]
    /// Gap junctions.
    public var electricalSynapses: [ElectricalSynapse]
    /// The protocol, in the file's order.
    public var events: [Event]
    /// The outputs.
    public var outputs: NetworkOutputs
    /// The population of circuits; `nil`: one network.
    public var circuits: Circuits?

    /// Reads the network file at `path`. Relative paths inside it are taken from its folder.
    public static func load(_ path: String) throws(ModelFileError) -> NetworkFileDescription {
        let data = try ModelFileError.readInput(path)
        return try parse(data, file: path, folder: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// Reads a network file's contents; `file` names it in errors (with the line and column of the field),
    /// relative paths are taken from `folder`.
    public static func parse(_ data: Data, file: String, folder: String) throws(ModelFileError) -> NetworkFileDescription {
        try ModelFileError.parsing(data, file: file) { document throws(ModelFileError) in
            try parse(value: document.value, file: file, folder: folder)
        }
    }
}
