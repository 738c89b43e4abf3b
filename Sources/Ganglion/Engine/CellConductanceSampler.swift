import GanglionCore

/// Samples a lone cell's conductances every `interval` ms to a file: the trailing calcium average, every
/// conductance in effect, and with a neuromodulation controller g_s and g_u at V_th of the conductances in
/// effect and the controller's reference.
final class CellConductanceSampler: RunObserver {
    struct Saved: Codable {
        var calcium: CalciumAverager
        var nextTick: Double
        var output: CheckpointedSink.Position?
    }

    let key = "conductances"
    let interval: Double
    private unowned let subject: CellSubject
    private let conductanceNames: [String]
    private var saved: Saved
    private let output: CheckpointedSink
    private let row: UnsafeMutableBufferPointer<Double>
    private let scratch: UnsafeMutablePointer<Double>

    /// The file's columns for a cell.
    static func columns(for neuron: NeuronDescription, conductanceNames: [String]) -> [String] {
        var c = ["t_ms", TraceColumns.calciumAverage] + conductanceNames.map { "g_\($0)_mS_cm2" }
        if let m = neuron.neuromodulation {
            c += ["g_s_at_Vth", "g_u_at_Vth"] + m.conductances.map { "ref_\($0)_mS_cm2" }
        }
        return c
    }

    init(subject: CellSubject, path: String, format: TraceSinkFormat = .csv, interval: Double, calciumWindow: Double, duration: Double,
         replacingPartial: Bool, resuming: Bool) throws(SimulationError) {
        self.subject = subject
        self.interval = interval
        conductanceNames = subject.compiled.currentNames
        let columns = Self.columns(for: subject.neuron, conductanceNames: conductanceNames)
        output = try CheckpointedSink(path: path, format: format, columns: columns, duration: duration, replacingPartial: replacingPartial, resuming: resuming)
        saved = Saved(calcium: CalciumAverager(window: calciumWindow), nextTick: 0)
        row = .allocate(capacity: columns.count)
        scratch = .allocate(capacity: conductanceNames.count + 1)
    }

    deinit {
        row.deallocate()
        scratch.deallocate()
    }

    func sample(_ t: Double, _ y: UnsafeBufferPointer<Double>) throws {
        saved.calcium.observe(t: t, Ca: y[1])
        guard t >= saved.nextTick - 1e-9 * interval else { return }
        let tick = saved.nextTick
        let average = saved.calcium.tick(at: tick)
        let system = subject.compiled
        system.effectiveConductances(y.baseAddress!, into: scratch)
        row[0] = average ?? .nan
        for i in conductanceNames.indices { row[i + 1] = scratch[i] }
        var c = conductanceNames.count + 1
        if let m = system.neuron.neuromodulation {
            // The controller's view: g_s, g_u at V_th of the conductances in effect, and its reference.
            let d = dicsAtThreshold(conductances: scratch, V: m.thresholdVoltage)
            let r = system.controllerReference(state: Array(y))
            for v in [d?.gs ?? .nan, d?.gu ?? .nan, r[m.conductances[0]]!, r[m.conductances[1]]!] { row[c] = v; c += 1 }
        }
        try output.writer?.write(time: tick, values: UnsafeBufferPointer(rebasing: row[0..<c]))
        saved.nextTick = tick + interval
    }

    /// The DICs at V of the plain cell with these conductances in effect (in `conductanceNames` order).
    private func dicsAtThreshold(conductances g: UnsafePointer<Double>, V: Double) -> DICValues? {
        var cell = subject.neuron
        cell.homeostasis = nil
        cell.neuromodulation = nil
        cell.mechanisms = []
        cell.blockFractions = [:]
        for (i, n) in conductanceNames.enumerated() { cell.setGbar(n, g[i]) }
        return try? DICCalculator(cell).dics(at: V)
    }

    func finish(_ outcome: RunEngine.Outcome) throws { try output.commit(solver: JSONOutput.string(outcome.solverObject, pretty: true)) }
    func abandon() -> String? { _ = output.keepPartial(); return nil }

    func save(at t: Double) throws -> String? { try output.save(&saved, at: t, in: \.output) }
    func restore(_ s: String?) throws { saved = try output.restore(s, what: "conductance sampler", field: \.output) }
}
