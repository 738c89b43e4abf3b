/// One maximal conductance of a neuron: which channel, how much of it, and its modifiers.
public struct Conductance: Sendable {
    /// The channel's gating kinetics.
    public var channel: any ChannelKinetics
    /// Maximal conductance ḡ (mS/cm²).
    public var gbar: Double
    /// Reversal potential E (mV); with `nernst`, its value at the model's initial calcium.
    public var reversal: Double
    /// When set, E follows the calcium pool (calcium channels only): E = `nernst.potential(calcium: Ca)`.
    public var nernst: NernstReversal?
    /// Whether its current feeds the calcium pool (part of I_Ca); by default, whether its ion is calcium.
    public var feedsCalcium: Bool
    /// Kinetic modifiers: time-constant factor (e.g. k_KCa), magnesium for NMDA.
    public var context: ChannelContext

    /// A conductance of `channel` with maximal conductance `gbar` (mS/cm²) and reversal potential
    /// `reversal` (mV); default modifiers (time-constant factor 1, Mg 1.4 mM).
    public init(_ channel: any ChannelKinetics, gbar: Double, reversal: Double, context: ChannelContext = ChannelContext()) {
        self.channel = channel
        self.gbar = gbar
        self.reversal = reversal
        self.context = context
        self.feedsCalcium = channel.ion == .calcium
    }

    /// A conductance of the Swift channel type `channel` (`IonChannel`), with maximal conductance `gbar`
    /// (mS/cm²) and reversal potential `reversal` (mV).
    public init(_ channel: any IonChannel.Type, gbar: Double, reversal: Double, context: ChannelContext = ChannelContext()) {
        self.init(channel.kinetics, gbar: gbar, reversal: reversal, context: context)
    }

    /// Factor multiplying every time constant of the channel (dimensionless; e.g. k_KCa).
    public var tauScale: Double {
        get { context.tauScale }
        set { context.tauScale = newValue }
    }

    /// The channel's name (`Na`, `CaS`, …).
    public var name: String { channel.name }

    /// E (mV) at intracellular calcium `Ca` (the pool's units): `reversal`, or the Nernst potential.
    @inlinable @inline(__always)
    public func reversal(calcium Ca: Double) -> Double {
        if let nernst { return nernst.potential(calcium: Ca) }
        return reversal
    }
}

/// First-order intracellular calcium pool:
///
///     τ_Ca dCa/dt = −f · I_Ca − Ca + Ca_rest
///
/// where I_Ca (µA/cm²) is the sum of the calcium currents and f the influx factor (the current density
/// is used directly: no area, no valence). Calcium is in the model's arbitrary units.
public struct CalciumPool: Sendable, Equatable {
    /// τ_Ca (ms).
    public var tau: Double
    /// Resting concentration Ca_rest (model units).
    public var rest: Double
    /// Influx factor f (model units per µA/cm²).
    public var influx: Double

    /// A calcium pool; defaults τ_Ca = 20 ms, Ca_rest = 0.05 and f = 0.94 (model units).
    public init(tau: Double = 20, rest: Double = 0.05, influx: Double = 0.94) {
        self.tau = tau
        self.rest = rest
        self.influx = influx
    }
}

/// A reference time constant for the DIC timescale weights: a channel's activation τ_m(V), or a constant.
public enum TimescaleReference: Sendable, Equatable {
    /// τ_m(V) of the cell's channel with this name (with its time-constant factor).
    case activation(of: String)
    /// A constant time constant (ms).
    case constant(Double)
    /// τ_m(V) of a channel the cell does not have (its family's, for a model that leaves it out).
    case channel(ReferenceChannel)
}

/// A channel's kinetics used only for its activation time constant τ_m(V), as a DIC reference.
public struct ReferenceChannel: Sendable, Equatable {
    /// The channel.
    public var kinetics: any ChannelKinetics
    /// The reference `kinetics`' τ_m(V).
    public init(_ kinetics: any ChannelKinetics) { self.kinetics = kinetics }
    public static func == (a: ReferenceChannel, b: ReferenceChannel) -> Bool { a.kinetics.kineticsIdentity == b.kinetics.kineticsIdentity }
}

/// The fast, slow and ultraslow reference time constants of a model family (Docs/science/dics.md §2).
public struct DICReferences: Sendable, Equatable {
    /// The fast reference time constant τ_f (e.g. τ_mNa(V)).
    public var fast: TimescaleReference
    /// The slow reference time constant τ_s (e.g. τ_mKd(V)).
    public var slow: TimescaleReference
    /// The ultraslow reference time constant τ_u (e.g. τ_mH(V) for STG).
    public var ultraslow: TimescaleReference
    /// The references τ_f, τ_s and τ_u.
    public init(fast: TimescaleReference, slow: TimescaleReference, ultraslow: TimescaleReference) {
        self.fast = fast
        self.slow = slow
        self.ultraslow = ultraslow
    }
}

