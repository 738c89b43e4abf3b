import Foundation

/// Serialises a JSON value tree (dictionaries, arrays, strings, numbers, `NSNull`) with sorted keys.
/// Non-finite numbers become `null`.
public enum JSONOutput {
    public static func string(_ value: Any, pretty: Bool = false) -> String {
        let cleaned = sanitize(value)
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { options.insert(.prettyPrinted) }
        let data = (try? JSONSerialization.data(withJSONObject: cleaned, options: options)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func sanitize(_ value: Any) -> Any {
        switch value {
        case let d as Double: return d.isFinite ? d : NSNull()
        case let o as Double?: return o.map { $0.isFinite ? $0 as Any : NSNull() } ?? NSNull()
        case let i as Int?: return i.map { $0 as Any } ?? NSNull()
        case let dict as [String: Any]: return dict.mapValues(sanitize)
        case let array as [Any]: return array.map(sanitize)
        default: return value
        }
    }
}
