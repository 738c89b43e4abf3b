import GanglionCore

/// The spike times of every cell of a circuit (the analysis windows and phases are computed from them).
final class CircuitSpikes: RunObserver {
    let key = "spikes"
    private unowned let subject: any RunSubject
    private var offsets: [Int] = []
    private(set) var detectors: [SpikeDetector]

    init(subject: any RunSubject) {
        self.subject = subject
        detectors = Array(repeating: SpikeDetector(), count: subject.cells.count)
        remap()
    }

    private func remap() { offsets = subject.cells.map(\.offset) }

    func sample(_ t: Double, _ y: UnsafeBufferPointer<Double>) throws {
        for (i, o) in offsets.enumerated() { detectors[i].observe(t: t, V: y[o]) }
    }

    func systemChanged() throws { remap() }
    func save(at t: Double) throws -> String? { try checkpointText(detectors) }
    func restore(_ s: String?) throws {
        let saved = try checkpointValue([SpikeDetector].self, from: s, what: "spike detectors")
        guard saved.count == detectors.count else { throw SimulationError(message: "the checkpoint's cells do not match the network") }
        detectors = saved
    }
}

/// Samples every cell's conductances in effect every `interval` ms to a file (one column per cell and channel).
final class CircuitConductanceSampler: RunObserver {
    struct Saved: Codable {
        var next: Double
        var output: CheckpointedSink.Position?
    }

    let key = "conductances"
    let interval: Double
    private unowned let subject: any RunSubject
    private var cells: [(compiled: CompiledNeuron, offset: Int)] = []
    private var saved = Saved(next: 0)
    private let output: CheckpointedSink
    private var row: [Double] = []

    init(subject: any RunSubject, path: String, format: TraceSinkFormat = .csv, columns: [String], interval: Double, duration: Double,
         replacingPartial: Bool, resuming: Bool) throws(SimulationError) {
        self.subject = subject
        self.interval = interval
        output = try CheckpointedSink(path: path, format: format, columns: columns, duration: duration, replacingPartial: replacingPartial, resuming: resuming)
        remap()
    }

    private func remap() {
        cells = subject.cells
        row = Array(repeating: 0, count: cells.reduce(0) { $0 + $1.compiled.currentNames.count })
    }

    func sample(_ t: Double, _ y: UnsafeBufferPointer<Double>) throws {
        guard let writer = output.writer, t >= saved.next - 1e-9 else { return }
        try row.withUnsafeMutableBufferPointer { r in
            var k = 0
            for c in cells {
                c.compiled.effectiveConductances(y.baseAddress! + c.offset, into: r.baseAddress! + k)
                k += c.compiled.currentNames.count
            }
            try writer.write(time: t, values: UnsafeBufferPointer(r))
        }
        saved.next += interval
    }

    func systemChanged() throws { remap() }
    func finish(_ outcome: RunEngine.Outcome) throws { try output.commit(solver: JSONOutput.string(outcome.solverObject, pretty: true)) }
    func abandon() -> String? { _ = output.keepPartial(); return nil }

    func save(at t: Double) throws -> String? { try output.save(&saved, at: t, in: \.output) }
    func restore(_ s: String?) throws { saved = try output.restore(s, what: "conductance sampler", field: \.output) }
}
