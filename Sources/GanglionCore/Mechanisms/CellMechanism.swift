/// A state-carrying mechanism of a cell: a process with its own state variables that reads the cell's
/// signals (V, Ca, the calcium current, the conductances in effect) and may set the maximal conductances ḡ
/// of some of its channels — activity-dependent regulation, a neuromodulatory controller, a calcium sensor.
///
/// The compiled cell places a mechanism's core states in the dense core of its Jacobian (they may couple to
/// any other core state) and its diagonal states beside the gates (each couples only to itself and the
/// core), under the names `<name>.<state>`. The mechanism supplies everything each
/// integrator needs: initial values, derivatives, the exact Jacobian of its derivatives (with respect to its
/// own states, to the cell's signals V, Ca and I_Ca, and, for a mechanism that reads the conductances in
/// effect, to the states behind them; the cell applies the chain rule and places the entries), the linear
/// form the exponential integrator steps exactly, and per-state tolerances. A conductance whose ḡ a
/// mechanism drives takes its ḡ from the mechanism's state (times the block fraction in effect); two
/// mechanisms may not drive the same conductance.
///
/// The conductances in effect (`CellSignals.conductances`) are the seam between mechanisms: a mechanism
/// that reads them (`readsConductances`) sees every ḡ another mechanism drives at its present value, and
/// its Jacobian rows reach those mechanisms' states (`jacobian(_:signals:dStates:dSignals:dConductances:)`).
/// The neuromodulation controller's reference reads them this way.
public protocol CellMechanism: Sendable {
    /// The mechanism's name: the prefix of its state names and how errors name it (e.g. `liu`).
    var name: String { get }
    /// Its states, in order: the core states first, then the diagonal ones (`MechanismState.placement`).
    var states: [MechanismState] { get }
    /// Whether its derivatives read the calcium current (else the cell does not compute it for the
    /// mechanism's linear form). Default true.
    var readsCalciumCurrent: Bool { get }
    /// Whether its derivatives read the conductances in effect (`CellSignals.conductances`); then the cell
    /// asks for its Jacobian with respect to the states behind them. Default false.
    var readsConductances: Bool { get }
    /// The conductances whose ḡ it sets, each with the index (into `states`) of the state holding ḡ.
    var drivenConductances: [DrivenConductance] { get }
    /// Checks the mechanism against the cell it is part of; throws naming the field at fault.
    func validate(for neuron: NeuronDescription) throws(ModelError)
    /// Writes the initial value of each state (`states.count` values) for the cell at rest with `signals`.
    func initialStates(_ neuron: NeuronDescription, signals: CellSignals, into x: MechanismStates)
    /// Writes dx/dt (each state's unit per ms) at its states `x` and the cell's `signals`.
    func derivatives(_ x: MechanismStates, signals: CellSignals, into dx: MechanismStates)
    /// Writes the exact Jacobian of `derivatives`: ∂ẋ/∂x into `dStates` (count × count, row-major) and
    /// ∂ẋ/∂(V, Ca, I_Ca) into `dSignals` (count × 3, row-major; per mV, per model calcium unit, per µA/cm²).
    /// A diagonal state's row may be non-zero only in its own column and the core's.
    func jacobian(_ x: MechanismStates, signals: CellSignals,
                  dStates: UnsafeMutablePointer<Double>, dSignals: UnsafeMutablePointer<Double>)
    /// `jacobian(_:signals:dStates:dSignals:)` and, for a mechanism that reads the conductances in effect,
    /// ∂ẋ/∂y_s for the state s behind each of them into `dConductances` (count × `signals.conductances.count`,
    /// row-major; per unit of that state): the mechanism chains its sensitivity to g_j through
    /// `signals.conductances.slope(j)` and writes 0 where g_j has no state, its slope is nil, or g_j is one
    /// it drives itself (those entries are its own states, in `dStates`). The cell adds each entry at the
    /// state's column. A diagonal state's row may be non-zero only for conductances set by core states.
    /// Default: `jacobian(_:signals:dStates:dSignals:)`, `dConductances` untouched (not read unless
    /// `readsConductances`).
    func jacobian(_ x: MechanismStates, signals: CellSignals, dStates: UnsafeMutablePointer<Double>,
                  dSignals: UnsafeMutablePointer<Double>, dConductances: UnsafeMutablePointer<Double>)
    /// Writes the linear form the exponential integrator steps exactly, with the signals held over the
    /// step: dx_i/dt = (x∞_i − x_i)/τ_i. τ_i = +∞ means the constant rate dx_i/dt = x∞_i; a negative τ_i is
    /// exponential growth (x∞_i = 0).
    func linearForm(_ x: MechanismStates, signals: CellSignals, steadyState: MechanismStates, timeConstant: MechanismStates)
    /// Quantities derived from its states that summaries report as means over each analysis window (a
    /// sensor's value, an error signal), each with its target where the mechanism has one.
    var readouts: [MechanismReadout] { get }
    /// Writes the value of each readout at states `x` (`readouts.count` values).
    func readoutValues(_ x: MechanismStates, into out: UnsafeMutablePointer<Double>)
}

