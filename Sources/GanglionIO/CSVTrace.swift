import Foundation
import GanglionCore

/// Streams samples of a run to a CSV file: a header with units (`t_ms,V_mV,Ca`, then recorded
/// columns) and one row per sample. The file appears under its name only when `commit()` is called.
///
/// Rows are formatted and written on a background queue, in blocks of 4096, so that a run's integration
/// and the writing of its trace use two cores: the caller only copies the numbers. At most two blocks are
/// in flight, and the three blocks are reused (memory does not grow with the run, and no block is
/// mapped afresh). A write error is reported by the next call after it;
/// `synchronize()`, `commit()` and `keepPartial()` first wait for every row given so far.
public final class CSVTraceWriter: @unchecked Sendable {
    // Thread use: `fill` (the block being filled) belongs to the caller; the sink's file and text buffer
    // to `queue` (or to the caller once the queue is drained). The queue's blocks hold the sink, not the
    // writer, so the writer's deinit always runs on its owner's thread.
    /// The column names, `t_ms` first.
    public let columns: [String]
    private let sink: Sink
    private let queue = DispatchQueue(label: "ganglion.csv-trace")
    private let inFlight = DispatchSemaphore(value: 2)
    /// The block being filled: per row, its value count, the time, the values (behind a pointer, so that
    /// the per-row path has no exclusivity checks).
    private struct Block: @unchecked Sendable { var values: UnsafeMutablePointer<Double>; var used: Int; var rows: Int }
    private let fill: UnsafeMutablePointer<Block>
    private static let blockRows = 4096
    private let blockCapacity: Int

    /// Starts the file; it is written as `<path>.partial` until `commit()`. An existing `<path>.partial`
    /// (an interrupted run's) is refused unless `replacingPartial` (default: `--force` was given).
    public convenience init(path: String, columns: [String], replacingPartial: Bool = OutputPolicy.replacesForeignFiles) throws {
        try OutputPolicy.check(path)
        try self.init(file: try AtomicFileWriter(path: path, partial: true, replacingPartial: replacingPartial), columns: columns)
        try sink.file.write(columns.joined(separator: ",") + "\n")
    }

    /// Goes on writing `<path>.partial` after its first `size` bytes (from `synchronize()` at a checkpoint).
    public convenience init(resuming path: String, columns: [String], size: Int) throws {
        try self.init(file: try AtomicFileWriter(resuming: path, size: size), columns: columns)
    }

    private init(file: AtomicFileWriter, columns: [String]) throws {
        self.columns = columns
        blockCapacity = (columns.count + 1) * Self.blockRows
        sink = Sink(file: file, capacity: 32 * (columns.count + 1) * Self.blockRows, blocks: 3, blockCapacity: blockCapacity)
        fill = .allocate(capacity: 1)
        fill.initialize(to: Block(values: sink.takeBlock(), used: 0, rows: 0))
    }

    deinit {
        queue.sync {}
        sink.returnBlock(fill.pointee.values)
        fill.deallocate()
    }

    /// Writes one row: the time (ms) and the values, in column order after `t_ms`. Numbers are written
    /// with 10 significant digits (`DecimalFormatter`); 0.1·3 reads "0.3".
    /// A non-finite time or value is never written: it throws `IOError` naming the time and the column.
    public func write(time: Double, values: UnsafeBufferPointer<Double>) throws {
        precondition(values.count < columns.count)
        if !time.isFinite || !(values.baseAddress.map { allFinite($0, count: values.count) } ?? true) {
            let i = values.firstIndex { !$0.isFinite }
            let what = i.map { "\(columns[$0 + 1]) = \(values[$0])" } ?? "the time \(columns[0]) = \(time)"
            throw IOError(file: path, message: "at t = \(time) ms, \(what): a non-finite value is not written; the run stops here")
        }
        let b = fill.pointee.values + fill.pointee.used
        b[0] = Double(values.count)
        b[1] = time
        if let v = values.baseAddress { (b + 2).update(from: v, count: values.count) }
        fill.pointee.used += 2 + values.count
        fill.pointee.rows += 1
        if fill.pointee.rows == Self.blockRows { try handOver() }
    }

    /// Gives the filled block to the queue (waiting while two blocks are in flight).
    private func handOver() throws {
        if let failure = sink.failure { throw failure }
        let full = fill.pointee
        guard full.rows > 0 else { return }
        inFlight.wait()
        // Three blocks: the one handed over, at most one other in flight, so one is free.
        fill.pointee = Block(values: sink.takeBlock(), used: 0, rows: 0)
        let sink = self.sink, inFlight = self.inFlight
        queue.async {
            defer { sink.returnBlock(full.values); inFlight.signal() }
            sink.write(UnsafeBufferPointer(start: full.values, count: full.used))
        }
    }

    /// Hands over the pending rows and waits until every row is written; throws the first write error.
    private func drain() throws {
        try handOver()
        queue.sync {}
        if let failure = sink.failure { throw failure }
    }

    /// Writes every row given so far, flushes to the disk and returns the size written so far (bytes).
    public func synchronize() throws -> Int {
        try drain()
        return try sink.file.synchronize()
    }

    /// The trace's final path (the file is `<path>.partial` until committed).
    public var path: String { sink.file.path }
    /// Writes every row given so far and completes the file.
    public func commit() throws {
        try drain()
        try sink.file.commit()
    }
    /// Keeps what was written as `<path>.partial` (every row given so far, if they could be written) and
    /// returns that path.
    @discardableResult
    public func keepPartial() throws -> String {
        try? drain()
        return sink.file.abandon() ?? sink.file.temporaryPath
    }

    /// The file, a text buffer and the first write error: what the queue works on.
    private final class Sink: @unchecked Sendable {
        let file: AtomicFileWriter
        let text: UnsafeMutablePointer<UInt8>
        let capacity: Int
        private let lock = NSLock()
        private var error: (any Error)?
        /// Blocks of row values not in use.
        private var free: [UnsafeMutablePointer<Double>]

        init(file: AtomicFileWriter, capacity: Int, blocks: Int, blockCapacity: Int) {
            self.file = file
            self.capacity = capacity
            text = .allocate(capacity: capacity)
            free = (0..<blocks).map { _ in .allocate(capacity: blockCapacity) }
        }
        deinit {
            text.deallocate()
            for b in free { b.deallocate() }
        }

        /// A free block (the writer keeps at most two in flight, so there is always one).
        func takeBlock() -> UnsafeMutablePointer<Double> { lock.withLock { free.removeLast() } }
        /// Gives a written block back.
        func returnBlock(_ b: UnsafeMutablePointer<Double>) { lock.withLock { free.append(b) } }

        var failure: (any Error)? { lock.withLock { error } }

        /// Formats rows (per row: value count, time, values) and writes them; keeps the first error.
        func write(_ b: UnsafeBufferPointer<Double>) {
            guard failure == nil else { return }
            do {
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
            } catch {
                lock.withLock { self.error = error }
            }
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
