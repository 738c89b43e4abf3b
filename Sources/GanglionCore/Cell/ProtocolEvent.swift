/// A change to a neuron at an exact time (ms). The integrator stops at the event, applies it, and
/// restarts from the same state (re-initialised); the trace records the state just before and just after.
public struct ProtocolEvent: Sendable, Equatable {
    /// What a protocol event does.
    public enum Action: Sendable, Equatable {
        /// Multiply the channel's ḡ by `fraction` (0: complete blockade; 0.5 halves it). A regulated
        /// conductance leaves homeostasis while blocked (its ḡ and m are frozen).
        case block(channel: String, fraction: Double)
        /// Lift a blockade: the channel's ḡ is back in full (and back under homeostasis if regulated).
        case unblock(channel: String)
        /// Step the applied current to this value (µA/cm²); ends a ramp.
        case appliedCurrent(Double)
        /// Ramp the applied current linearly from its value now to `to` (µA/cm²) at time `end` (ms),
        /// then hold it.
        case ramp(to: Double, end: Double)
        /// Set the channel's (unblocked) ḡ (mS/cm²); a regulated conductance's m is set to the same value.
        case setConductance(channel: String, value: Double)
        /// Multiply the channel's (unblocked) ḡ by `factor` (dimensionless, ≥ 0): a neuromodulator that scales a
        /// conductance. Not for a conductance whose ḡ is a state (regulated or driven by a mechanism or the
        /// controller): its value at the event is not the description's.
        case scaleConductance(channel: String, factor: Double)
        /// Change the homeostasis calcium target Ca_tgt (model units).
        case calciumTarget(Double)
        /// Sharp neuromodulation (Docs/science/controllers.md §3): solve for the listed conductances so the cell's DICs at
        /// its threshold take these targets (Docs/science/dics.md §5, with the cell's conductances at the event time),
        /// and set them (and their m's when regulated).
        case sharp(SharpNeuromodulation)
        /// New DIC targets for the neuromodulation controller (Docs/science/controllers.md §2), from this time on.
        case dicTargets(gs: Double?, gu: Double?)
        /// An ideal voltage clamp at this command potential (mV): V is set to it and held (dV/dt = 0) while
        /// every other state evolves, until `releaseClamp` or another `clamp`. A lone cell's, not a circuit's.
        case clamp(Double)
        /// Release the voltage clamp: V evolves again from the command potential.
        case releaseClamp
    }

    /// Time (ms).
    public var time: Double
    /// What the event does.
    public var action: Action

    /// An event doing `action` at `time` (ms).
    public init(time: Double, action: Action) {
        self.time = time
        self.action = action
    }

    /// A short description for messages (`block H to 0`).
    public var summary: String {
        switch action {
        case let .block(c, f): "block \(c) to \(f)"
        case let .unblock(c): "unblock \(c)"
        case let .appliedCurrent(i): "applied current \(i) µA/cm²"
        case let .ramp(to, end): "ramp the applied current to \(to) µA/cm² at \(end) ms"
        case let .setConductance(c, v): "set \(c) to \(v) mS/cm²"
        case let .calciumTarget(v): "calcium target \(v)"
        case let .scaleConductance(c, f): "scale \(c) by \(f)"
        case let .sharp(s): "sharp neuromodulation of \(s.conductances.joined(separator: ", ")) to \(Self.targetText(s.gs, s.gu))"
        case let .dicTargets(gs, gu): "DIC targets \(Self.targetText(gs, gu))"
        case let .clamp(v): "clamp V at \(v) mV"
        case .releaseClamp: "release the clamp"
        }
    }

    static func targetText(_ gs: Double?, _ gu: Double?) -> String {
        [gs.map { "g_s = \($0)" }, gu.map { "g_u = \($0)" }].compactMap { $0 }.joined(separator: ", ")
    }
}

