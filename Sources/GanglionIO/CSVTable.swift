import Foundation

/// Reads numeric CSV tables (a header row of column names, then rows of numbers) fast and streaming:
/// Ganglion's traces and other simulators' exports.
public enum CSVTable {
    /// The header's column names.
    public static func header(_ path: String) throws(IOError) -> [String] {
        OutputPolicy.protectInput(path)
        guard let fp = fopen(path, "r") else { throw IOError(file: path, message: "cannot open (\(String(cString: strerror(errno))))") }
        defer { fclose(fp) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        let n = getline(&line, &capacity, fp)
        guard n > 0, let p = line else { throw IOError(file: path, message: "empty file (no header row)") }
        let text = String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw IOError(file: path, message: "empty header row") }
        return fields(Substring(text)).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Streams the data rows as numbers (strtod on the raw line: millions of rows per second); columns not
    /// `needed` are skipped (left NaN). Lines end in LF or CRLF; a cell that is not a finite number, and a
    /// row with another number of fields than the header, are errors naming the line and column.
    public static func rows(_ path: String, count: Int, needed: [Bool]? = nil, limit: Int = .max,
                     _ body: (UnsafeBufferPointer<Double>) -> Void) throws(IOError) {
        OutputPolicy.protectInput(path)
        guard let fp = fopen(path, "r") else { throw IOError(file: path, message: "cannot open (\(String(cString: strerror(errno))))") }
        defer { fclose(fp) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        _ = getline(&line, &capacity, fp)
        let values = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(count, 1))
        defer { values.deallocate() }
        var number = 1
        var delivered = 0
        for k in 0..<count { values[k] = .nan }
        while delivered < limit, getline(&line, &capacity, fp) > 0, var p = line {
            number += 1
            if p.pointee == 10 || p.pointee == 13 { continue }
            for k in 0..<count {
                if let needed, !needed[k] {
                    while p.pointee != 44 && p.pointee != 10 && p.pointee != 13 && p.pointee != 0 { p += 1 }
                } else {
                    var end: UnsafeMutablePointer<CChar>?
                    values[k] = strtod(p, &end)
                    guard let e = end, e != p, values[k].isFinite else {
                        var cell = p
                        while cell.pointee != 44 && cell.pointee != 10 && cell.pointee != 13 && cell.pointee != 0 { cell += 1 }
                        let text = String(decoding: UnsafeRawBufferPointer(start: p, count: cell - p), as: UTF8.self)
                        throw IOError(file: path, message: "line \(number), column \(k + 1): '\(text)' is not a finite number")
                    }
                    p = e
                }
                if k < count - 1 {
                    guard p.pointee == 44 else { throw IOError(file: path, message: "line \(number): \(k + 1) fields, the header has \(count)") }
                    p += 1
                } else {
                    while p.pointee == 32 || p.pointee == 9 { p += 1 }
                    guard p.pointee == 10 || p.pointee == 13 || p.pointee == 0 else {
                        throw IOError(file: path, message: "line \(number), column \(k + 1): text after the number, or more fields than the header's \(count)")
                    }
                }
            }
            body(UnsafeBufferPointer(values))
            delivered += 1
        }
    }

    /// The fields of one CSV line, with RFC 4180 quoting (`"a,b"`, `"say ""hi"""`).
    public static func fields(_ line: Substring) -> [String] {
        var out: [String] = [], field = "", quoted = false, i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if quoted {
                if c == "\"" {
                    let next = line.index(after: i)
                    if next < line.endIndex, line[next] == "\"" { field.append("\""); i = next } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { out.append(field); field = "" } else if c != "\r" { field.append(c) }
            i = line.index(after: i)
        }
        out.append(field)
        return out
    }

    /// `text` as one CSV field: quoted when it holds a comma, a quote or a line break.
    public static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
