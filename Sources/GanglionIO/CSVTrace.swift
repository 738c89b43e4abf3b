import Foundation
import GanglionCore

/// Streams samples of a run to a CSV file: a header with units (`t_ms,V_mV,Ca`, then recorded
/// columns) and one row per sample. Nothing is kept in memory; the file appears under its name only
/// when `commit()` is called.
public final class CSVTraceWriter {
    /// The column names, `t_ms` first.
    public let columns: [String]
    private let file: AtomicFileWriter
    private let line: UnsafeMutablePointer<UInt8>
    private let lineCapacity: Int

    /// Starts the file; it is written as `<path>.partial` until `commit()`.
    public init(path: String, columns: [String]) throws {
        self.columns = columns
        file = try AtomicFileWriter(path: path, temporaryPath: path + ".partial")
        try file.write(columns.joined(separator: ",") + "\n")
        lineCapacity = 32 * (columns.count + 1)
        line = .allocate(capacity: lineCapacity)
    }

    /// Goes on writing `<path>.partial` after its first `size` bytes (from `synchronize()` at a checkpoint).
    public init(resuming path: String, columns: [String], size: Int) throws {
        self.columns = columns
        file = try AtomicFileWriter(resuming: path, temporaryPath: path + ".partial", size: size)
        lineCapacity = 32 * (columns.count + 1)
        line = .allocate(capacity: lineCapacity)
    }

    /// Flushes to the disk; returns the size written so far (bytes).
    public func synchronize() throws -> Int { try file.synchronize() }

    deinit { line.deallocate() }

    /// Writes one row: the time (ms) and the values, in column order after `t_ms`. Numbers are written
    /// with 10 significant digits (`DecimalFormatter`); 0.1·3 reads "0.3".
    public func write(time: Double, values: UnsafeBufferPointer<Double>) throws {
        precondition(values.count < columns.count)
        var n = 0
        @inline(__always) func put(_ x: Double) { n += DecimalFormatter.write(x, into: line + n) }
        put(time)
        for v in values {
            line[n] = UInt8(ascii: ","); n += 1
            put(v)
        }
        line[n] = UInt8(ascii: "\n"); n += 1
        try file.write(bytes: UnsafeBufferPointer(start: line, count: n))
    }

    /// The trace's final path (the file is `<path>.partial` until committed).
    public var path: String { file.path }
    /// Completes the file.
    public func commit() throws { try file.commit() }
    /// Keeps what was written as `<path>.partial` and returns that path.
    @discardableResult
    public func keepPartial() throws -> String {
        let kept = file.path + ".partial"
        try file.abandon(keepingAs: kept)
        return kept
    }
}

/// Reads a trace CSV (from Ganglion or another simulator) column by column, streaming.
public enum CSVTraceReader {
    /// Calls `body(t, V, Ca)` for each row (times non-decreasing). The time column is `t_ms` (or the first column); the voltage
    /// column is `column` (default `V_mV`, else `V`); calcium is the column `calcium` if present, else NaN.
    public static func read(path: String, column: String?, calcium: String? = "Ca",
                            _ body: (Double, Double, Double) -> Void) throws(IOError) {
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
            var s = String(cString: p)
            while s.last == "\n" || s.last == "\r" { s.removeLast() }
            return s
        }
        guard let header = nextLine(), !header.isEmpty else { throw IOError(file: path, message: "empty file (no header row)") }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        let tIndex = names.firstIndex(of: "t_ms") ?? 0
        let vIndex: Int
        if let column {
            guard let i = names.firstIndex(of: column) else {
                throw IOError(file: path, message: "no column '\(column)' (columns: \(names.joined(separator: ", ")))")
            }
            vIndex = i
        } else {
            guard let i = names.firstIndex(of: "V_mV") ?? names.firstIndex(of: "V") else {
                throw IOError(file: path, message: "no voltage column 'V_mV' or 'V'; name one with --column (columns: \(names.joined(separator: ", ")))")
            }
            vIndex = i
        }
        guard vIndex != tIndex else { throw IOError(file: path, message: "the voltage column is the time column") }
        let caIndex = calcium.flatMap { names.firstIndex(of: $0) }
        var lineNumber = 1
        var lastT = -Double.infinity
        var rows = 0
        while let line = nextLine() {
            lineNumber += 1
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == names.count else {
                throw IOError(file: path, message: "line \(lineNumber): \(fields.count) fields, the header has \(names.count)")
            }
            func value(_ i: Int) throws(IOError) -> Double {
                let text = fields[i].trimmingCharacters(in: .whitespaces)
                guard let x = Double(text), x.isFinite else {
                    throw IOError(file: path, message: "line \(lineNumber), column '\(names[i])': '\(text)' is not a finite number")
                }
                return x
            }
            let t = try value(tIndex), V = try value(vIndex)
            let ca = try caIndex.map { i throws(IOError) in try value(i) } ?? .nan
            // Equal times are allowed: a protocol event is recorded just before and just after.
            guard t >= lastT else {
                throw IOError(file: path, message: "line \(lineNumber): time \(t) ms decreases (previous \(lastT) ms)")
            }
            lastT = t
            rows += 1
            body(t, V, ca)
        }
        guard rows > 0 else { throw IOError(file: path, message: "no data rows") }
    }
}
