import Foundation
import GanglionCore

/// One cell as a run's subject: its protocol's events act on the description (`ProtocolState`), which is
/// recompiled after them; sharp events are resolved by the compensation solve on the cell as it is then.
final class CellSubject: RunSubject {
    /// What a checkpoint holds of the cell besides its state vector.
    struct Saved: Codable {
        var nextEvent: Int
        var protocolRecord: ProtocolState.Record
        var lookbackState: [Double]?
        var thresholdV: Double?
    }

    let name: String
    let events: [ProtocolEvent]
    private(set) var protocolState: ProtocolState
    private(set) var compiled: CompiledNeuron
    var state: [Double]
    private var nextEvent = 0
    /// The state 1 s before a restarting sharp event (the authors take the conductances of their last 1 s sample).
    private var lookbackState: [Double]?
    /// The threshold voltage (mV) sharp events without a voltage solve at, from the cell as described.
    private var thresholdV: Double?
    /// The conductances homeostasis regulates (sorted) and the index of each one's ḡ state.
    let regulatedNames: [String]
    let regulatedIndex: [Int]
    /// The indices of every homeostasis state (ḡ and m).
    let homeostasisStates: Set<Int>
    let lookbackTimes: [Double]

    init(neuron: NeuronDescription, events: [ProtocolEvent]) throws(SimulationError) {
        name = neuron.name
        self.events = events
        do { compiled = try CompiledNeuron(neuron) } catch { throw SimulationError(message: "model '\(neuron.name)': \(error)") }
        protocolState = ProtocolState(neuron)
        state = compiled.initialState()
        regulatedNames = (neuron.homeostasis?.timeConstants.keys).map { $0.sorted() } ?? []
        let compiled = compiled
        regulatedIndex = regulatedNames.map { compiled.index(of: .gbar(conductance: $0))! }
        homeostasisStates = Set(regulatedIndex + regulatedNames.map { compiled.index(of: StateReference.homeostasisM(of: $0, in: neuron)!)! })
        lookbackTimes = Self.lookbackTimes(events)
        if events.contains(where: { if case let .sharp(s) = $0.action { s.voltage == nil } else { false } }) {
            do { thresholdV = try DICCalculator(neuron.effective()).threshold(.grid).V } catch {
                throw SimulationError(message: "sharp neuromodulation needs the cell's threshold: \(error)")
            }
        }
    }

    /// One second before each restarting sharp event (paper profile), when the run is that long.
    static func lookbackTimes(_ events: [ProtocolEvent]) -> [Double] {
        events.compactMap { e in
            if case let .sharp(s) = e.action, s.restart, e.time >= 1000 { e.time - 1000 } else { nil }
        }
    }

    var system: any ODESystem { compiled }
    var cells: [(compiled: CompiledNeuron, offset: Int)] { [(compiled, 0)] }
    var extraBoundaries: [Double] { lookbackTimes }
    var eventTimes: [Double] { events.map(\.time) }

    func reached(_ t: Double) {
        if lookbackTimes.contains(t) { lookbackState = state }
    }

    func applyEvents(at t: Double) throws(SimulationError) -> Bool {
        var changed = false
        while nextEvent < events.count, events[nextEvent].time == t {
            try apply(events[nextEvent])
            nextEvent += 1
            changed = true
        }
        if changed {
            do { compiled = try CompiledNeuron(protocolState.neuron) } catch {
                throw SimulationError(message: "model '\(name)' after the events at \(t) ms: \(error)")
            }
        }
        return changed
    }

    func describe(_ error: SolverError) -> String { error.description }

    func save() throws -> String {
        try checkpointText(Saved(nextEvent: nextEvent, protocolRecord: protocolState.record, lookbackState: lookbackState, thresholdV: thresholdV))
    }

    func restore(_ saved: String) throws(SimulationError) {
        let s = try checkpointValue(Saved.self, from: saved, what: "cell")
        nextEvent = s.nextEvent
        lookbackState = s.lookbackState
        thresholdV = s.thresholdV
        protocolState.restore(s.protocolRecord)
        do { compiled = try CompiledNeuron(protocolState.neuron) } catch { throw SimulationError(message: "\(error)") }
    }

    /// The description with every event applied so far.
    var neuron: NeuronDescription { protocolState.neuron }

    /// The cell as it is now, without controllers: every regulated or modulated ḡ taken from the state.
    func currentCell() -> NeuronDescription {
        state.withUnsafeBufferPointer { compiled.plainCell(protocolState.neuron, state: $0.baseAddress!) }
    }

    /// The conductances in effect at the current state, by name.
    func conductancesNow() -> [String: Double] {
        let names = compiled.currentNames
        let out = UnsafeMutablePointer<Double>.allocate(capacity: names.count)
        defer { out.deallocate() }
        state.withUnsafeBufferPointer { compiled.effectiveConductances($0.baseAddress!, into: out) }
        return Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, out[$0]) })
    }

    /// Applies one event at its time to the description and the state.
    private func apply(_ e: ProtocolEvent) throws(SimulationError) {
        guard case let .sharp(s) = e.action else {
            for edit in protocolState.apply(e) { state[compiled.index(of: edit.state)!] = edit.value }
            return
        }
        if s.restart, let saved = lookbackState {
            // The authors' switch starts from the conductances of their last 1 s sample (Docs/science/controllers.md §3).
            for i in regulatedIndex { state[i] = saved[i] }
            lookbackState = nil
        }
        let cell = currentCell()
        for c in s.conductances where cell.blockFractions[c] != nil {
            throw SimulationError(message: "event at \(e.time) ms (\(e.summary)): '\(c)' is blocked; a blocked conductance cannot be solved for")
        }
        let V = s.voltage ?? thresholdV!
        let result: CompensationResult
        do { result = try compensate(cell.effective(at: e.time), unknowns: s.conductances, targets: s.targets, at: .value(V), variant: s.variant) } catch {
            throw SimulationError(message: "event at \(e.time) ms (\(e.summary)): the compensation solve failed: \(error)")
        }
        for c in s.conductances {
            for edit in protocolState.apply(ProtocolEvent(time: e.time, action: .setConductance(channel: c, value: result.solved[c]!))) {
                state[compiled.index(of: edit.state)!] = edit.value
            }
        }
        if s.restart {
            // The authors' restart: V, Ca and gates from the initial conditions; every other m_X := ḡ_X.
            let fresh = compiled.initialState()
            for i in fresh.indices where !homeostasisStates.contains(i) { state[i] = fresh[i] }
            for (n, i) in zip(regulatedNames, regulatedIndex) where !s.conductances.contains(n) {
                state[compiled.index(of: StateReference.homeostasisM(of: n, in: protocolState.neuron)!)!] = state[i]
            }
        }
    }
}
