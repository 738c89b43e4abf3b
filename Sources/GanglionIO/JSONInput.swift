import Foundation

/// A place in a text file: line and column, both counted from 1 (columns in Unicode characters).
public struct JSONLocation: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    /// `LINE:COLUMN`.
    public var description: String { "\(line):\(column)" }
}

/// A parsed JSON document: the value tree and where each value starts.
public struct JSONDocument {
    /// The tree of `[String: Any]`, `[Any]`, `String`, `Double`, `Bool` and `NSNull`.
    public var value: Any
    /// Every value: where it starts, its parent (node 0 is the root) and its key or index there.
    struct Node {
        var location: JSONLocation
        var parent: Int
        var key: String?
        var index: Int
    }
    var nodes: [Node]
    /// A value by its parent and its key (`index` -1) or index.
    struct Step: Hashable {
        var parent: Int
        var key: String?
        var index: Int
    }
    var children: [Step: Int]

    /// The location of the value at `field` (`protocol[2].t`, `cells[0].conductances.Na`; the root is `""`),
    /// or `nil` if there is none.
    public func exactLocation(of field: String) -> JSONLocation? {
        var node = 0
        for step in Self.steps(field) {
            guard let next = children[Step(parent: node, key: step.key, index: step.index)] else { return nil }
            node = next
        }
        return nodes.isEmpty ? nil : nodes[node].location
    }

    /// The location of `field`, else of the nearest enclosing value that exists (a missing field is
    /// reported at its object).
    public func location(of field: String) -> JSONLocation? {
        guard !nodes.isEmpty else { return nil }
        var node = 0
        for step in Self.steps(field) {
            guard let next = children[Step(parent: node, key: step.key, index: step.index)] else { break }
            node = next
        }
        return nodes[node].location
    }

    /// The field path of node `node` in `nodes`: `a.b[2].c`.
    static func path(_ node: Int, in nodes: [Node]) -> String {
        var steps: [Node] = []
        var k = node
        while k > 0 { steps.append(nodes[k]); k = nodes[k].parent }
        var out = ""
        for n in steps.reversed() {
            if let key = n.key { out += out.isEmpty ? key : "." + key } else { out += "[\(n.index)]" }
        }
        return out
    }

    /// The steps of a field path: `cells[3].conductances.Na` → cells, [3], conductances, Na.
    static func steps(_ field: String) -> [(key: String?, index: Int)] {
        var out: [(key: String?, index: Int)] = []
        var current = ""
        var i = field.startIndex
        while i < field.endIndex {
            let c = field[i]
            if c == "." {
                if !current.isEmpty { out.append((current, -1)); current = "" }
            } else if c == "[", let close = field[i...].firstIndex(of: "]"), let n = Int(field[field.index(after: i)..<close]) {
                if !current.isEmpty { out.append((current, -1)); current = "" }
                out.append((nil, n))
                i = close
            } else {
                current.append(c)
            }
            i = field.index(after: i)
        }
        if !current.isEmpty { out.append((current, -1)) }
        return out
    }
}

/// Reads JSON (RFC 8259) strictly, in time linear in its size:
/// - the bytes must be UTF-8 (a byte-order mark is refused too);
/// - an object's keys must be distinct (a repeated key is an error naming both places);
/// - arrays and objects nest at most `maximumDepth` (512) deep;
/// - numbers are read as correctly rounded doubles; a number too large for a double (`1e400`) is an error.
///
/// Errors name the line and column (from 1) and what was found there.
public enum JSONInput {
    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 512

    /// The value tree: `[String: Any]`, `[Any]`, `String`, `Double`, `Bool` and `NSNull`.
    public static func parse(_ data: Data) throws(JSONInputError) -> Any { try document(data).value }

    /// The value tree and the location of every value.
    public static func document(_ data: Data) throws(JSONInputError) -> JSONDocument {
        let bytes = [UInt8](data)
        var reader = Reader(bytes: bytes)
        try reader.validateUTF8()
        reader.skipSpace()
        let value = try reader.value(parent: -1, key: nil, index: -1, depth: 0)
        reader.skipSpace()
        if reader.i < bytes.count { throw reader.error("unexpected \(reader.found) after the top-level value") }
        return JSONDocument(value: value, nodes: reader.nodes, children: reader.children)
    }

