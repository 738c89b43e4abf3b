import Foundation
import GanglionCore

/// Streams samples of a run to a CSV file: a header with units (`t_ms,V_mV,Ca_au`, then recorded
/// columns) and one row per sample. The file appears under its name only when `commit()` is called.
///
/// Rows are formatted and written on a background queue (`TraceRowQueue`), so that a run's integration and
/// the writing of its trace use two cores: the caller only copies the numbers. A write error is reported by
/// the next call after it; `synchronize()`, `position()`, `commit()` and `keepPartial()` first wait for every
/// row given so far.
public final class CSVTraceWriter: TraceSink, @unchecked Sendable {
    /// The column names, `t_ms` first.
    public let columns: [String]
    private let sink: Sink
    private let rows: TraceRowQueue

    /// Starts the file; it is written as `<path>.partial` until `commit()`. An existing `<path>.partial`
    /// (an interrupted run's) is refused unless `replacingPartial` (default: `--force` was given).
    public convenience init(path: String, columns: [String], replacingPartial: Bool = OutputPolicy.replacesForeignFiles) throws {
        try OutputPolicy.check(path)
        try self.init(file: try AtomicFileWriter(path: path, partial: true, replacingPartial: replacingPartial), columns: columns, rows: 0)
        try sink.file.write(columns.joined(separator: ",") + "\n")
    }

    /// Goes on writing `<path>.partial` after its first `size` bytes (from `synchronize()` at a checkpoint).
    /// The rows already there are counted (one pass over them) so that `position()` counts from the file's start.
    public convenience init(resuming path: String, columns: [String], size: Int) throws {
        let file = try AtomicFileWriter(resuming: path, size: size)
        let lines = try Self.lineCount(file.temporaryPath, bytes: size)
        try self.init(file: file, columns: columns, rows: max(0, lines - 1))
    }

    /// Goes on writing `<path>.partial` from `position` (from `position()` at a checkpoint): the file is cut
    /// to `position.bytes`, and the rows after it are written again.
    public convenience init(resuming path: String, columns: [String], at position: SinkPosition) throws {
        guard let bytes = position.bytes else {
            throw IOError(file: path + ".partial", message: "the checkpoint gives no byte size for this CSV trace: cannot resume it")
        }
        try self.init(file: try AtomicFileWriter(resuming: path, size: bytes), columns: columns, rows: position.rows)
    }

    private init(file: AtomicFileWriter, columns: [String], rows before: Int) throws {
        self.columns = columns
        let sink = Sink(file: file, capacity: 32 * (columns.count + 1) * TraceRowQueue.blockRows)
        self.sink = sink
        rows = TraceRowQueue(label: "ganglion.csv-trace", maxValues: columns.count - 1, rowsBefore: before) { try sink.write($0) }
    }

    /// Writes one row: the time (ms) and the values, in column order after `t_ms`. Numbers are written
    /// with 10 significant digits (`DecimalFormatter`); 0.1·3 reads "0.3".
    /// A non-finite time or value is never written: it throws `IOError` naming the time and the column.
    public func write(time: Double, values: UnsafeBufferPointer<Double>) throws {
        precondition(values.count < columns.count)
        guard TraceRow.isFinite(time: time, values: values) else {
            throw TraceRow.nonFiniteError(file: path, columns: columns, time: time, values: values)
        }
        try rows.append(time: time, values: values)
    }

    /// Writes every row given so far, flushes to the disk and returns the size written so far (bytes).
    public func synchronize() throws -> Int {
        try rows.drain()
        return try sink.file.synchronize()
    }

    /// Writes every row given so far and returns the file's size and row count, for a checkpoint.
    public func position() throws -> SinkPosition {
        let bytes = try synchronize()
        return SinkPosition(rows: rows.rows, bytes: bytes)
    }

    /// The trace's final path (the file is `<path>.partial` until committed).
    public var path: String { sink.file.path }
    /// Writes every row given so far and completes the file.
    public func commit() throws {
        try rows.drain()
        try sink.file.commit()
    }
    /// Keeps what was written as `<path>.partial` (every row given so far, if they could be written) and
    /// returns that path.
    @discardableResult
    public func keepPartial() throws -> String {
        try? rows.drain()
        return sink.file.abandon() ?? sink.file.temporaryPath
    }

