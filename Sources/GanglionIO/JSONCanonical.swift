import Foundation

extension JSONInput {
    /// `object` as it reads back from its JSON file: written by `JSONOutput` and parsed again (numbers become
    /// `Double`, optionals their values or `NSNull`). Doubles round-trip exactly, so the numbers are the same;
    /// what is computed from the result equals what is computed from the file.
    public static func canonical(_ object: [String: Any]) -> [String: Any] {
        (try? parse(Data(JSONOutput.string(object).utf8))) as? [String: Any] ?? object
    }
}