    struct Reader {
        let bytes: [UInt8]
        var i = 0
        var nodes: [JSONDocument.Node] = []
        var children: [JSONDocument.Step: Int] = [:]
        // Line bookkeeping: the current line's number and start, and a column cursor on it, so that
        // positions (only ever asked for in increasing order, and for errors) cost linear time in all.
        var line = 1, lineStart = 0
        var cursor = 0, cursorColumn = 1

        init(bytes: [UInt8]) { self.bytes = bytes }

        /// The location of byte `offset` (on the current line).
        mutating func location(_ offset: Int) -> JSONLocation {
            if cursor < lineStart || cursor > offset { cursor = lineStart; cursorColumn = 1 }
            while cursor < offset {
                if bytes[cursor] & 0xC0 != 0x80 { cursorColumn += 1 }
                cursor += 1
            }
            // A character's continuation bytes were counted with its lead byte.
            return JSONLocation(line: line, column: cursorColumn - (offset < bytes.count && bytes[offset] & 0xC0 == 0x80 ? 1 : 0))
        }

        mutating func error(_ message: String, at offset: Int? = nil) -> JSONInputError {
            JSONInputError(message: message, location: location(min(offset ?? i, bytes.count)), offset: offset ?? i)
        }

        /// What is at the current position, for messages: `'x'`, `the end of the file`.
        var found: String {
            guard i < bytes.count else { return "the end of the file" }
            var end = i + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            let text = String(decoding: bytes[i..<end], as: UTF8.self)
            switch bytes[i] {
            case 0x0A: return "a line break"
            case 0x0D: return "a carriage return"
            case 0x09: return "a tab"
            case ..<0x20: return "control character U+\(String(format: "%04X", bytes[i]))"
            default: return "'\(text)'"
            }
        }

        /// Refuses bytes that are not UTF-8, naming the first one's offset (from 0).
        func validateUTF8() throws(JSONInputError) {
            var k = 0
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                throw JSONInputError(message: "starts with a UTF-8 byte-order mark (not allowed in JSON; save without BOM)",
                                     location: JSONLocation(line: 1, column: 1), offset: 0)
            }
            var line = 1, lineStart = 0
            while k < bytes.count {
                let b = bytes[k]
                if b < 0x80 {
                    if b == 0x0A { line += 1; lineStart = k + 1 }
                    k += 1
                    continue
                }
                var need = 0, low: UInt8 = 0x80, high: UInt8 = 0xBF
                switch b {
                case 0xC2...0xDF: need = 1
                case 0xE0: need = 2; low = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: need = 2
                case 0xED: need = 2; high = 0x9F
                case 0xF0: need = 3; low = 0x90
                case 0xF1...0xF3: need = 3
                case 0xF4: need = 3; high = 0x8F
                default: need = -1
                }
                var ok = need > 0
                if ok {
                    for j in 1...need {
                        guard k + j < bytes.count else { ok = false; break }
                        let c = bytes[k + j]
                        if j == 1 ? !(low...high).contains(c) : !(0x80...0xBF).contains(c) { ok = false; break }
                    }
                }
                guard ok else {
                    let column = bytes[lineStart..<k].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
                    throw JSONInputError(message: "byte 0x\(String(format: "%02X", b)) at offset \(k) is not valid UTF-8 (save the file as UTF-8)",
                                         location: JSONLocation(line: line, column: column), offset: k)
                }
                k += need + 1
            }
        }

        /// The field path of node `id` (and of its member `key`), for messages.
        func fieldPath(_ id: Int, _ key: String?) -> String {
            let base = JSONDocument.path(id, in: nodes)
            guard let key else { return base }
            return base.isEmpty ? key : base + "." + key
        }

        mutating func skipSpace() {
            while i < bytes.count {
                switch bytes[i] {
                case 0x20, 0x09, 0x0D: i += 1
                case 0x0A: i += 1; line += 1; lineStart = i
                default: return
                }
            }
        }

