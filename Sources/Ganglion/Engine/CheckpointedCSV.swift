import GanglionIO

/// An observer's CSV output that survives a kill: created when the run starts (or reopened on resume at the
/// size its checkpoint recorded), committed when the run ends, kept as `.partial` when it fails.
final class CheckpointedCSV {
    /// Where the output stood at a checkpoint.
    struct Position: Codable {
        var bytes: Int?
        /// Whether the checkpoint is the one at the end of the run (the output may already be committed).
        var atEnd: Bool
    }

    let path: String
    let columns: [String]
    let duration: Double
    /// The open file (nil once a resumed run finds it already committed).
    private(set) var writer: CSVTraceWriter?

    init(path: String, columns: [String], duration: Double, replacingPartial: Bool, resuming: Bool) throws(SimulationError) {
        self.path = path
        self.columns = columns
        self.duration = duration
        if !resuming {
            do { writer = try CSVTraceWriter(path: path, columns: columns, replacingPartial: replacingPartial) } catch {
                throw SimulationError(message: "\(error)")
            }
        }
    }

    /// Flushes the file and returns its position at time t (ms).
    func position(at t: Double) throws -> Position { Position(bytes: try writer?.synchronize(), atEnd: t >= duration) }

    /// Reopens the file at a checkpoint's position.
    func reopen(at p: Position) throws(SimulationError) {
        writer = try reopenOutput(path, columns: columns, size: p.bytes, complete: p.atEnd)
    }

    func commit() throws { try writer?.commit() }
    func keepPartial() { _ = try? writer?.keepPartial() }

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
