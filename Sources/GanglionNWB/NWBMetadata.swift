import Foundation

/// One recorded quantity, written as an NWB `TimeSeries` in `/acquisition`.
public struct NWBSeries: Sendable, Equatable {
    /// The series name (letters, digits, `_`, `-`).
    public var name: String
    /// What the series holds (NWB `description`).
    public var description: String
    /// The SI unit after `conversion` (e.g. "volts").
    public var unit: String
    /// Multiplies the stored values into `unit` (stored mV → volts: 1e-3).
    public var conversion: Double
    /// Free-text remarks (NWB `comments`; default "no comments").
    public var comments: String

    /// A series named `name` in `unit` after `conversion` (default 1: stored in `unit`).
    public init(name: String, description: String, unit: String, conversion: Double = 1, comments: String = "no comments") {
        self.name = name
        self.description = description
        self.unit = unit
        self.conversion = conversion
        self.comments = comments
    }
}

/// The session-level metadata of an NWB file (NWB 2 `NWBFile` fields).
public struct NWBMetadata: Sendable {
    /// What the session is (NWB `session_description`, required).
    public var sessionDescription: String
    /// A unique identifier of the file (default a fresh lower-case UUID).
    public var identifier = UUID().uuidString.lowercased()
    /// The wall-clock time the run started (written with its UTC offset).
    public var sessionStartTime = Date()
    /// What the experiment is (NWB `experiment_description`); `nil`: left out.
    public var experimentDescription: String?
    /// Free text; Ganglion writes the model here (JSON).
    public var notes: String?
    /// The protocol (JSON).
    public var protocolText: String?
    /// How the data were produced: the solver and its settings (JSON).
    public var dataCollection: String?
    /// The command that produced the file, and the file it read (`source_script` and its `file_name`).
    public var sourceScript: String?
    /// The file `sourceScript` read (`file_name` of `source_script`).
    public var sourceScriptFileName: String?
    /// Search keywords (NWB `keywords`).
    public var keywords: [String] = []
    /// Publications the data relate to (DOIs or references; NWB `related_publications`).
    public var relatedPublications: [String] = []
    /// The subject: for a simulation, the model cell (NWB requires one).
    public var subject = NWBSubject()

    /// Metadata with this session description, a fresh identifier and the start time now.
    public init(sessionDescription: String) { self.sessionDescription = sessionDescription }
}

/// NWB's `Subject` for in-silico data: the model neuron. NWB asks for an identifier, a sex and an age or
/// date of birth; a model cell has no sex ("U", unknown) and comes into being when the run starts (its date of
/// birth is the session start). The species is written only when given: the specification of a model rarely
/// says which animal it stands for.
public struct NWBSubject: Sendable {
    /// The subject's identifier (default "model").
    public var subjectID = "model"
    /// What the subject is (default: a model neuron, not an animal).
    public var description = "In-silico subject: a conductance-based model neuron simulated by Ganglion, not an animal."
    /// NWB's sex field: "U", unknown, for a model cell.
    public var sex = "U"
    /// Latin binomial (e.g. "Cancer borealis") or an NCBI taxonomy IRI; nil leaves it out.
    public var species: String?
    /// A model-cell subject; the species is left out unless given.
    public init(subjectID: String = "model", species: String? = nil) {
        self.subjectID = subjectID
        self.species = species
    }
}
