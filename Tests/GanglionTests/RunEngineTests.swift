import Foundation
import Testing
import Ganglion

/// The one run engine: a lone cell and a circuit of one cell are the same run, and what one kind of run
/// watches, the other does.
@Suite("Run engine")
struct RunEngineTests {
    /// A bursting cell with a current step and a Na half-block, run with exponential Euler.
    static func stepped() throws -> (neuron: NeuronDescription, events: [ProtocolEvent]) {
        let neuron = try NamedModel.named("stg-bursting")!.neuron()
        let events = [ProtocolEvent(time: 700, action: .appliedCurrent(2)),
                      ProtocolEvent(time: 1400, action: .block(channel: "CaT", fraction: 0.5))]
        return (neuron, events)
    }

    @Test("a circuit of one cell runs as the lone cell: same rows (before and after each event), same spikes")
    func circuitOfOne() throws {
        let (neuron, events) = try Self.stepped()
        let folder = scratchFolder("engine-one")
        let settings = SolverSettings(method: .expEuler, dt: 0.025)
        var cell = SimulationRequest(neuron: neuron, duration: 2500)
        cell.solverSettings = settings
        cell.events = events
        cell.window = 0...2500
        cell.tracePath = folder + "/cell.csv"
        let lone = try simulate(cell)

        var circuit = NetworkRequest(network: NetworkDescription(cells: [.init(name: "A", neuron: neuron)]), duration: 2500, window: 0...2500)
        circuit.solverSettings = settings
        circuit.events = events.map { NetworkEvent(time: $0.time, cells: [0], action: .cell($0.action)) }
        circuit.tracePath = folder + "/circuit.csv"
        let network = try simulateNetwork(circuit)

        let a = try readCSV(folder + "/cell.csv"), b = try readCSV(folder + "/circuit.csv")
        #expect(a.rows.count == b.rows.count)
        // Each event time appears twice (the state just before and just after), in both.
        for e in events {
            #expect(a.rows.filter { $0[0] == e.time }.count == 2, "cell trace at \(e.time) ms")
            #expect(b.rows.filter { $0[0] == e.time }.count == 2, "circuit trace at \(e.time) ms")
        }
        var worst = 0.0
        for (x, y) in zip(a.rows, b.rows) {
            #expect(x[0] == y[0])
            worst = max(worst, abs(x[1] - y[1]))
        }
        // The network sums its cell's currents in its own order: equal to the trace's 10 significant digits, give or take one.
        #expect(worst < 1e-5, "largest V difference \(worst) mV")
        #expect(lone.features.spikeTimes == network.cells[0].features.spikeTimes || zip(lone.features.spikeTimes, network.cells[0].features.spikeTimes).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(lone.features.spikeTimes.count > 10 && lone.features.spikeTimes.count == network.cells[0].features.spikeTimes.count)
    }

    @Test("a circuit stops with the cell's name when it leaves the range the model describes")
    func circuitBounds() throws {
        let (neuron, _) = try Self.stepped()
        var wild = neuron
        wild.appliedCurrent = 1e9
        var r = NetworkRequest(network: NetworkDescription(cells: [.init(name: "calm", neuron: neuron), .init(name: "wild", neuron: wild)]),
                               duration: 200, window: 0...200)
        r.solverSettings = SolverSettings(method: .expEuler)
        #expect { try simulateNetwork(r) } throws: { e in
            let m = "\(e)"
            return m.contains("cell wild") && m.contains("left the range the model describes")
        }
    }
}