extension CellMechanism {
    public var readsCalciumCurrent: Bool { true }
    public var readsConductances: Bool { false }
    public func jacobian(_ x: MechanismStates, signals: CellSignals, dStates: UnsafeMutablePointer<Double>,
                         dSignals: UnsafeMutablePointer<Double>, dConductances: UnsafeMutablePointer<Double>) {
        jacobian(x, signals: signals, dStates: dStates, dSignals: dSignals)
    }
    /// No readouts.
    public var readouts: [MechanismReadout] { [] }
    public func readoutValues(_ x: MechanismStates, into out: UnsafeMutablePointer<Double>) {}
}

/// A mechanism's states (or their derivatives, steady states, time constants) as one indexable view: the
/// core states, then the diagonal ones, wherever the compiled cell keeps them.
public struct MechanismStates {
    /// The core values, in order.
    public let core: UnsafeMutablePointer<Double>
    /// The diagonal values, in order (the i-th diagonal state is `self[coreCount + i]`).
    public let diagonal: UnsafeMutablePointer<Double>
    /// Number of core states.
    public let coreCount: Int

    /// A view of `coreCount` core values at `core` followed by diagonal values at `diagonal`.
    public init(core: UnsafeMutablePointer<Double>, coreCount: Int, diagonal: UnsafeMutablePointer<Double>) {
        self.core = core
        self.coreCount = coreCount
        self.diagonal = diagonal
    }

    /// Contiguous values at `base` (no diagonal states, or stored after the core ones).
    public init(_ base: UnsafeMutablePointer<Double>, coreCount: Int) {
        self.init(core: base, coreCount: coreCount, diagonal: base + coreCount)
    }

    /// The i-th state (in `CellMechanism.states` order).
    @inlinable public subscript(i: Int) -> Double {
        get { i < coreCount ? core[i] : diagonal[i - coreCount] }
        nonmutating set { if i < coreCount { core[i] = newValue } else { diagonal[i - coreCount] = newValue } }
    }
}

/// A quantity a mechanism reports (`CellMechanism.readouts`): its name within the mechanism, its unit and
/// its target, if it has one.
public struct MechanismReadout: Sendable, Equatable {
    public var name: String
    public var unit: String
    public var target: Double?
    public init(name: String, unit: String, target: Double? = nil) {
        self.name = name
        self.unit = unit
        self.target = target
    }
}

/// One state of a mechanism: its name within the mechanism, its unit and its absolute tolerance for
/// variable-step integration.
public struct MechanismState: Sendable, Equatable {
    /// Name within the mechanism (the cell's layout names it `<mechanism>.<name>`).
    public var name: String
    /// Unit, as written in trace headers (`mS/cm²`, `1`).
    public var unit: String
    /// Absolute tolerance, in `unit`.
    public var absoluteTolerance: Double
    /// Where the state sits in the Jacobian's arrow form.
    public var placement: Placement
    /// The state's τ in `CellMechanism.linearForm` when it is the same at every state (ms; `.infinity` for
    /// a constant rate), so that the exponential integrator takes its decay e^(−h/τ) from the step's tables
    /// instead of computing it at every step; nil when τ varies.
    public var fixedTimeConstant: Double?
    /// The same for a mechanism whose parameter is the rate 1/τ (ms⁻¹): the decay is e^(−h·rate), exactly as
    /// the rate gives it. Set at most one of the two.
    public var fixedDecayRate: Double?

    /// Where a state sits in the Jacobian.
    public enum Placement: Sendable, Equatable {
        /// In the dense core: its derivative may depend on any state.
        case core
        /// Beside the gates: its derivative depends only on itself and core states (cheaper Newton solves).
        case diagonal
    }

    public init(name: String, unit: String, absoluteTolerance: Double, placement: Placement = .core, fixedTimeConstant: Double? = nil,
                fixedDecayRate: Double? = nil) {
        self.name = name
        self.unit = unit
        self.absoluteTolerance = absoluteTolerance
        self.placement = placement
        self.fixedTimeConstant = fixedTimeConstant
        self.fixedDecayRate = fixedDecayRate
    }
}

/// A conductance whose ḡ a mechanism sets, and the index of the mechanism's state that holds it.
public struct DrivenConductance: Sendable, Equatable {
    /// The conductance's name (a channel of the cell, or `leak`).
    public var conductance: String
    /// Index into the mechanism's `states`.
    public var state: Int

    public init(conductance: String, state: Int) {
        self.conductance = conductance
        self.state = state
    }
}

/// What a mechanism reads from its cell at one instant.
public struct CellSignals: Sendable, Equatable {
    /// Membrane potential V (mV).
    public var voltage: Double
    /// Intracellular calcium (the model's units).
    public var calcium: Double
    /// Total calcium current I_Ca (µA/cm², outward positive: negative when calcium enters).
    public var calciumCurrent: Double
    /// Membrane capacitance (µF/cm²).
    public var capacitance: Double
    /// The conductances in effect and the states behind them (`CellConductances`; `.none` outside a
    /// compiled cell).
    public var conductances: CellConductances

    public init(voltage: Double, calcium: Double, calciumCurrent: Double, capacitance: Double,
                conductances: CellConductances = .none) {
        self.voltage = voltage
        self.calcium = calcium
        self.calciumCurrent = calciumCurrent
        self.capacitance = capacitance
        self.conductances = conductances
    }
}