/// The parameters of a sharp neuromodulation event.
public struct SharpNeuromodulation: Sendable, Equatable {
    /// Target g_s and g_u at threshold (dimensionless, normalised by g_leak, Docs/science/dics.md §3); nil: not targeted.
    public var gs: Double?, gu: Double?
    /// The conductances solved for (the paper's pair: CaS and A for STG, CaL and CaN for DA).
    public var conductances: [String]
    /// The voltage of the solve (mV); nil: the cell's threshold at t = 0 (the fixed one for DA).
    public var voltage: Double?
    /// Which compensation computation (Ganglion's exact one, or the authors' `paper` linearisation).
    public var variant: CompensationVariant
    /// The authors' restart (Docs/science/controllers.md §3, paper profile): the regulated conductances taken from 1 s
    /// before the event (their last 1 s sample), V, gates and Ca back to the initial conditions, and every
    /// other regulated m_X reset to its ḡ_X.
    public var restart: Bool

    /// Sharp neuromodulation solving `conductances` for the targets `gs`, `gu` (dimensionless) at
    /// `voltage` (mV; `nil`: the cell's threshold); by default the exact computation, without the restart.
    public init(gs: Double?, gu: Double?, conductances: [String], voltage: Double? = nil,
                variant: CompensationVariant = .exact, restart: Bool = false) {
        self.gs = gs
        self.gu = gu
        self.conductances = conductances
        self.voltage = voltage
        self.variant = variant
        self.restart = restart
    }

    /// The targets as a compensation solve takes them.
    public var targets: [DICName: Double] {
        var t: [DICName: Double] = [:]
        if let gs { t[.s] = gs }
        if let gu { t[.u] = gu }
        return t
    }
}

/// A protocol that cannot be run; the description names the event.
public struct ProtocolError: Error, Equatable, CustomStringConvertible {
    /// Index of the offending event (0-based).
    public var index: Int
    /// The offending event.
    public var event: ProtocolEvent
    /// Why it cannot be run.
    public var reason: String
    /// The event's index, time and summary, and the reason.
    public var description: String {
        "event \(index) (t = \(event.time) ms, \(event.summary)): \(reason)"
    }
}

/// A change of state made by an event (a regulated conductance's ḡ and m live in the state vector).
public struct StateEdit: Sendable, Equatable {
    /// The state (`CompiledNeuron.index(of:)` finds it).
    public var state: StateReference
    /// The new value (mS/cm² for a regulated ḡ or its m, mV for a clamped V).
    public var value: Double

    public init(state: StateReference, value: Double) {
        self.state = state
        self.value = value
    }
}

/// Applies a protocol's events to a neuron description.
public struct ProtocolState: Sendable {
    /// The neuron with every event applied so far.
    public private(set) var neuron: NeuronDescription
    /// The DIC targets in effect (set by `dicTargets` events).
    public private(set) var dicTargets: (gs: Double?, gu: Double?) = (nil, nil)

    /// The protocol's starting point: `neuron` as described, no DIC targets set by events.
    public init(_ neuron: NeuronDescription) {
        self.neuron = neuron
    }