        mutating func expect(_ word: String, _ result: Any) throws(JSONInputError) -> Any {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else {
                throw error("expected a value, found \(found)")
            }
            i += w.count
            return result
        }

        /// The value at `i`, the child `key` (or `index`) of node `parent`; records its node.
        mutating func value(parent: Int, key: String?, index: Int, depth: Int) throws(JSONInputError) -> Any {
            guard i < bytes.count else { throw error("expected a value, found the end of the file") }
            let id = nodes.count
            nodes.append(JSONDocument.Node(location: location(i), parent: parent, key: key, index: index))
            if parent >= 0 { children[JSONDocument.Step(parent: parent, key: key, index: index)] = id }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                guard depth < JSONInput.maximumDepth else { throw error("nested deeper than \(JSONInput.maximumDepth) arrays and objects") }
                return try object(id: id, depth: depth + 1)
            case UInt8(ascii: "["):
                guard depth < JSONInput.maximumDepth else { throw error("nested deeper than \(JSONInput.maximumDepth) arrays and objects") }
                return try array(id: id, depth: depth + 1)
            case UInt8(ascii: "\""): return try string()
            case UInt8(ascii: "t"): return try expect("true", true)
            case UInt8(ascii: "f"): return try expect("false", false)
            case UInt8(ascii: "n"): return try expect("null", NSNull())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number(id: id)
            default: throw error("expected a value, found \(found)")
            }
        }

        mutating func object(id: Int, depth: Int) throws(JSONInputError) -> [String: Any] {
            i += 1
            var out: [String: Any] = [:]
            var seen: [String: JSONLocation] = [:]
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return out }
            while true {
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a key in quotes, found \(found)") }
                let keyAt = location(i)
                let key = try string()
                if let first = seen[key] {
                    throw JSONInputError(message: "duplicate key '\(key)' (first at \(first))", location: keyAt, offset: i,
                                         field: fieldPath(id, key))
                }
                seen[key] = keyAt
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':' after the key '\(key)', found \(found)") }
                i += 1
                skipSpace()
                out[key] = try value(parent: id, key: key, index: -1, depth: depth)
                skipSpace()
                guard i < bytes.count else { throw error("expected ',' or '}', found the end of the file") }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return out }
                guard bytes[i] == UInt8(ascii: ",") else { throw error("expected ',' or '}', found \(found)") }
                i += 1
                skipSpace()
            }
        }

        mutating func array(id: Int, depth: Int) throws(JSONInputError) -> [Any] {
            i += 1
            var out: [Any] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return out }
            while true {
                out.append(try value(parent: id, key: nil, index: out.count, depth: depth))
                skipSpace()
                guard i < bytes.count else { throw error("expected ',' or ']', found the end of the file") }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return out }
                guard bytes[i] == UInt8(ascii: ",") else { throw error("expected ',' or ']', found \(found)") }
                i += 1
                skipSpace()
            }
        }

        /// A string starting at the quote at `i` (the bytes are valid UTF-8 already).
        mutating func string() throws(JSONInputError) -> String {
            let start = i
            i += 1
            var out = [UInt8]()
            while true {
                guard i < bytes.count else { throw error("unterminated string (started at \(location(start)))") }
                let b = bytes[i]
                switch b {
                case UInt8(ascii: "\""):
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard i + 1 < bytes.count else { throw error("unterminated string (started at \(location(start)))") }
                    let e = bytes[i + 1]
                    let simple: [UInt8: UInt8] = [0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09]
                    if let c = simple[e] {
                        out.append(c)
                        i += 2
                    } else if e == UInt8(ascii: "u") {
                        var scalar = try hex4(at: i + 2)
                        var width = 6
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard i + 12 <= bytes.count, bytes[i + 6] == UInt8(ascii: "\\"), bytes[i + 7] == UInt8(ascii: "u"),
                                  case let low = try hex4(at: i + 8), (0xDC00...0xDFFF).contains(low) else {
                                throw error("unpaired surrogate \\u\(String(format: "%04X", scalar)) in a string")
                            }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            width = 12
                        } else if (0xDC00...0xDFFF).contains(scalar) {
                            throw error("unpaired surrogate \\u\(String(format: "%04X", scalar)) in a string")
                        }
                        out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
                        i += width
                    } else {
                        i += 1
                        throw error("invalid escape '\\\(found.dropFirst().dropLast())' in a string")
                    }
                case ..<0x20:
                    throw error("\(found) inside a string (write it as an escape such as \\n)")
                default:
                    out.append(b)
                    i += 1
                }
            }
        }

        mutating func hex4(at k: Int) throws(JSONInputError) -> UInt32 {
            guard k + 4 <= bytes.count else { throw error("\\u needs four hex digits", at: k) }
            var v: UInt32 = 0
            for j in k..<k + 4 {
                let b = bytes[j]
                let d: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
                default: throw error("\\u needs four hex digits", at: j)
                }
                v = v * 16 + UInt32(d)
            }
            return v
        }

        /// A number in JSON's grammar, read as the nearest double (correctly rounded by `strtod`).
        mutating func number(id: Int) throws(JSONInputError) -> Double {
            let start = i
            func digits() -> Int {
                let s = i
                while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
                return i - s
            }
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) else {
                throw error("expected a digit in a number, found \(found)")
            }
            if bytes[i] == UInt8(ascii: "0") {
                i += 1
                if i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) {
                    throw error("a number may not have a leading zero", at: start)
                }
            } else { _ = digits() }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard digits() > 0 else { throw error("expected a digit after the decimal point, found \(found)") }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { throw error("expected a digit in the exponent, found \(found)") }
            }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            guard let x = Double(text), x.isFinite else {
                var e = error("the number \(text) is too large for a double (magnitude above 1.8e308)", at: start)
                e.field = fieldPath(id, nil)
                throw e
            }
            return x
        }
    }
}

