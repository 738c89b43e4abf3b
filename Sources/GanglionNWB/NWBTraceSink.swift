import Foundation
import GanglionIO

/// What an NWB trace holds beyond its samples: the session's metadata, a network's cell names (named in the
/// series' descriptions) and where the data come from.
public struct NWBTraceOptions: Sendable {
    /// The session: description, identifier, start time, model, protocol, solver, provenance, subject.
    public var metadata: NWBMetadata
    /// A network's cell names: a column `<cell>.<quantity>` is described as that cell's.
    public var cells: Set<String>
    /// Where the data come from, in each series' description.
    public var source: String

    public init(metadata: NWBMetadata, cells: Set<String> = [], source: String = "simulated by Ganglion") {
        self.metadata = metadata
        self.cells = cells
        self.source = source
    }
}

/// Streams a run's samples straight into an NWB 2 file (`NWBTraceWriter`): one `TimeSeries` per column after
/// `t_ms`, with the unit, conversion and description `NWBExport.series(forColumn:)` gives the column — the
/// file `ganglion export` makes of the same table, without a CSV in between. Values are stored as computed
/// (float64), not rounded to the CSV's 10 digits.
///
/// The file is `<path>.partial` until `commit()`: created exclusively, never through a symbolic link, renamed
/// into place and listed in the folder's `.ganglion-outputs` on commit, as `AtomicFileWriter` does for CSV.
/// Its HDF5 metadata reaches the disk only when flushed — at `position()`, on commit, and when an object is
/// added (at the start, at the switch to timestamps) — so a run killed between two checkpoints leaves the file
/// as of the last checkpoint plus sample data after it, and `init(resuming:…)` cuts it back there.
///
/// As `CSVTraceWriter`, rows are written to the file on a background queue; the caller only checks and copies
/// the numbers.
public final class NWBTraceSink: TraceSink, @unchecked Sendable {
    /// The column names, `t_ms` first.
    public let columns: [String]
    /// The NWB file's final path.
    public let path: String
    private let writer: Writer
    private let rows: TraceRowQueue

    /// Starts `<path>.partial` with the session metadata of `options` and one empty series per column after
    /// the time column (`t_ms`). An existing `<path>.partial` (an interrupted run's) is refused unless
    /// `replacingPartial` (default: `--force` was given); an existing file at `path` that is not Ganglion's own
    /// output is refused without `--force` (`OutputPolicy`).
    public init(path: String, columns: [String], options: NWBTraceOptions,
                replacingPartial: Bool = OutputPolicy.replacesForeignFiles) throws {
        try OutputPolicy.check(path)
        let series = try Self.series(path: path, columns: columns, options: options)
        let w = Writer(try NWBTraceWriter(path: path, metadata: options.metadata, series: series, partial: true,
                                          replacingPartial: replacingPartial))
        (self.columns, self.path, writer) = (columns, path, w)
        rows = Self.queue(w, columns: columns, rowsBefore: 0)
    }

    /// Goes on writing `<path>.partial` from `position` (from `position()` at a checkpoint): its datasets are
    /// cut to `position.rows` and the time base a commit or `keepPartial()` wrote is removed. The session
    /// metadata stays as the run that created the file wrote it; `general/data_collection` is written on
    /// commit from `options` or `describeSolver`. A symbolic link, another run's file, or one with fewer rows
    /// than `position` is refused and left as it is.
    public init(resuming path: String, columns: [String], options: NWBTraceOptions, at position: SinkPosition) throws {
        let series = try Self.series(path: path, columns: columns, options: options)
        let w = Writer(try NWBTraceWriter(resuming: path, series: series, rows: position.rows, clock: position.clock))
        w.writer.dataCollection = options.metadata.dataCollection
        (self.columns, self.path, writer) = (columns, path, w)
        rows = Self.queue(w, columns: columns, rowsBefore: position.rows)
    }

    /// The series of the columns after the time column, which must be a time in ms (`t_ms`).
    private static func series(path: String, columns: [String], options: NWBTraceOptions) throws(NWBError) -> [NWBSeries] {
        guard let time = columns.first, TraceUnits.isTime(TraceUnits.split(column: time).quantity),
              TraceUnits.split(column: time).unit == "ms" else {
            throw NWBError(file: path, message: "the first column must be the time in ms (t_ms); the columns are \(columns.joined(separator: ", "))")
        }
        return try NWBExport.series(forColumns: Array(columns.dropFirst()), cells: options.cells, source: options.source, file: path)
    }

    /// The row queue whose consumer appends each row to the writer.
    private static func queue(_ writer: Writer, columns: [String], rowsBefore: Int) -> TraceRowQueue {
        TraceRowQueue(label: "ganglion.nwb-trace", maxValues: columns.count - 1, rowsBefore: rowsBefore) { block in
            let w = writer.writer
            var i = 0
            while i < block.count {
                let n = Int(block[i])
                try w.append(time: block[i + 1], values: UnsafeBufferPointer(rebasing: block[(i + 2)..<(i + 2 + n)]))
                i += 2 + n
            }
        }
    }

    /// Writes one row: the time (ms, non-decreasing) and one value per column after `t_ms`. A non-finite
    /// time or value is never written: it throws `IOError` naming the time and the column.
    public func write(time: Double, values: UnsafeBufferPointer<Double>) throws {
        guard values.count == columns.count - 1 else {
            throw NWBError(file: path, message: "a row has \(values.count) values for \(columns.count - 1) columns after the time")
        }
        guard TraceRow.isFinite(time: time, values: values) else {
            throw TraceRow.nonFiniteError(file: path, columns: columns, time: time, values: values)
        }
        try rows.append(time: time, values: values)
    }

    /// Writes every row given so far and the file's metadata to the disk, and returns the row count and their
    /// times, for a checkpoint.
    public func position() throws -> SinkPosition {
        try rows.drain()
        try writer.writer.synchronize()
        return SinkPosition(rows: writer.writer.count, clock: writer.writer.clock)
    }

    /// The solver, its settings and statistics (JSON), written as `general/data_collection` on commit.
    public func describeSolver(_ json: String) { writer.writer.dataCollection = json }

    /// Writes every row given so far and the time base, closes the file and moves it to `path`.
    public func commit() throws {
        try rows.drain()
        try writer.writer.commit()
    }

    /// Keeps what was written as `<path>.partial`: every row given so far (if they could be written) with its
    /// time base, a readable NWB file; returns that path. `init(resuming:…)` can still go on from it.
    @discardableResult
    public func keepPartial() throws -> String {
        try? rows.drain()
        return writer.writer.keepPartial()
    }

    /// Stops as a killed process would: the rows not yet written and the metadata since the last `position()`
    /// never reach the file. For tests of resuming.
    package func simulateKill() {
        rows.dropPending()
        writer.writer.closeAsIfKilled()
    }

    /// The writer, used by the queue's consumer and, once the queue is drained, by the sink's owner.
    private final class Writer: @unchecked Sendable {
        let writer: NWBTraceWriter
        init(_ writer: NWBTraceWriter) { self.writer = writer }
    }
}