    /// The number of line ends in the first `bytes` bytes of the file at `path`.
    static func lineCount(_ path: String, bytes: Int) throws -> Int {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw IOError(file: path, message: "cannot read (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        let chunk = 1 << 16
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 8)
        defer { buffer.deallocate() }
        var lines = 0, done = 0
        while done < bytes {
            let n = read(fd, buffer.baseAddress, min(chunk, bytes - done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw IOError(file: path, message: "shorter than \(bytes) bytes") }
            for byte in buffer[0..<n] where byte == UInt8(ascii: "\n") { lines += 1 }
            done += n
        }
        return lines
    }

    /// The file and a text buffer: what the queue's consumer works on.
    private final class Sink: @unchecked Sendable {
        let file: AtomicFileWriter
        let text: UnsafeMutablePointer<UInt8>
        let capacity: Int

        init(file: AtomicFileWriter, capacity: Int) {
            self.file = file
            self.capacity = capacity
            text = .allocate(capacity: capacity)
        }
        deinit { text.deallocate() }

        /// Formats rows (per row: value count, time, values) and writes them.
        func write(_ b: UnsafeBufferPointer<Double>) throws {
            let tables = DecimalFormatter.tables
            var n = 0, i = 0
            while i < b.count {
                let count = Int(b[i])
                if n + 32 * (count + 1) > capacity {
                    try file.write(bytes: UnsafeBufferPointer(start: text, count: n))
                    n = 0
                }
                n += DecimalFormatter.write(b[i + 1], into: text + n, tables)
                for k in 0..<count {
                    text[n] = UInt8(ascii: ","); n += 1
                    n += DecimalFormatter.write(b[i + 2 + k], into: text + n, tables)
                }
                text[n] = UInt8(ascii: "\n"); n += 1
                i += 2 + count
            }
            try file.write(bytes: UnsafeBufferPointer(start: text, count: n))
        }
    }
}

/// Reads a trace CSV (from Ganglion or another simulator) column by column, streaming. Lines may end in
/// LF or CRLF; fields may be quoted. Times are converted to ms and voltages to mV by `TraceLayout`.
public enum CSVTraceReader {
    /// Calls `body(t, V, Ca)` for each row (t in ms, V in mV; times non-decreasing). The time column is `t`
    /// or `time` with a unit (`t_ms`, `t_s`), else the first column; the voltage column is `column` (default:
    /// `V_mV`, else the first voltage column: `V`, `V_V`, `V (mV)`…); calcium is the column `calcium` if
    /// present (by default `Ca_au`, else `Ca` as other tools and older files name it), else NaN. `units`
    /// (`--units`) gives the units when the header does not. Errors name the line and column.
    public static func read(path: String, column: String?, calcium: String? = TraceColumns.calcium, units: TraceUnits? = nil,
                            _ body: (Double, Double, Double) -> Void) throws(IOError) {
        OutputPolicy.protectInput(path)
        guard let fp = fopen(path, "r") else {
            throw IOError(file: path, message: "cannot open (\(String(cString: strerror(errno))))")
        }
        defer { fclose(fp) }
        var linePointer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(linePointer) }
        func nextLine() -> String? {
            let n = getline(&linePointer, &capacity, fp)
            guard n >= 0, let p = linePointer else { return nil }
            var s = String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
            while s.last == "\n" || s.last == "\r" || s.last == "\r\n" { s.removeLast() }
            return s
        }
        guard let header = nextLine(), !header.isEmpty else { throw IOError(file: path, message: "empty file (no header row)") }
        let names = CSVTable.fields(Substring(header)).map { $0.trimmingCharacters(in: .whitespaces) }
        let vIndex: Int
        if let column {
            guard let i = names.firstIndex(of: column) else {
                throw IOError(file: path, message: "no column '\(column)' (columns: \(names.joined(separator: ", ")))")
            }
            vIndex = i
        } else {
            guard let i = names.firstIndex(of: "V_mV") ?? TraceLayout.voltageColumns(names).first else {
                throw IOError(file: path, message: "no voltage column (V_mV, V_V or V); name one with --column (columns: \(names.joined(separator: ", ")))")
            }
            vIndex = i
        }
        let layout = try TraceLayout(names: names, file: path, voltages: [vIndex], units: units)
        let tIndex = layout.time, tScale = layout.timeScale, vScale = layout.voltageScales[vIndex]!
        guard vIndex != tIndex else { throw IOError(file: path, message: "the voltage column '\(names[vIndex])' is the time column") }
        let caIndex = calcium.flatMap { c in
            names.firstIndex(of: c) ?? (c == TraceColumns.calcium ? names.firstIndex(of: TraceColumns.legacyCalcium) : nil)
        }
        var lineNumber = 1
        var lastT = -Double.infinity
        var rows = 0
        var check = VoltageRangeCheck()
        while let line = nextLine() {
            lineNumber += 1
            if line.isEmpty { continue }
            let fields = line.contains("\"") ? CSVTable.fields(Substring(line)).map { Substring($0) } : line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == names.count else {
                throw IOError(file: path, message: "line \(lineNumber): \(fields.count) fields, the header has \(names.count)")
            }
            func value(_ i: Int) throws(IOError) -> Double {
                let text = fields[i].trimmingCharacters(in: .whitespaces)
                guard let x = Double(text), x.isFinite else {
                    throw IOError(file: path, message: "line \(lineNumber), column \(i + 1) ('\(names[i])'): '\(text)' is not a finite number")
                }
                return x
            }
            let t = try value(tIndex) * tScale, V = try value(vIndex) * vScale
            let ca = try caIndex.map { i throws(IOError) in try value(i) } ?? .nan
            // Equal times are allowed: a protocol event is recorded just before and just after.
            guard t >= lastT else {
                throw IOError(file: path, message: "line \(lineNumber), column \(tIndex + 1) ('\(names[tIndex])'): time \(t) ms decreases (previous \(lastT) ms)")
            }
            lastT = t
            rows += 1
            check.observe(V)
            body(t, V, ca)
        }
        guard rows > 0 else { throw IOError(file: path, message: "no data rows") }
        try check.verify(file: path, column: names[vIndex], scale: vScale)
    }
}