/// A single-compartment conductance-based neuron, as plain data. Compile it with `CompiledNeuron(_:)` to get a
/// right-hand side over a flat state vector.
public struct NeuronDescription: Sendable {
    /// A name for traces and summaries.
    public var name: String
    /// Membrane capacitance C (µF/cm²).
    public var capacitance: Double
    /// The gated conductances, in state-layout order.
    public var conductances: [Conductance]
    /// Leak conductance g_leak (mS/cm²).
    public var leakConductance: Double
    /// Leak reversal E_leak (mV).
    public var leakReversal: Double
    /// The calcium pool.
    public var calcium: CalciumPool
    /// Constant applied current I_app (µA/cm², positive depolarises).
    public var appliedCurrent: Double
    /// Initial membrane potential V₀ (mV). Gates start at x∞(V₀, Ca₀).
    public var initialVoltage: Double
    /// Initial calcium Ca₀ (model units).
    public var initialCalcium: Double
    /// The model family (`stg`, `da`).
    public var kind: String = "custom"
    /// Reference time constants for DICs; `nil` if the family defines none.
    public var dicReferences: DICReferences?
    /// A threshold voltage fixed by the model (mV), used instead of a computed one (the DA model's −55.5).
    public var fixedThreshold: Double?
    /// The authors' shortcuts in the DIC computations of the cell's family, which the `paper` compensation
    /// variant uses (set by the family; nil: none).
    public var paperDICOptions: DICOptions?
    /// Calcium homeostasis regulating some conductances, or nil.
    public var homeostasis: Homeostasis?
    /// The neuromodulation controller of two conductances, or nil (Docs/science/controllers.md §2).
    public var neuromodulation: Neuromodulation?
    /// State-carrying mechanisms beyond homeostasis and the neuromodulation controller (`CellMechanism`:
    /// activity-dependent regulation by calcium sensors, user-defined mechanisms), in state order.
    public var mechanisms: [any CellMechanism] = []
    /// Channels under (partial) blockade, by name (`leak` included), with the fraction of ḡ left
    /// (0: complete blockade). A blocked regulated conductance leaves homeostasis while blocked: its ḡ
    /// and m states are frozen, and the current uses fraction × ḡ.
    public var blockFractions: [String: Double] = [:]
    /// A linear ramp of the applied current, or nil: I_app(t) goes from `from` at `start` to `to` at
    /// `end` and stays at `to` afterwards (`appliedCurrent` is ignored while a ramp is set).
    public var currentRamp: CurrentRamp?
    /// An ideal voltage clamp's command potential (mV), or nil: while set, V is held there (dV/dt = 0) and every
    /// other state evolves; `CompiledNeuron.clampCurrent(_:_:)` is the current the amplifier injects.
    public var voltageClamp: Double?

    /// A neuron without controllers, blockades or ramp, of family `custom` with no DIC references;
    /// C in µF/cm², g_leak in mS/cm², E_leak and V₀ in mV, I_app in µA/cm², Ca₀ in model units.
    public init(name: String, capacitance: Double = 1, conductances: [Conductance],
                leakConductance: Double, leakReversal: Double, calcium: CalciumPool = CalciumPool(),
                appliedCurrent: Double = 0, initialVoltage: Double, initialCalcium: Double) {
        self.name = name
        self.capacitance = capacitance
        self.conductances = conductances
        self.leakConductance = leakConductance
        self.leakReversal = leakReversal
        self.calcium = calcium
        self.appliedCurrent = appliedCurrent
        self.initialVoltage = initialVoltage
        self.initialCalcium = initialCalcium
    }

    /// The maximal conductance of the channel named `name` (mS/cm²), or `nil`.
    public func gbar(_ name: String) -> Double? {
        name == "leak" ? leakConductance : conductances.first { $0.name == name }?.gbar
    }

    /// Sets the maximal conductance of the channel named `name` (`leak` included); false if there is none.
    @discardableResult
    public mutating func setGbar(_ name: String, _ value: Double) -> Bool {
        if name == "leak" { leakConductance = value; return true }
        guard let i = conductances.firstIndex(where: { $0.name == name }) else { return false }
        conductances[i].gbar = value
        return true
    }

    /// The names of the conductances, `leak` last.
    public var conductanceNames: [String] { conductances.map(\.name) + ["leak"] }

    /// The neuron as its currents see it: every blocked ḡ multiplied by its block fraction, no blockades
    /// left, no ramp (the applied current at time `t`, ms). DICs and compensation solves use this.
    public func effective(at t: Double = 0) -> NeuronDescription {
        var n = self
        for (c, f) in blockFractions { n.setGbar(c, (gbar(c) ?? 0) * f) }
        n.blockFractions = [:]
        if let r = currentRamp { n.appliedCurrent = r.current(at: t); n.currentRamp = nil }
        return n
    }

