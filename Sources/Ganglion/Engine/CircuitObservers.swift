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
        var bytes: Int?
        var atEnd: Bool
    }

    let key = "conductances"
    let path: String
    let interval: Double
    let duration: Double
    let columns: [String]
    private unowned let subject: any RunSubject
    private var cells: [(compiled: CompiledNeuron, offset: Int)] = []
    private var saved = Saved(next: 0, atEnd: false)
    private var writer: CSVTraceWriter?
    private var row: [Double] = []

    init(subject: any RunSubject, path: String, columns: [String], interval: Double, duration: Double,
         replacingPartial: Bool, resuming: Bool) throws(SimulationError) {
        self.subject = subject
        self.path = path
        self.columns = columns
        self.interval = interval
        self.duration = duration
        if !resuming {
            do { writer = try CSVTraceWriter(path: path, columns: columns, replacingPartial: replacingPartial) } catch {
                throw SimulationError(message: "\(error)")
            }
        }
        remap()
    }

    private func remap() {
        cells = subject.cells
        row = Array(repeating: 0, count: cells.reduce(0) { $0 + $1.compiled.currentNames.count })
    }

    func sample(_ t: Double, _ y: UnsafeBufferPointer<Double>) throws {
        guard writer != nil, t >= saved.next - 1e-9 else { return }
        try row.withUnsafeMutableBufferPointer { r in
            var k = 0
            for c in cells {
                c.compiled.effectiveConductances(y.baseAddress! + c.offset, into: r.baseAddress! + k)
                k += c.compiled.currentNames.count
            }
            try writer?.write(time: t, values: UnsafeBufferPointer(r))
        }
        saved.next += interval
    }

    func systemChanged() throws { remap() }
    func finish(_ outcome: RunEngine.Outcome) throws { try writer?.commit() }
    func abandon() -> String? { _ = try? writer?.keepPartial(); return nil }

    func save(at t: Double) throws -> String? {
        saved.bytes = try writer?.synchronize()
        saved.atEnd = t >= duration
        return try checkpointText(saved)
    }

    func restore(_ s: String?) throws {
        saved = try checkpointValue(Saved.self, from: s, what: "conductance sampler")
        writer = try reopenOutput(path, columns: columns, size: saved.bytes, complete: saved.atEnd)
    }
}
