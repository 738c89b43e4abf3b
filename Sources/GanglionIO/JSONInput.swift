import Foundation

/// Parses JSON into a tree of `[String: Any]`, `[Any]`, `String`, `Double`, `Bool` and `NSNull`, reading
/// numbers exactly (through `JSONDecoder`; `JSONSerialization` on Linux loses the last digit of some doubles).
public enum JSONInput {
    enum Value: Decodable {
        case null, bool(Bool), number(Double), string(String), array([Value]), object([String: Value])

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let a = try? c.decode([Value].self) { self = .array(a) }
            else { self = .object(try c.decode([String: Value].self)) }
        }

        var any: Any {
            switch self {
            case .null: NSNull()
            case .bool(let b): b
            case .number(let d): d
            case .string(let s): s
            case .array(let a): a.map(\.any)
            case .object(let o): o.mapValues(\.any)
            }
        }
    }

    /// The value tree, or an error whose description says what is wrong and where.
    public static func parse(_ data: Data) throws -> Any {
        do { return try JSONDecoder().decode(Value.self, from: data).any } catch let DecodingError.dataCorrupted(context) {
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            throw JSONInputError(message: detail ?? context.debugDescription)
        }
    }
}

/// Text that is not valid JSON.
public struct JSONInputError: Error, CustomStringConvertible {
    /// What is wrong, and where (the decoder's message).
    public var message: String
    /// The message.
    public var description: String { message }
}
