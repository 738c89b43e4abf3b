import Foundation

/// Serialises a JSON value tree (dictionaries, arrays, strings, numbers, booleans, `NSNull`, optionals)
/// with sorted keys. Doubles are written in the shortest form that reads back to the same value (so
/// population and model files round-trip exactly); non-finite numbers and `nil` become `null`.
public enum JSONOutput {
    /// The JSON text of `value`; `pretty`: indented by two spaces, one entry per line.
    public static func string(_ value: Any, pretty: Bool = false) -> String {
        var out = ""
        write(value, into: &out, indent: pretty ? 0 : nil)
        return out
    }

    static func write(_ value: Any, into out: inout String, indent: Int?) {
        let newline = indent.map { "\n" + String(repeating: "  ", count: $0 + 1) } ?? ""
        let closing = indent.map { "\n" + String(repeating: "  ", count: $0) } ?? ""
        let inner = indent.map { $0 + 1 }
        switch unwrap(value) {
        case nil, is NSNull: out += "null"
        case let b as Bool: out += b ? "true" : "false"
        case let i as Int: out += String(i)
        case let u as UInt64: out += String(u)
        case let d as Double: out += d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)) : "null"
        case let s as String: quote(s, into: &out)
        case let dict as [String: Any]:
            if dict.isEmpty { out += "{}"; return }
            out += "{"
            for (k, key) in dict.keys.sorted().enumerated() {
                if k > 0 { out += "," }
                out += newline
                quote(key, into: &out)
                out += indent == nil ? ":" : ": "
                write(dict[key]!, into: &out, indent: inner)
            }
            out += closing + "}"
        case let array as [Any]:
            if array.isEmpty { out += "[]"; return }
            // Arrays of numbers stay on one line.
            let flat = array.allSatisfy { unwrap($0) is Double || unwrap($0) is Int }
            out += "["
            for (k, v) in array.enumerated() {
                if k > 0 { out += flat && indent != nil ? ", " : "," }
                if !flat { out += newline }
                write(v, into: &out, indent: inner)
            }
            out += (flat ? "" : closing) + "]"
        case let n as NSNumber: out += n.stringValue
        case let other?: quote("\(other)", into: &out)
        }
    }

    /// Strips `Optional` wrappers (values stored as `Any` may be optionals).
    static func unwrap(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        guard let child = mirror.children.first else { return nil }
        return unwrap(child.value)
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
