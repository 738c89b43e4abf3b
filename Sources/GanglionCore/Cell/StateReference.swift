/// A state of a cell named by what it is rather than by its place or its layout name: events say which
/// states they change with it, and a compiled cell resolves it to an index (`CompiledNeuron.index(of:)`).
/// Layout names (`homeostasis.A.gbar`) are for output columns.
public enum StateReference: Sendable, Hashable {
    /// The membrane potential V.
    case voltage
    /// The intracellular calcium Ca.
    case calcium
    /// A channel's state, by the conductance's name and the index into its channel's `stateNames`.
    case gate(conductance: String, state: Int)
    /// The state holding a conductance's ḡ, whichever mechanism drives it (homeostasis, the neuromodulation
    /// controller, a `CellMechanism`); `leak` for the leak.
    case gbar(conductance: String)
    /// A mechanism's state, by the mechanism's name and the index into its `states`.
    case mechanism(String, state: Int)
}

extension StateReference {
    /// Homeostasis' integrator m_X of a conductance `neuron` regulates (Docs/science/controllers.md §1);
    /// nil when it does not regulate it.
    public static func homeostasisM(of conductance: String, in neuron: NeuronDescription) -> StateReference? {
        guard let h = HomeostasisMechanism(neuron), let i = h.conductances.firstIndex(of: conductance) else { return nil }
        return .mechanism(h.name, state: h.conductances.count + i)
    }
}

extension CompiledNeuron {
    /// The index of a state in the state vector; nil when the cell has no such state.
    public func index(of reference: StateReference) -> Int? {
        switch reference {
        case .voltage: return Self.voltageIndex
        case .calcium: return Self.calciumIndex
        case let .gate(conductance, state):
            guard let i = neuron.conductances.firstIndex(where: { $0.name == conductance }), state >= 0, state < slots[i].stateCount else {
                return nil
            }
            return slots[i].offset + state
        case let .gbar(conductance):
            if conductance == "leak" { return leakState >= 0 ? leakState : nil }
            guard let i = neuron.conductances.firstIndex(where: { $0.name == conductance }) else { return nil }
            return slots[i].gbarState >= 0 ? slots[i].gbarState : nil
        case let .mechanism(name, state):
            guard let slot = mechanismSlots.first(where: { $0.mechanism.name == name }), state >= 0, state < slot.count else { return nil }
            return slot.index(state)
        }
    }
}

extension CompiledNeuron {
    /// The reference of the state at `index` of the state vector: V, Ca, a channel's state, a conductance's ḡ
    /// (before the mechanism state that holds it), or a mechanism's state; nil outside the vector.
    public func reference(at index: Int) -> StateReference? {
        if index == Self.voltageIndex { return .voltage }
        if index == Self.calciumIndex { return .calcium }
        for (k, s) in slots.enumerated() {
            if index >= s.offset, index < s.offset + s.stateCount { return .gate(conductance: neuron.conductances[k].name, state: index - s.offset) }
            if s.gbarState == index { return .gbar(conductance: neuron.conductances[k].name) }
        }
        if leakState >= 0, leakState == index { return .gbar(conductance: "leak") }
        for slot in mechanismSlots {
            for k in 0..<slot.count where slot.index(k) == index { return .mechanism(slot.mechanism.name, state: k) }
        }
        return nil
    }

    /// The reference of the state whose layout name is `name` (`Na.m`, `homeostasis.A.gbar`); nil when the
    /// cell has none.
    public func reference(named name: String) -> StateReference? {
        layout.index(of: name).flatMap { reference(at: $0) }
    }
}

extension CompiledNetwork {
    /// The index in the network's state vector of a state of cell `cell` (network order); nil when the cell
    /// has no such state.
    public func index(of reference: StateReference, cell: Int) -> Int? {
        cells[cell].index(of: reference).map { offsets[cell] + $0 }
    }
}
