import GanglionCore

/// Where a run's samples go: a trace file written row by row while the run goes, under a `.partial` name until
/// `commit()`, and reopened at a checkpoint's `position()` when the run is resumed.
///
/// `CSVTraceWriter` writes CSV text; `NWBTraceSink` (GanglionNWB) writes an NWB 2 file directly.
/// `TraceSinkFormat` (GanglionNWB) creates the right one for a path and reopens it on resume.
///
/// A sink is used from one thread. `write` only checks and copies the numbers (a background queue formats
/// and writes them); a write error is thrown by a later `write`, or by `position()`, `commit()`.
public protocol TraceSink: AnyObject {
    /// The column names, the time `t_ms` first; each name ends in its unit (`V_mV`, `I_Na_uA_cm2`; see
    /// `TraceColumns`), from which formats with units (NWB) take the unit, conversion and description.
    var columns: [String] { get }
    /// The final path, where the file appears on `commit()` (until then it is `<path>.partial`).
    var path: String { get }
    /// Writes one row: the time (ms, non-decreasing) and the values, in column order after the time.
    /// A non-finite time or value is never written: it throws `IOError` naming the time and the column.
    func write(time: Double, values: UnsafeBufferPointer<Double>) throws
    /// Writes every row given so far to the file and returns where the file stands, for a checkpoint: a later
    /// run reopens the file there (`TraceSinkFormat.reopenSink`), dropping whatever was written after it.
    func position() throws -> SinkPosition
    /// Records how the samples were computed — the solver, its settings and its statistics (JSON) — in formats
    /// that keep it (NWB: `general/data_collection`, written on commit). CSV keeps no metadata. Call it before
    /// `commit()`.
    func describeSolver(_ json: String)
    /// Writes every row given so far, completes the file and moves it to `path` (listing it in the folder's
    /// `.ganglion-outputs`).
    func commit() throws
    /// Keeps what was written as `<path>.partial` (every row given so far, if they could be written; readable
    /// as a file of the format) and returns that path. A later run may still reopen it at a position.
    @discardableResult
    func keepPartial() throws -> String
}

extension TraceSink {
    public func describeSolver(_ json: String) {}
}

/// Where a trace sink stands at a checkpoint: the rows written, and what the format needs to go on from them.
/// A checkpoint stores it (JSON); `TraceSinkFormat.reopenSink` goes on from it.
public struct SinkPosition: Codable, Equatable, Sendable {
    /// Data rows written (the header not counted).
    public var rows: Int
    /// CSV: the file's size (bytes) after those rows, always at a line end. nil for NWB.
    public var bytes: Int?
    /// NWB: the sample times of those rows, as the file stores them (nil before the first row, and for CSV).
    public var clock: SampleClock?

    public init(rows: Int, bytes: Int? = nil, clock: SampleClock? = nil) {
        self.rows = rows
        self.bytes = bytes
        self.clock = clock
    }
}

/// The sample times of a trace as NWB stores them: a regular grid (`first` + k · `interval`) until the first
/// sample off the grid, explicit timestamps from the first such sample on. Times in ms.
public struct SampleClock: Codable, Equatable, Sendable {
    /// The first sample's time (ms).
    public var first: Double
    /// The grid's interval (ms): the second sample's time minus the first's (0 before the second sample).
    public var interval: Double
    /// The last sample's time (ms).
    public var last: Double
    /// Whether a sample fell off the grid, so that the file stores explicit timestamps.
    public var explicit: Bool

    public init(first: Double, interval: Double, last: Double, explicit: Bool) {
        self.first = first
        self.interval = interval
        self.last = last
        self.explicit = explicit
    }
}

/// The check every sink makes of a row before it copies it: finite time and values.
public enum TraceRow {
    /// Whether the time and every value are finite (no branch per value).
    @inline(__always)
    public static func isFinite(time: Double, values: UnsafeBufferPointer<Double>) -> Bool {
        time.isFinite && (values.baseAddress.map { allFinite($0, count: values.count) } ?? true)
    }

    /// The error for a row that is not finite, naming the time and the first non-finite column.
    public static func nonFiniteError(file: String, columns: [String], time: Double, values: UnsafeBufferPointer<Double>) -> IOError {
        let i = values.firstIndex { !$0.isFinite }
        let what = i.map { "\(columns[$0 + 1]) = \(values[$0])" } ?? "the time \(columns[0]) = \(time)"
        return IOError(file: file, message: "at t = \(time) ms, \(what): a non-finite value is not written; the run stops here")
    }
}
