import Foundation

/// Typed access to the fields of a parsed JSON object, with errors naming the file and the field.
public struct FieldReader: Sendable {
    /// The file's path (named in every error).
    public let file: String
    /// The field the values read sit under in `file` (`channels[2]` for a channel given inline in a family
    /// file), or nil for the file as a whole.
    public let prefix: String?
    /// A reader of the fields of `file`, under `prefix` if given.
    public init(file: String, prefix: String? = nil) {
        self.file = file
        self.prefix = prefix
    }
    /// `field`'s full path in the file (`nil` or empty: the prefix, or the file as a whole).
    public func path(_ field: String?) -> String? {
        let f = field?.isEmpty == true ? nil : field
        switch (prefix, f) {
        case (nil, let f): return f
        case (let p?, nil): return p
        case (let p?, let f?): return p + "." + f
        }
    }
    /// The error of `field` (`nil`: the file as a whole, or the prefix).
    public func fail(_ field: String?, _ message: String) -> ModelFileError { ModelFileError(file: file, field: path(field), message: message) }
    /// The object at `field` (`nil` if absent); every key must be in `allowed`.
    public func object(_ v: Any?, _ field: String, allowed: Set<String>) throws(ModelFileError) -> [String: Any]? {
        guard let v else { return nil }
        guard let o = v as? [String: Any] else { throw fail(field, "must be an object, got \(describeJSON(v))") }
        for k in o.keys.sorted() where !allowed.contains(k) {
            throw fail("\(field.isEmpty ? "" : field + ".")\(k)", "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        return o
    }
    /// The object at `field` with any keys (`nil` if absent).
    public func object(_ v: Any?, _ field: String) throws(ModelFileError) -> [String: Any]? {
        guard let v else { return nil }
        guard let o = v as? [String: Any] else { throw fail(field, "must be an object, got \(describeJSON(v))") }
        return o
    }
    /// A finite number.
    public func number(_ v: Any?, _ field: String) throws(ModelFileError) -> Double? {
        guard let v else { return nil }
        guard !(v is Bool), let x = v as? Double, x.isFinite else { throw fail(field, "must be a finite number, got \(describeJSON(v))") }
        return x
    }
    /// A number > 0.
    public func positive(_ v: Any?, _ field: String) throws(ModelFileError) -> Double? {
        guard let x = try number(v, field) else { return nil }
        guard x > 0 else { throw fail(field, "must be > 0, got \(x)") }
        return x
    }
    /// A string.
    public func string(_ v: Any?, _ field: String) throws(ModelFileError) -> String? {
        guard let v else { return nil }
        guard let s = v as? String else { throw fail(field, "must be a string, got \(describeJSON(v))") }
        return s
    }
    /// A list of strings (names).
    public func strings(_ v: Any?, _ field: String) throws(ModelFileError) -> [String]? {
        guard let v else { return nil }
        guard let list = v as? [String] else { throw fail(field, "must be a list of names, got \(describeJSON(v))") }
        return list
    }
    /// A window [START, END] (ms) with 0 ≤ START < END.
    public func window(_ v: Any?, _ field: String) throws(ModelFileError) -> ClosedRange<Double>? {
        guard let v else { return nil }
        guard let a = v as? [Any], a.count == 2, let lo = try number(a[0], field), let hi = try number(a[1], field), hi > lo, lo >= 0 else {
            throw fail(field, "must be [START, END] in ms with 0 ≤ START < END, got \(describeJSON(v))")
        }
        return lo...hi
    }
    /// true or false.
    public func bool(_ v: Any?, _ field: String) throws(ModelFileError) -> Bool? {
        guard let v else { return nil }
        guard let b = v as? Bool else { throw fail(field, "must be true or false, got \(describeJSON(v))") }
        return b
    }
    /// A list of times (ms) inside a run of `duration` ms, sorted; empty if absent.
    public func times(_ v: Any?, _ field: String, duration: Double) throws(ModelFileError) -> [Double] {
        guard let v else { return [] }
        guard let a = v as? [Any] else { throw fail(field, "must be a list of times (ms), got \(describeJSON(v))") }
        var out: [Double] = []
        for (i, x) in a.enumerated() {
            let t = try number(x, "\(field)[\(i)]")!
            guard t >= 0, t <= duration else { throw fail("\(field)[\(i)]", "\(t) ms is outside the run (0–\(duration) ms)") }
            out.append(t)
        }
        return out.sorted()
    }
}
