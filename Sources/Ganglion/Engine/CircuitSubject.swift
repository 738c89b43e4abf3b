import Foundation
import GanglionCore
import GanglionModels

/// A circuit of cells as a run's subject: events address cells; each acts on its cells' descriptions
/// (`ProtocolState`), after which the network is recompiled and the state carried over by name. Sharp events
/// are resolved per cell by the compensation solve on the cell as it is then; `startHomeostasis` switches a
/// cell's pending homeostasis on.
final class CircuitSubject: RunSubject {
    /// What a checkpoint holds of the circuit besides its state vector.
    struct Saved: Codable {
        var nextEvent: Int
        /// Per cell: the protocol's changes, and whether a `startHomeostasis` event switched homeostasis on.
        var records: [ProtocolState.Record]
        var homeostasisStarted: [Bool]
    }

    let description: NetworkDescription
    let events: [NetworkEvent]
    let pendingHomeostasis: [Homeostasis?]
    private(set) var protocols: [ProtocolState]
    private(set) var compiled: CompiledNetwork
    var state: [Double]
    private var nextEvent = 0
    private var homeostasisStarted: [Bool]
    /// Each cell's ḡ as described (mS/cm²), where a homeostasis started from the initial values begins.
    private let initialGbar: [[String: Double]]
    /// Each cell's threshold voltage (mV) for sharp events without a voltage.
    private let thresholds: [Double?]

    init(network: NetworkDescription, events: [NetworkEvent], pendingHomeostasis: [Homeostasis?], thresholds: [Double?]) throws(SimulationError) {
        description = network
        self.events = events
        self.pendingHomeostasis = pendingHomeostasis
        do { compiled = try network.compile() } catch { throw SimulationError(message: "\(error)") }
        protocols = network.cells.map { ProtocolState($0.neuron) }
        initialGbar = network.cells.map { c in
            Dictionary(uniqueKeysWithValues: c.neuron.conductanceNames.map { ($0, c.neuron.gbar($0)!) })
        }
        self.thresholds = thresholds
        state = compiled.initialState()
        homeostasisStarted = Array(repeating: false, count: network.cells.count)
    }

    var system: any ODESystem { compiled }
    var cells: [(compiled: CompiledNeuron, offset: Int)] { Array(zip(compiled.cells, compiled.offsets)) }
    var eventTimes: [Double] { events.map(\.time) }
    var cellNames: [String]? { compiled.cellNames }

    func describe(_ error: SolverError) -> String { "network \(compiled.cellNames.joined(separator: ", ")): \(error)" }

    func applyEvents(at t: Double) throws(SimulationError) -> Bool {
        var changed = false
        while nextEvent < events.count, events[nextEvent].time <= t {
            try apply(events[nextEvent])
            nextEvent += 1
            changed = true
        }
        return changed
    }

    func save() throws -> String {
        try checkpointText(Saved(nextEvent: nextEvent, records: protocols.map(\.record), homeostasisStarted: homeostasisStarted))
    }

    func restore(_ text: String) throws(SimulationError) {
        let saved = try checkpointValue(Saved.self, from: text, what: "circuit")
        guard saved.records.count == protocols.count, saved.homeostasisStarted.count == protocols.count else {
            throw SimulationError(message: "the checkpoint's cells do not match the network")
        }
        var d = description
        for i in protocols.indices {
            if saved.homeostasisStarted[i] {
                var n = protocols[i].neuron
                n.homeostasis = pendingHomeostasis[i]
                protocols[i] = ProtocolState(n)
            }
            protocols[i].restore(saved.records[i])
            d.cells[i].neuron = protocols[i].neuron
        }
        do { compiled = try d.compile() } catch { throw SimulationError(message: "\(error)") }
        nextEvent = saved.nextEvent
        homeostasisStarted = saved.homeostasisStarted
    }

    /// The present cell i without controllers: regulated and modulated ḡ from the state.
    func currentCell(_ i: Int) -> NeuronDescription {
        state.withUnsafeBufferPointer { compiled.cells[i].plainCell(protocols[i].neuron, state: $0.baseAddress! + compiled.offsets[i]) }
    }

    /// Each cell as it is at t for a snapshot: its conductances in effect frozen, from its family's standard
    /// initial conditions (not the network's starting voltages).
    func snapshotCells(at t: Double) -> [SnapshotObserver.CellNow] {
        compiled.cells.indices.map { i in
            var cell = currentCell(i).effective(at: t)
            if let family = NeuronKind.of(cell) {
                cell.initialVoltage = family.initialVoltage
                cell.initialCalcium = family.initialCalcium
            }
            let conductances = Dictionary(uniqueKeysWithValues: cell.conductanceNames.map { ($0, cell.gbar($0)!) })
            return (compiled.cellNames[i], cell, conductances)
        }
    }

    /// Applies an event to its cells, recompiles the network and carries the state over by name.
    private func apply(_ e: NetworkEvent) throws(SimulationError) {
        var edits: [(cell: Int, state: StateReference, value: Double)] = []
        for i in e.cells {
            let name = description.cells[i].name
            switch e.action {
            case .cell(.sharp(let s)):
                let cell = currentCell(i)
                let result: CompensationResult
                do {
                    result = try compensate(cell.effective(at: e.time), unknowns: s.conductances, targets: s.targets,
                                            at: .value(s.voltage ?? thresholds[i]!), variant: s.variant)
                } catch {
                    throw SimulationError(message: "event at \(e.time) ms, cell \(name): the compensation solve failed: \(error)")
                }
                for c in s.conductances {
                    for edit in protocols[i].apply(ProtocolEvent(time: e.time, action: .setConductance(channel: c, value: result.solved[c]!))) {
                        edits.append((i, edit.state, edit.value))
                    }
                }
            case .cell(let a):
                for edit in protocols[i].apply(ProtocolEvent(time: e.time, action: a)) { edits.append((i, edit.state, edit.value)) }
            case .startHomeostasis(let fromInitial):
                let now = currentCell(i)
                var d = protocols[i].neuron
                // The description's ḡ become the present ones, so the new ḡ states start there.
                for n in d.conductanceNames { d.setGbar(n, now.gbar(n)!) }
                d.homeostasis = pendingHomeostasis[i]
                protocols[i] = ProtocolState(d)
                homeostasisStarted[i] = true
                for n in d.homeostasis!.timeConstants.keys {
                    let g = now.gbar(n)!
                    edits.append((i, .gbar(conductance: n), g))
                    edits.append((i, StateReference.homeostasisM(of: n, in: d)!, fromInitial ? initialGbar[i][n]! : g))
                }
            }
        }
        var d = description
        for i in d.cells.indices { d.cells[i].neuron = protocols[i].neuron }
        let next: CompiledNetwork
        do { next = try d.compile() } catch { throw SimulationError(message: "event at \(e.time) ms: \(error)") }
        var y = next.initialState()
        let old = Dictionary(uniqueKeysWithValues: zip(compiled.layout.names, state))
        for (k, n) in next.layout.names.enumerated() { if let v = old[n] { y[k] = v } }
        for x in edits {
            guard let k = next.index(of: x.state, cell: x.cell) else {
                throw SimulationError(message: "event at \(e.time) ms: cell \(description.cells[x.cell].name) has no state \(x.state)")
            }
            y[k] = x.value
        }
        compiled = next
        state = y
    }
}
