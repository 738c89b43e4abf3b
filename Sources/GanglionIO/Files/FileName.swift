/// Names that become file or folder names (an experiment's or network's `name`, `outputs.trace`) and labels
/// that become column names (cell names): checked before they are used, so that a name can never reach
/// outside the run's folder or break a file's structure.
public enum FileName {
    /// Why `name` cannot be one file name inside a folder, or nil if it can: it must be non-empty, at most
    /// 255 bytes, not `.` or `..`, and hold no `/`, `\` or control character.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name == "." || name == ".." { return "'\(name)' is not a file name (it names a folder)" }
        if name.utf8.count > 255 { return "is longer than 255 bytes" }
        if name.contains("/") || name.contains("\\") { return "must be a plain name, without '/' or '\\' (outputs stay inside the run's folder)" }
        if let c = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            return "holds the control character U+\(String(c.value, radix: 16, uppercase: true).leftPadded(to: 4))"
        }
        return nil
    }

    /// Why `label` cannot name a cell or a column, or nil if it can: non-empty, no control character,
    /// no comma or double quote (it becomes part of CSV column names).
    public static func labelProblem(_ label: String) -> String? {
        if label.isEmpty { return "must not be empty" }
        if let c = label.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            return "holds the control character U+\(String(c.value, radix: 16, uppercase: true).leftPadded(to: 4))"
        }
        if label.contains(",") || label.contains("\"") { return "must not hold ',' or '\"' (it names CSV columns)" }
        return nil
    }
}

extension String {
    func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}

/// The folder and the last component of a path, by plain string operations. (Foundation's
/// `NSString.deletingLastPathComponent` traps on Linux for a one-character path such as `k`.)
public enum PathParts {
    /// The folder holding `path` (`.` for a bare name, `/` for a file at the root).
    public static func folder(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        if slash == p.startIndex { return "/" }
        var f = p[..<slash]
        while f.count > 1, f.hasSuffix("/") { f = f.dropLast() }
        return String(f)
    }

    /// The last component of `path` (trailing slashes ignored).
    public static func name(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return String(p) }
        return String(p[p.index(after: slash)...])
    }
}
