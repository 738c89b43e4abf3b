/// A change to a neuron's parameters at an exact time (ms). The integrator stops at the event, applies
/// it, and restarts from the same state; the trace records the state just before and just after.
public struct ProtocolEvent: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Set the channel's ḡ to `fraction` × its unblocked value (0: complete blockade; 0.5 halves it).
        case block(channel: String, fraction: Double)
        /// Restore the channel's unblocked ḡ.
        case unblock(channel: String)
        /// Step the applied current to this value (µA/cm²).
        case appliedCurrent(Double)
        /// Set the channel's (unblocked) ḡ (mS/cm²).
        case setConductance(channel: String, value: Double)
        /// Change the homeostasis calcium target Ca_tgt (model units).
        case calciumTarget(Double)
    }

    /// Time (ms).
    public var time: Double
    public var action: Action

    public init(time: Double, action: Action) {
        self.time = time
        self.action = action
    }

    /// A short description for messages (`event 2 (t = 2000 ms, block H to 0)`).
    public var summary: String {
        switch action {
        case let .block(c, f): "block \(c) to \(f)"
        case let .unblock(c): "unblock \(c)"
        case let .appliedCurrent(i): "applied current \(i) µA/cm²"
        case let .setConductance(c, v): "set \(c) to \(v) mS/cm²"
        case let .calciumTarget(v): "calcium target \(v)"
        }
    }
}

/// A protocol that cannot be run; the description names the event.
public struct ProtocolError: Error, Equatable, CustomStringConvertible {
    /// Index of the offending event (0-based).
    public var index: Int
    public var event: ProtocolEvent
    public var reason: String
    public var description: String {
        "event \(index) (t = \(event.time) ms, \(event.summary)): \(reason)"
    }
}

/// Applies a protocol's events to a neuron description, keeping track of blockades.
public struct ProtocolState: Sendable {
    public private(set) var neuron: NeuronDescription
    /// Unblocked ḡ by channel name, and the blocking fraction of the blocked channels.
    private var unblocked: [String: Double]
    private var blocked: [String: Double] = [:]

    public init(_ neuron: NeuronDescription) {
        self.neuron = neuron
        unblocked = Dictionary(uniqueKeysWithValues: neuron.conductances.map { ($0.name, $0.gbar) } + [("leak", neuron.leakConductance)])
    }

    /// Checks a schedule against a neuron and a run duration (ms): times in [0, duration] and in order,
    /// known channels, fractions in [0, 1], finite currents, non-negative finite conductances.
    public static func validate(_ events: [ProtocolEvent], for neuron: NeuronDescription, duration: Double) throws(ProtocolError) {
        let names = Set(neuron.conductances.map(\.name) + ["leak"])
        let regulated = Set(neuron.homeostasis?.timeConstants.keys.map { $0 } ?? [])
        var previous = -Double.infinity
        for (i, e) in events.enumerated() {
            func fail(_ reason: String) -> ProtocolError { ProtocolError(index: i, event: e, reason: reason) }
            guard e.time.isFinite, e.time >= 0 else { throw fail("the time must be ≥ 0") }
            guard e.time <= duration else { throw fail("after the end of the run (\(duration) ms)") }
            guard e.time >= previous else { throw fail("out of order (the previous event is at \(previous) ms)") }
            previous = e.time
            switch e.action {
            case let .block(c, _), let .unblock(c), let .setConductance(c, _):
                // A regulated ḡ is a state of the homeostasis controller: changing it by an event is not
                // supported yet, and silently ignoring the event would give a wrong result.
                guard !regulated.contains(c) else {
                    throw fail("'\(c)' is regulated by homeostasis; blocking or setting a regulated conductance is not supported yet (leave it out of the regulated set)")
                }
            default: break
            }
            switch e.action {
            case let .block(c, f):
                guard names.contains(c) else { throw fail("unknown channel '\(c)' (known: \(names.sorted().joined(separator: ", ")))") }
                guard f >= 0, f <= 1 else { throw fail("fraction \(f) outside [0, 1]") }
            case let .unblock(c):
                guard names.contains(c) else { throw fail("unknown channel '\(c)' (known: \(names.sorted().joined(separator: ", ")))") }
            case let .appliedCurrent(i):
                guard i.isFinite else { throw fail("the current must be finite") }
            case let .calciumTarget(v):
                guard neuron.homeostasis != nil else { throw fail("the cell has no homeostasis") }
                guard v.isFinite else { throw fail("the target must be finite") }
            case let .setConductance(c, v):
                guard names.contains(c) else { throw fail("unknown channel '\(c)' (known: \(names.sorted().joined(separator: ", ")))") }
                guard v.isFinite, v >= 0 else { throw fail("conductance \(v) must be finite and ≥ 0") }
            }
        }
    }

    /// Applies one event.
    public mutating func apply(_ e: ProtocolEvent) {
        switch e.action {
        case let .block(c, f): blocked[c] = f
        case let .unblock(c): blocked[c] = nil
        case let .appliedCurrent(i): neuron.appliedCurrent = i
        case let .setConductance(c, v): unblocked[c] = v
        case let .calciumTarget(v): neuron.homeostasis?.calciumTarget = v
        }
        let name: String
        switch e.action {
        case let .block(c, _), let .unblock(c), let .setConductance(c, _): name = c
        case .appliedCurrent, .calciumTarget: return
        }
        let value = unblocked[name]! * (blocked[name] ?? 1)
        if name == "leak" { neuron.leakConductance = value } else {
            neuron.conductances[neuron.conductances.firstIndex { $0.name == name }!].gbar = value
        }
    }
}
