import GanglionCore

/// A named conductance set of a family (mS/cm²; Docs/science/models.md §5 and §8), with its reference behaviour.
public struct NamedModel: Sendable {
    /// The model's name, usable wherever a model file is.
    public let name: String
    /// The model family's name.
    public let kind: String
    /// ḡ by channel, `leak` included (mS/cm²).
    public let conductances: [String: Double]
    /// Where the numbers come from.
    public let source: String
    /// What the model does, per the spec.
    public let expected: String

    /// A named model of the family called `kind`.
    public init(name: String, kind: String, conductances: [String: Double], source: String, expected: String) {
        self.name = name
        self.kind = kind
        self.conductances = conductances
        self.source = source
        self.expected = expected
    }

    /// All named models: every family's (`NeuronKind.models`).
    public static var all: [NamedModel] { NeuronKind.all.flatMap(\.models) }

    /// The named model called `name`, if any.
    public static func named(_ name: String) -> NamedModel? { all.first { $0.name == name } }

    /// The neuron with this conductance set and every other parameter at the spec's defaults.
    public func neuron() throws(ModelError) -> NeuronDescription {
        try NeuronKind.named(kind)!.neuron(name: name, conductances: conductances)
    }
}