    /// Checks every number for physical sense; throws `ModelError` naming the field.
    public func validate() throws(ModelError) {
        func finite(_ field: String, _ x: Double) throws(ModelError) {
            guard x.isFinite else { throw ModelError.invalidValue(field: field, value: x, reason: "must be finite") }
        }
        func positive(_ field: String, _ x: Double) throws(ModelError) {
            try finite(field, x)
            guard x > 0 else { throw ModelError.invalidValue(field: field, value: x, reason: "must be > 0") }
        }
        func nonNegative(_ field: String, _ x: Double) throws(ModelError) {
            try finite(field, x)
            guard x >= 0 else { throw ModelError.invalidValue(field: field, value: x, reason: "must be ≥ 0") }
        }
        try positive("capacitance", capacitance)
        for g in conductances {
            try nonNegative("conductances.\(g.name)", g.gbar)
            try finite("reversal.\(g.name)", g.reversal)
            if let n = g.nernst {
                guard g.channel.ion == .calcium else {
                    throw ModelError.invalidValue(field: "reversal.\(g.name)", value: n.factor,
                                                  reason: "a Nernst reversal that follows the calcium pool needs a calcium channel")
                }
                try positive("reversal.\(g.name).nernst.factor", n.factor)
                try positive("reversal.\(g.name).nernst.outside", n.outside)
            }
            try positive("tau_scale.\(g.name)", g.tauScale)
            try positive("Mg", g.context.magnesium)
        }
        var seen = Set<String>()
        for g in conductances where !seen.insert(g.name).inserted {
            throw ModelError.duplicateChannel(g.name)
        }
        try nonNegative("conductances.leak", leakConductance)
        try finite("reversal.leak", leakReversal)
        try positive("calcium.tau", calcium.tau)
        try nonNegative("calcium.rest", calcium.rest)
        try nonNegative("calcium.influx", calcium.influx)
        try finite("applied_current", appliedCurrent)
        try finite("initial.V", initialVoltage)
        try nonNegative("initial.Ca", initialCalcium)
        try homeostasis?.validate(self)
        try neuromodulation?.validate(self)
        try validateMechanisms()
        for (c, f) in blockFractions {
            guard gbar(c) != nil else { throw ModelError.invalidValue(field: "block.\(c)", value: f, reason: "no such conductance") }
            guard f >= 0, f <= 1 else { throw ModelError.invalidValue(field: "block.\(c)", value: f, reason: "the fraction must be in [0, 1]") }
        }
        if let v = voltageClamp { try finite("clamp", v) }
        if let r = currentRamp {
            try finite("ramp.from", r.from)
            try finite("ramp.to", r.to)
            guard r.start.isFinite, r.end.isFinite, r.end > r.start else {
                throw ModelError.invalidValue(field: "ramp.end", value: r.end, reason: "must be after the start (\(r.start) ms)")
            }
        }
    }
}

/// A linear ramp of the applied current (µA/cm²) from `start` to `end` (ms).
public struct CurrentRamp: Sendable, Equatable, Codable {
    /// Start and end times (ms), and the applied currents there (µA/cm²).
    public var start: Double, end: Double, from: Double, to: Double
    /// A ramp from `from` at `start` to `to` at `end` (µA/cm², ms).
    public init(start: Double, end: Double, from: Double, to: Double) {
        self.start = start
        self.end = end
        self.from = from
        self.to = to
    }
    /// I_app at time t (ms): `from` before the start, `to` after the end, linear in between.
    @inline(__always) public func current(at t: Double) -> Double {
        if t <= start { return from }
        if t >= end { return to }
        return from + (to - from) * (t - start) / (end - start)
    }
}

/// A model that is not physically meaningful.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case invalidValue(field: String, value: Double, reason: String)
    case duplicateChannel(String)

    /// The offending field or channel and what is wrong with it.
    public var description: String {
        switch self {
        case let .invalidValue(field, value, reason): "field '\(field)' = \(value): \(reason)"
        case let .duplicateChannel(name): "channel '\(name)' appears twice"
        }
    }
}

extension NeuronDescription {
    /// Which mechanism drives each conductance's ḡ: `homeostasis`, `neuromodulation` or a mechanism's name.
    public var conductanceDrivers: [(conductance: String, driver: String)] {
        var drivers: [(String, String)] = []
        for n in conductanceNames where homeostasis?.timeConstants[n] != nil { drivers.append((n, "homeostasis")) }
        for n in neuromodulation?.conductances ?? [] { drivers.append((n, "neuromodulation")) }
        for m in mechanisms { for d in m.drivenConductances { drivers.append((d.conductance, m.name)) } }
        return drivers
    }

    /// Each mechanism valid for this cell, distinct mechanism names, and no conductance driven by two.
    func validateMechanisms() throws(ModelError) {
        var names: Set<String> = ["homeostasis", "neuromodulation"]
        for m in mechanisms {
            guard names.insert(m.name).inserted else {
                throw .invalidValue(field: "mechanisms.\(m.name)", value: .nan, reason: "two mechanisms are named '\(m.name)'")
            }
            try m.validate(for: self)
            for d in m.drivenConductances where gbar(d.conductance) == nil {
                throw .invalidValue(field: "\(m.name).\(d.conductance)", value: .nan, reason: "no such conductance")
            }
        }
        var driver: [String: String] = [:]
        for (c, by) in conductanceDrivers {
            if let other = driver[c], other != by {
                throw .invalidValue(field: "\(by).\(c)", value: .nan,
                                    reason: "'\(c)' is driven by both \(other) and \(by): a conductance can have one driver")
            }
            driver[c] = by
        }
    }
}
