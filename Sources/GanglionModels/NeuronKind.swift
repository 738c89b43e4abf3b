import GanglionCore
import Synchronization

/// A model family: its channels, default constants, DIC conventions, the defaults of the experiments run on it
/// and its named models. Each family is one value, defined in its own file of `Families/`; a model file names
/// its family with `"kind"`.
public struct NeuronKind: Sendable {
    /// The name used in model files.
    public var name: String
    /// The gated channels, in model order.
    public var channels: [any IonChannel.Type]
    /// Default reversal potentials (mV) by model-file key (`Na`, `K`, `Ca`, …) and the ion each applies to.
    public var reversalKeys: [(key: String, ion: Ion, value: Double)]
    /// Default leak reversal (mV).
    public var leakReversal: Double
    /// Default initial potential (mV) and calcium.
    public var initialVoltage: Double, initialCalcium: Double
    /// The family's calcium pool (τ_Ca in ms, Ca_rest and influx in model units).
    public var calcium: CalciumPool
    /// The family's reference time constants for the DIC timescale split.
    public var dicReferences: DICReferences
    /// The threshold rule: a threshold fixed by the model (mV), or nil when it is computed from the DICs.
    public var fixedThreshold: Double?
    /// The authors' shortcuts in this family's DIC computations, used by the `paper` compensation variant
    /// (Docs/science/dics.md §6).
    public var paperDICOptions: DICOptions
    /// The two conductances a neuromodulation controller, a sharp switch or a compensation acts on when an
    /// experiment names none (g_s and g_u are matched by changing them).
    public var modulatedPair: [String]
    /// DIC targets (g_s*, g_u*) at threshold that the family's named cells reach by changing `modulatedPair`
    /// into a bursting cell (the benchmarks' compensation solve).
    public var burstingTargets: (gs: Double, gu: Double)
    /// Whether the authors' neuromodulation controller for this family has anti-windup (the default of the
    /// paper profile; the Ganglion profile always has it).
    public var paperAntiWindup: Bool
    /// The family's named conductance sets, usable wherever a model file is.
    public var models: [NamedModel]
    /// Where the equations come from.
    public var source: String

    /// A family from its parts (see the properties).
    public init(name: String, channels: [any IonChannel.Type], reversalKeys: [(key: String, ion: Ion, value: Double)],
                leakReversal: Double, initialVoltage: Double, initialCalcium: Double, calcium: CalciumPool,
                dicReferences: DICReferences, fixedThreshold: Double?, paperDICOptions: DICOptions = DICOptions(),
                modulatedPair: [String], burstingTargets: (gs: Double, gu: Double), paperAntiWindup: Bool,
                models: [NamedModel], source: String) {
        self.name = name
        self.channels = channels
        self.reversalKeys = reversalKeys
        self.leakReversal = leakReversal
        self.initialVoltage = initialVoltage
        self.initialCalcium = initialCalcium
        self.calcium = calcium
        self.dicReferences = dicReferences
        self.fixedThreshold = fixedThreshold
        self.paperDICOptions = paperDICOptions
        self.modulatedPair = modulatedPair
        self.burstingTargets = burstingTargets
        self.paperAntiWindup = paperAntiWindup
        self.models = models
        self.source = source
    }

    /// Names of every conductance a model file must give, leak included.
    public var conductanceNames: [String] { channels.map { $0.name } + ["leak"] }

    /// The families that come with Ganglion (`Families/`).
    public static let builtIn: [NeuronKind] = [.stg, .da]
    /// Families added with `register`.
    private static let registered = Mutex<[NeuronKind]>([])
    /// Every family, for look-up by name: the built-in ones, then the registered ones.
    public static var all: [NeuronKind] { builtIn + registered.withLock { $0 } }
    /// The family with this name, or `nil`.
    public static func named(_ name: String) -> NeuronKind? { all.first { $0.name == name } }
    /// The family of a neuron built by one (`NeuronDescription.kind`), or `nil` for a neuron made otherwise.
    public static func of(_ neuron: NeuronDescription) -> NeuronKind? { named(neuron.kind) }
    /// Adds a family, found from then on by its name wherever a family is (model files, experiments, networks).
    /// Returns false, adding nothing, if a family of that name exists.
    @discardableResult
    public static func register(_ kind: NeuronKind) -> Bool {
        registered.withLock { list in
            guard !(builtIn + list).contains(where: { $0.name == kind.name }) else { return false }
            list.append(kind)
            return true
        }
    }

    /// Every channel name of every family (the names a `tau_scale` may give before its cell is known).
    public static var channelNames: Set<String> { Set(all.flatMap { $0.channels.map { $0.name } }) }

    /// Builds a neuron of this family.
    /// - Parameters:
    ///   - conductances: ḡ (mS/cm²) for every name in `conductanceNames`.
    ///   - reversals: overrides by reversal key (mV).
    ///   - tauScales: time-constant factors by channel name (e.g. `["KCa": 2]`).
    ///   - magnesium: extracellular Mg (mM) for NMDA.
    public func neuron(name: String? = nil, conductances: [String: Double], reversals: [String: Double] = [:],
                       capacitance: Double = 1, calcium: CalciumPool? = nil, appliedCurrent: Double = 0,
                       initialVoltage: Double? = nil, initialCalcium: Double? = nil,
                       tauScales: [String: Double] = [:], magnesium: Double = 1.4,
                       threshold: Double? = nil) throws(ModelError) -> NeuronDescription {
        for key in conductanceNames where conductances[key] == nil {
            throw ModelError.invalidValue(field: "conductances.\(key)", value: .nan, reason: "missing")
        }
        func reversal(for ion: Ion) -> Double {
            let entry = reversalKeys.first { $0.ion == ion }!
            return reversals[entry.key] ?? entry.value
        }
        let gated = channels.map { ch in
            Conductance(ch, gbar: conductances[ch.name]!, reversal: reversal(for: ch.ion),
                        context: ChannelContext(tauScale: tauScales[ch.name] ?? 1, magnesium: magnesium))
        }
        var d = NeuronDescription(name: name ?? self.name, capacitance: capacitance, conductances: gated,
                                  leakConductance: conductances["leak"]!, leakReversal: reversals["leak"] ?? leakReversal,
                                  calcium: calcium ?? self.calcium, appliedCurrent: appliedCurrent,
                                  initialVoltage: initialVoltage ?? self.initialVoltage,
                                  initialCalcium: initialCalcium ?? self.initialCalcium)
        d.kind = self.name
        d.dicReferences = dicReferences
        d.fixedThreshold = threshold ?? fixedThreshold
        d.paperDICOptions = paperDICOptions
        try d.validate()
        return d
    }
}
