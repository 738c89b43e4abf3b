import GanglionCore
import Synchronization

/// A model family: its channels, default constants, DIC conventions, the defaults of the experiments run on it
/// and its named models. Each family is one value, defined in its own file of `Families/`; a model file names
/// its family with `"kind"`.
public struct NeuronKind: Sendable {
    /// The name used in model files.
    public var name: String
    /// The gated channels, in model order.
    public var channels: [any ChannelKinetics]
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
    /// Membrane capacitance C of the family's cells (µF/cm²).
    public var capacitance: Double = 1
    /// The channels every model of the family must give a ḡ for; nil: all of them. A model leaves out any
    /// other channel, and its cells then do not have it (no states, no current). The leak is always required.
    public var requiredChannels: Set<String>? = nil
    /// The family file it was read from (absolute path), or nil for a family defined in Swift.
    public var file: String? = nil
    /// When set, the reversal potential of the family's calcium channels follows the calcium pool by this
    /// Nernst law — unless a model gives the calcium reversal as a number, or a channel fixes its own.
    public var calciumNernst: NernstReversal? = nil
    /// The channels whose currents feed the calcium pool; nil: those whose ion is calcium.
    public var calciumCurrents: Set<String>? = nil
    /// Whether the family defines DIC reference time constants (`dicReferences`); without them its cells
    /// have no DICs.
    public var hasDICReferences = true

    /// A family from its parts (see the properties).
    public init(name: String, channels: [any ChannelKinetics], reversalKeys: [(key: String, ion: Ion, value: Double)],
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

    /// A family of Swift channel types (`IonChannel`); the other parts as `init(name:channels:…)`.
    public init(name: String, channels: [any IonChannel.Type], reversalKeys: [(key: String, ion: Ion, value: Double)],
                leakReversal: Double, initialVoltage: Double, initialCalcium: Double, calcium: CalciumPool,
                dicReferences: DICReferences, fixedThreshold: Double?, paperDICOptions: DICOptions = DICOptions(),
                modulatedPair: [String], burstingTargets: (gs: Double, gu: Double), paperAntiWindup: Bool,
                models: [NamedModel], source: String) {
        self.init(name: name, channels: channels.map { $0.kinetics }, reversalKeys: reversalKeys, leakReversal: leakReversal,
                  initialVoltage: initialVoltage, initialCalcium: initialCalcium, calcium: calcium, dicReferences: dicReferences,
                  fixedThreshold: fixedThreshold, paperDICOptions: paperDICOptions, modulatedPair: modulatedPair,
                  burstingTargets: burstingTargets, paperAntiWindup: paperAntiWindup, models: models, source: source)
    }

    /// Names of every conductance a model file may give, leak included.
    public var conductanceNames: [String] { channels.map { $0.name } + ["leak"] }
    /// Names of the conductances a model file must give (`requiredChannels`), leak included.
    public var requiredConductanceNames: [String] {
        channels.map(\.name).filter { requiredChannels?.contains($0) ?? true } + ["leak"]
    }

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
                       capacitance: Double? = nil, calcium: CalciumPool? = nil, appliedCurrent: Double = 0,
                       initialVoltage: Double? = nil, initialCalcium: Double? = nil,
                       tauScales: [String: Double] = [:], magnesium: Double = 1.4,
                       threshold: Double? = nil) throws(ModelError) -> NeuronDescription {
        for key in requiredConductanceNames where conductances[key] == nil {
            throw ModelError.invalidValue(field: "conductances.\(key)", value: .nan, reason: "missing")
        }
        func reversal(for ion: Ion) -> Double {
            let entry = reversalKeys.first { $0.ion == ion }!
            return reversals[entry.key] ?? entry.value
        }
        let calciumKey = reversalKeys.first { $0.ion == .calcium }?.key
        let nernst = calciumKey.flatMap { reversals[$0] } == nil ? calciumNernst : nil
        let startCalcium = initialCalcium ?? self.initialCalcium
        let gated = channels.filter { conductances[$0.name] != nil }.map { ch in
            var c = Conductance(ch, gbar: conductances[ch.name]!, reversal: ch.fixedReversal ?? reversal(for: ch.ion),
                                context: ChannelContext(tauScale: tauScales[ch.name] ?? 1, magnesium: magnesium))
            if let calciumCurrents { c.feedsCalcium = calciumCurrents.contains(ch.name) }
            if ch.ion == .calcium, ch.fixedReversal == nil, let nernst {
                c.nernst = nernst
                c.reversal = nernst.potential(calcium: startCalcium)
            }
            return c
        }
        var d = NeuronDescription(name: name ?? self.name, capacitance: capacitance ?? self.capacitance, conductances: gated,
                                  leakConductance: conductances["leak"]!, leakReversal: reversals["leak"] ?? leakReversal,
                                  calcium: calcium ?? self.calcium, appliedCurrent: appliedCurrent,
                                  initialVoltage: initialVoltage ?? self.initialVoltage,
                                  initialCalcium: initialCalcium ?? self.initialCalcium)
        d.kind = self.name
        d.dicReferences = hasDICReferences ? references(for: gated) : nil
        d.fixedThreshold = threshold ?? fixedThreshold
        d.paperDICOptions = paperDICOptions
        try d.validate()
        return d
    }

    /// The family's DIC references for a cell with conductances `gated`: a reference to a channel the cell
    /// leaves out uses the family's channel itself.
    func references(for gated: [Conductance]) -> DICReferences {
        func resolve(_ r: TimescaleReference) -> TimescaleReference {
            guard case .activation(let name) = r, !gated.contains(where: { $0.name == name }),
                  let ch = channels.first(where: { $0.name == name }) else { return r }
            return .channel(ReferenceChannel(ch))
        }
        return DICReferences(fast: resolve(dicReferences.fast), slow: resolve(dicReferences.slow), ultraslow: resolve(dicReferences.ultraslow))
    }
}
