/// One maximal conductance of a neuron: which channel, how much of it, and its modifiers.
public struct Conductance: Sendable {
    /// The channel's gating kinetics.
    public var channel: any IonChannel.Type
    /// Maximal conductance ḡ (mS/cm²).
    public var gbar: Double
    /// Reversal potential E (mV).
    public var reversal: Double
    /// Kinetic modifiers: time-constant factor (e.g. k_KCa), magnesium for NMDA.
    public var context: ChannelContext

    public init(_ channel: any IonChannel.Type, gbar: Double, reversal: Double, context: ChannelContext = ChannelContext()) {
        self.channel = channel
        self.gbar = gbar
        self.reversal = reversal
        self.context = context
    }

    /// Factor multiplying every time constant of the channel (dimensionless; e.g. k_KCa).
    public var tauScale: Double {
        get { context.tauScale }
        set { context.tauScale = newValue }
    }

    /// The channel's name (`Na`, `CaS`, …).
    public var name: String { channel.name }
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
}

/// The fast, slow and ultraslow reference time constants of a model family (`dics.md` §1).
public struct DICReferences: Sendable, Equatable {
    public var fast: TimescaleReference
    public var slow: TimescaleReference
    public var ultraslow: TimescaleReference
    public init(fast: TimescaleReference, slow: TimescaleReference, ultraslow: TimescaleReference) {
        self.fast = fast
        self.slow = slow
        self.ultraslow = ultraslow
    }
}

/// A single-compartment conductance-based neuron, as plain data. Compile it with `compile()` to get a
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
    /// Calcium homeostasis regulating some conductances, or nil.
    public var homeostasis: Homeostasis?

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
    }
}

/// A model that is not physically meaningful.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case invalidValue(field: String, value: Double, reason: String)
    case duplicateChannel(String)

    public var description: String {
        switch self {
        case let .invalidValue(field, value, reason): "field '\(field)' = \(value): \(reason)"
        case let .duplicateChannel(name): "channel '\(name)' appears twice"
        }
    }
}
