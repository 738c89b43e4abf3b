/// A part of a whole, kept as two counts: `9/10 (90 %)` in text, `{"count", "total", "percent"}` in JSON,
/// never a sum of floating-point fractions.
public struct Proportion: Sendable, Equatable, CustomStringConvertible {
    /// How many of the whole.
    public var count: Int
    /// The whole.
    public var total: Int

    /// `count` of `total`.
    public init(_ count: Int, of total: Int) {
        self.count = count
        self.total = total
    }

    /// 100 · count / total, rounded to 0.1; nil for an empty whole.
    public var percent: Double? {
        guard total > 0 else { return nil }
        return (1000 * Double(count) / Double(total)).rounded() / 10
    }

    /// The percentage as text: whole percent from 1 to 99 %; below 1 % and above 99 % one decimal (`0.5 %`,
    /// `99.5 %`, or `<0.1 %`, `>99.9 %`), so that a part is never shown as 0 % nor less than the whole as 100 %.
    public var percentText: String {
        guard total > 0 else { return "—" }
        if count == 0 { return "0 %" }
        if count == total { return "100 %" }
        let p = 100 * Double(count) / Double(total)
        if p >= 1, p <= 99 { return "\(Int(p.rounded())) %" }
        let tenth = (p * 10).rounded() / 10
        if tenth <= 0 { return "<0.1 %" }
        if tenth >= 100 { return ">99.9 %" }
        return "\(tenth) %"
    }

    /// `count/total (percent)`, e.g. `9/10 (90 %)`.
    public var description: String { "\(count)/\(total) (\(percentText))" }

    /// `{"count", "total", "percent"}`.
    public var jsonObject: [String: Any] { ["count": count, "total": total, "percent": percent as Any] }

    /// Reads a `{"count", "total"}` object (numbers as JSON gives them); nil if it is not one.
    public init?(json: Any?) {
        guard let o = json as? [String: Any] else { return nil }
        func int(_ v: Any?) -> Int? {
            if let i = v as? Int { return i }
            if let d = v as? Double, d.isFinite, d >= 0, d < 1e15, d == d.rounded() { return Int(d) }
            return nil
        }
        guard let c = int(o["count"]), let t = int(o["total"]) else { return nil }
        self.init(c, of: t)
    }
}