/// Text that is not valid JSON: what is wrong, and where.
public struct JSONInputError: Error, CustomStringConvertible {
    /// What is wrong (what was expected and what was found).
    public var message: String
    /// Line and column (from 1) of the fault.
    public var location: JSONLocation
    /// Byte offset (from 0) of the fault.
    public var offset: Int
    /// The field path of the value at fault (`conductances.Na`) when the text is valid JSON syntax that
    /// Ganglion refuses (a duplicate key, a number beyond a double's range); `nil` for a syntax error.
    public var field: String?
    public init(message: String, location: JSONLocation, offset: Int, field: String? = nil) {
        self.message = message
        self.location = location
        self.offset = offset
        self.field = field
    }
    /// `LINE:COLUMN: [field 'F': ]message`.
    public var description: String { "\(location): " + (field.map { "field '\($0)': " } ?? "") + message }
}

extension JSONInput {
    /// Decodes a `Decodable` value (a checkpoint) from `data`, after the strict reader has checked the text:
    /// a syntax error, a duplicate key or an out-of-range number is reported with its line and column, and a
    /// missing or mistyped field by its path.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(JSONInputError) -> T {
        let checked = try document(data)
        func fail(_ path: [any CodingKey], _ message: String) -> JSONInputError {
            var field = path.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            if field.hasPrefix(".") { field.removeFirst() }
            return JSONInputError(message: message, location: checked.location(of: field) ?? JSONLocation(line: 1, column: 1), offset: 0,
                                  field: field)
        }
        do { return try JSONDecoder().decode(type, from: data) } catch let DecodingError.keyNotFound(key, context) {
            throw fail(context.codingPath + [key], "missing")
        } catch let DecodingError.typeMismatch(expected, context) {
            throw fail(context.codingPath, "must be of type \(expected)")
        } catch let DecodingError.valueNotFound(expected, context) {
            throw fail(context.codingPath, "must be of type \(expected), got null")
        } catch let DecodingError.dataCorrupted(context) {
            throw fail(context.codingPath, context.debugDescription)
        } catch {
            throw JSONInputError(message: "\(error)", location: JSONLocation(line: 1, column: 1), offset: 0)
        }
    }
}
