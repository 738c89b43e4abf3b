/// A description of a value that is the same in every process: like `String(describing:)`, but with the
/// entries of dictionaries and sets in sorted order (their iteration order changes from process to process).
/// Used for checkpoint fingerprints.
enum StableDescription {
    static func of(_ value: Any) -> String {
        let m = Mirror(reflecting: value)
        switch m.displayStyle {
        case .dictionary:
            let entries = m.children.map { entry -> String in
                let pair = Mirror(reflecting: entry.value).children.map { of($0.value) }
                return pair.joined(separator: ": ")
            }
            return "[" + entries.sorted().joined(separator: ", ") + "]"
        case .set:
            return "{" + m.children.map { of($0.value) }.sorted().joined(separator: ", ") + "}"
        case .collection, .tuple:
            return "(" + m.children.map { of($0.value) }.joined(separator: ", ") + ")"
        case .optional:
            guard let some = m.children.first else { return "nil" }
            return of(some.value)
        case .struct, .class, .enum:
            if m.children.isEmpty { return String(describing: value) }
            let fields = m.children.map { ($0.label ?? "") + "=" + of($0.value) }
            return "\(m.subjectType)(" + fields.joined(separator: ", ") + ")"
        default:
            return String(describing: value)
        }
    }
}
