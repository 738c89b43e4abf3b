import GanglionIO

/// An observer's output file that survives a kill, in any trace format (`TraceSinkFormat`: CSV or NWB):
/// created when the run starts (or reopened on resume at the position its checkpoint recorded), committed
/// when the run ends, kept as `.partial` when it fails.
final class CheckpointedSink {
    /// Where the output stood at a checkpoint.
    struct Position: Codable {
        var position: SinkPosition?
        /// Whether the checkpoint is the one at the end of the run (the output may already be committed).
        var atEnd: Bool
    }

    let path: String
    let columns: [String]
    let duration: Double
    let format: TraceSinkFormat
    /// The open file (nil once a resumed run finds it already committed).
    @exclusivity(unchecked) private(set) var writer: (any TraceSink)?

    init(path: String, format: TraceSinkFormat = .csv, columns: [String], duration: Double, replacingPartial: Bool,
         resuming: Bool) throws(SimulationError) {
        self.path = path
        self.columns = columns
        self.duration = duration
        self.format = format
        if !resuming {
            do { writer = try format.makeSink(path: path, columns: columns, replacingPartial: replacingPartial) } catch {
                throw SimulationError(message: "\(error)")
            }
        }
    }

    /// Writes what was given so far and returns the output's position at time t (ms).
    func position(at t: Double) throws -> Position { Position(position: try writer?.position(), atEnd: t >= duration) }

    /// Reopens the output at a checkpoint's position.
    func reopen(at p: Position) throws(SimulationError) {
        guard let position = p.position else { throw SimulationError(message: "the checkpoint has no position of \(path)") }
        writer = try reopenSink(format, path: path, columns: columns, at: position, complete: p.atEnd)
    }

    /// Records how the samples were computed (formats that keep it), then completes the file.
    func commit(solver: String? = nil) throws {
        if let solver { writer?.describeSolver(solver) }
        try writer?.commit()
    }

    /// Keeps what was written as `<path>.partial`; its path, if there is one.
    func keepPartial() -> String? { (try? writer?.keepPartial()) ?? nil }

    /// An observer's checkpoint text: its state `saved` with this output's position at t (ms) stored at `field`.
    func save<Saved: Codable>(_ saved: inout Saved, at t: Double, in field: WritableKeyPath<Saved, Position?>) throws -> String {
        saved[keyPath: field] = try position(at: t)
        return try checkpointText(saved)
    }

    /// An observer's state from its checkpoint text, with this output reopened at the position stored at `field`.
    func restore<Saved: Codable>(_ text: String?, what: String, field: KeyPath<Saved, Position?>) throws(SimulationError) -> Saved {
        let saved = try checkpointValue(Saved.self, from: text, what: what)
        guard let p = saved[keyPath: field] else { throw SimulationError(message: "the checkpoint has no position of \(path)") }
        try reopen(at: p)
        return saved
    }
}