    /// Checks a schedule against a neuron and a run duration (ms): times in [0, duration] and in order,
    /// known channels, fractions in [0, 1], finite currents, ramps ending after they start, non-negative
    /// finite conductances, sharp events naming distinct known conductances and at least one target, command
    /// potentials within ±1000 mV, a clamp released only while one holds.
    public static func validate(_ events: [ProtocolEvent], for neuron: NeuronDescription, duration: Double) throws(ProtocolError) {
        let modulated = Set(neuron.neuromodulation?.conductances ?? [])
        let names = Set(neuron.conductanceNames)
        func known() -> String { names.sorted().joined(separator: ", ") }
        var previous = -Double.infinity
        var clamped = neuron.voltageClamp != nil
        for (i, e) in events.enumerated() {
            func fail(_ reason: String) -> ProtocolError { ProtocolError(index: i, event: e, reason: reason) }
            guard e.time.isFinite, e.time >= 0 else { throw fail("the time must be ≥ 0") }
            guard e.time <= duration else { throw fail("after the end of the run (\(duration) ms)") }
            guard e.time >= previous else { throw fail("out of order (the previous event is at \(previous) ms)") }
            previous = e.time
            switch e.action {
            case let .block(c, f):
                guard names.contains(c) else { throw fail("unknown channel '\(c)' (known: \(known()))") }
                guard f >= 0, f <= 1 else { throw fail("fraction \(f) outside [0, 1]") }
            case let .unblock(c):
                guard names.contains(c) else { throw fail("unknown channel '\(c)' (known: \(known()))") }
            case let .appliedCurrent(i):
                guard i.isFinite else { throw fail("the current must be finite") }
            case let .ramp(to, end):
                guard to.isFinite else { throw fail("the ramp's final current must be finite") }
                guard end.isFinite, end > e.time else { throw fail("the ramp must end after it starts (end \(end) ms)") }
            case let .scaleConductance(c, f):
                guard names.contains(c) else { throw fail("unknown channel '\(c)' (known: \(known()))") }
                guard f.isFinite, f >= 0 else { throw fail("factor \(f) must be finite and ≥ 0") }
                if let d = neuron.conductanceDrivers.first(where: { $0.conductance == c }) {
                    throw fail("'\(c)' is driven by \(d.driver): its ḡ is a state of the run; set it instead of scaling it")
                }
            case let .calciumTarget(v):
                guard neuron.homeostasis != nil else { throw fail("the cell has no homeostasis") }
                guard v.isFinite else { throw fail("the target must be finite") }
            case let .setConductance(c, v):
                guard names.contains(c) else { throw fail("unknown channel '\(c)' (known: \(known()))") }
                guard !modulated.contains(c) else { throw fail("'\(c)' is driven by the neuromodulation controller; change its DIC targets instead") }
                guard v.isFinite, v >= 0 else { throw fail("conductance \(v) must be finite and ≥ 0") }
            case let .sharp(s):
                guard !s.conductances.isEmpty else { throw fail("no conductances to solve for") }
                guard Set(s.conductances).count == s.conductances.count else { throw fail("a conductance is listed twice") }
                for c in s.conductances where !neuron.conductances.contains(where: { $0.name == c }) {
                    throw fail("unknown channel '\(c)' (known: \(neuron.conductances.map(\.name).joined(separator: ", ")))")
                }
                for c in s.conductances where modulated.contains(c) {
                    throw fail("'\(c)' is driven by the neuromodulation controller; change its DIC targets instead")
                }
                guard s.gs != nil || s.gu != nil else { throw fail("no target (give g_s, g_u or both)") }
                for v in [s.gs, s.gu, s.voltage].compactMap({ $0 }) where !v.isFinite { throw fail("targets and voltage must be finite") }
                guard neuron.dicReferences != nil else { throw fail("the model family '\(neuron.kind)' has no DIC reference time constants") }
            case let .dicTargets(gs, gu):
                guard neuron.neuromodulation != nil else { throw fail("DIC targets need a neuromodulation controller, and this run has none") }
                guard gs != nil || gu != nil else { throw fail("no target (give g_s, g_u or both)") }
                for v in [gs, gu].compactMap({ $0 }) where !v.isFinite { throw fail("targets must be finite") }
            case let .clamp(v):
                guard v.isFinite, abs(v) <= 1000 else { throw fail("the command potential \(v) mV must be finite, within ±1000 mV") }
                clamped = true
            case .releaseClamp:
                guard clamped else { throw fail("no voltage clamp to release") }
                clamped = false
            }
        }
    }

    /// Applies one event at its time; returns the state changes it makes (for regulated conductances).
    /// A `sharp` event must be resolved into `setConductance` events first (it needs the state).
    @discardableResult
    public mutating func apply(_ e: ProtocolEvent) -> [StateEdit] {
        switch e.action {
        case let .block(c, f): neuron.blockFractions[c] = f
        case let .unblock(c): neuron.blockFractions[c] = nil
        case let .appliedCurrent(i):
            neuron.appliedCurrent = i
            neuron.currentRamp = nil
        case let .ramp(to, end):
            let now = neuron.currentRamp?.current(at: e.time) ?? neuron.appliedCurrent
            neuron.currentRamp = CurrentRamp(start: e.time, end: end, from: now, to: to)
            neuron.appliedCurrent = to
        case let .setConductance(c, v):
            neuron.setGbar(c, v)
            if let m = StateReference.homeostasisM(of: c, in: neuron) {
                return [StateEdit(state: .gbar(conductance: c), value: v), StateEdit(state: m, value: v)]
            }
            if neuron.mechanisms.contains(where: { $0.drivenConductances.contains { $0.conductance == c } }) {
                return [StateEdit(state: .gbar(conductance: c), value: v)]
            }
        case let .scaleConductance(c, f): neuron.setGbar(c, f * neuron.gbar(c)!)
        case let .calciumTarget(v): neuron.homeostasis?.calciumTarget = v
        case .sharp: preconditionFailure("a sharp event is resolved into setConductance events before it is applied")
        case let .dicTargets(gs, gu):
            dicTargets = (gs ?? dicTargets.gs, gu ?? dicTargets.gu)
            if let gs { neuron.neuromodulation?.gs = gs }
            if let gu { neuron.neuromodulation?.gu = gu }
        case let .clamp(v):
            neuron.voltageClamp = v
            return [StateEdit(state: .voltage, value: v)]
        case .releaseClamp: neuron.voltageClamp = nil
        }
        return []
    }

    /// What an event changed, as plain data (for checkpoints): everything `apply` can change.
    public struct Record: Sendable, Codable, Equatable {
        /// ḡ of every conductance, `leak` included (mS/cm²).
        public var gbar: [String: Double]
        /// Blocked channels, with the fraction of ḡ left.
        public var blockFractions: [String: Double]
        /// The applied current I_app (µA/cm²); while a ramp is set, its final value.
        public var appliedCurrent: Double
        /// The applied-current ramp in effect, if any.
        public var ramp: CurrentRamp?
        /// The homeostasis calcium target Ca_tgt (model units); `nil` without homeostasis.
        public var calciumTarget: Double?
        /// The DIC targets g_s and g_u in effect (dimensionless); `nil`: not set.
        public var gs: Double?, gu: Double?
        /// The voltage clamp's command potential (mV); `nil`: V is free.
        public var voltageClamp: Double?
    }

    /// The protocol's present state as plain data (for a checkpoint); `restore(_:)` takes it back.
    public var record: Record {
        Record(gbar: Dictionary(uniqueKeysWithValues: neuron.conductanceNames.map { ($0, neuron.gbar($0)!) }),
               blockFractions: neuron.blockFractions, appliedCurrent: neuron.appliedCurrent, ramp: neuron.currentRamp,
               calciumTarget: neuron.homeostasis?.calciumTarget, gs: neuron.neuromodulation?.gs ?? dicTargets.gs,
               gu: neuron.neuromodulation?.gu ?? dicTargets.gu, voltageClamp: neuron.voltageClamp)
    }

    /// Restores what `record` saved.
    public mutating func restore(_ r: Record) {
        for (c, g) in r.gbar { neuron.setGbar(c, g) }
        neuron.blockFractions = r.blockFractions
        neuron.appliedCurrent = r.appliedCurrent
        neuron.currentRamp = r.ramp
        if let c = r.calciumTarget { neuron.homeostasis?.calciumTarget = c }
        dicTargets = (r.gs, r.gu)
        if let gs = r.gs { neuron.neuromodulation?.gs = gs }
        if let gu = r.gu { neuron.neuromodulation?.gu = gu }
        neuron.voltageClamp = r.voltageClamp
    }
}
