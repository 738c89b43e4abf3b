import Foundation

/// An axis scale: its range (data units), its tick positions and their labels.
///
/// Linear ticks fall at multiples of a step of 1, 2 or 5 × 10ᵏ, between 5 and 8 of them: the range is widened to
/// the neighbouring multiples of the step when the data's own range would give fewer. Log ticks fall at decades,
/// with 2 and 5 × 10ᵏ added when the range spans fewer than three decades and every other decade kept when it
/// spans more than eight. Labels use the true minus sign (U+2212) and as many decimals as the step needs.
public struct Axis: Sendable, Equatable {
    /// The drawn range (data units).
    public var range: ClosedRange<Double>
    /// Tick positions (data units), increasing.
    public var ticks: [Double]
    /// Whether the axis is logarithmic.
    public var log: Bool
    /// The step between linear ticks (data units); 0 on a log axis.
    public var step: Double

    /// Fewest and most ticks on a linear axis.
    public static let tickCount = 5...8

    /// The axis of `values` (non-finite ones ignored; non-positive ones too on a log axis), padded by 4 % of the
    /// span on a linear axis; `fixed` forces the range (no padding, no widening).
    public init(values: [Double], log: Bool, fixed: ClosedRange<Double>? = nil) {
        let r = fixed ?? Self.dataRange(values, log: log)
        self.init(range: r, log: log, widen: fixed == nil)
    }

    /// The axis of `range`; `widen`: a linear range may grow to the neighbouring ticks so 5–8 fit.
    public init(range r: ClosedRange<Double>, log: Bool, widen: Bool = true) {
        self.log = log
        if log {
            let lo = r.lowerBound > 0 ? r.lowerBound : 1, hi = max(r.upperBound, lo * 10)
            range = lo...hi
            ticks = Self.logTicks(range)
            step = 0
            return
        }
        var lo = r.lowerBound, hi = r.upperBound
        if !(hi > lo) { lo -= 1; hi += 1 }
        guard lo.isFinite, hi.isFinite, (hi - lo).isFinite, hi - lo > abs(hi) * 1e-12 else {
            // A range too wide (or too narrow) for doubles: its ends, no ticks.
            range = lo...hi
            ticks = []
            step = 1
            return
        }
        let (s, widened) = Self.bestStep(lo...hi)
        step = s
        if widen { (lo, hi) = (widened.lowerBound, widened.upperBound) }
        range = lo...hi
        ticks = Self.multiples(of: s, in: range)
    }

    /// The label of a tick at `x`.
    public func label(_ x: Double) -> String {
        if log { return Self.label(x) }
        let decimals = min(12, max(0, Int(-floor(log10(step) + 1e-9))))
        return Self.minus(String(format: "%.\(decimals)f", abs(x) < step * 1e-9 ? 0 : x))
    }

    /// The values' range: padded by 4 % of the span (linear), or out to whole decades (log).
    static func dataRange(_ values: [Double], log: Bool) -> ClosedRange<Double> {
        let v = values.filter { $0.isFinite && (!log || $0 > 0) }
        guard var lo = v.min(), var hi = v.max() else { return log ? 1...10 : 0...1 }
        if log {
            lo = pow(10, floor(log10(lo)))
            hi = pow(10, ceil(log10(hi)))
            if hi <= lo { hi = lo * 10 }
            return lo...hi
        }
        if hi <= lo { lo -= abs(lo) > 0 ? abs(lo) * 0.1 : 1; hi += abs(hi) > 0 ? abs(hi) * 0.1 : 1 }
        let pad = 0.04 * (hi - lo)
        return (lo - pad)...(hi + pad)
    }

    /// The 1-2-5 step giving 5–8 ticks inside `r` (with `r`), or else the one giving 5–8 once the range is
    /// widened, one step at a time at the end that needs the least, to the next multiples (with the widened range).
    static func bestStep(_ r: ClosedRange<Double>) -> (Double, ClosedRange<Double>) {
        let span = r.upperBound - r.lowerBound
        let p = pow(10, floor(log10(span)))
        let steps = [5.0, 2, 1, 0.5, 0.2, 0.1, 0.05].map { $0 * p }
        for s in steps where tickCount.contains(multiples(of: s, in: r).count) { return (s, r) }
        for s in steps.reversed() where multiples(of: s, in: r).count < tickCount.lowerBound {
            var lo = r.lowerBound, hi = r.upperBound
            for _ in 0..<4 where multiples(of: s, in: lo...hi).count < tickCount.lowerBound {
                let up = (floor(hi / s + 1e-6) + 1) * s, down = (ceil(lo / s - 1e-6) - 1) * s
                if up - hi <= lo - down { hi = up } else { lo = down }
            }
            if tickCount.contains(multiples(of: s, in: lo...hi).count) { return (s, lo...hi) }
        }
        return (steps.first { multiples(of: $0, in: r).count >= tickCount.lowerBound } ?? steps.last!, r)
    }

    /// The multiples of `s` inside `r` (a multiple within 1e-6 steps of an end counts as inside).
    static func multiples(of s: Double, in r: ClosedRange<Double>) -> [Double] {
        let first = ceil(r.lowerBound / s - 1e-6), last = floor(r.upperBound / s + 1e-6)
        guard last >= first, last - first < 1000 else { return [] }
        return stride(from: first, through: last, by: 1).map { k in k == 0 ? 0 : k * s }
    }

    /// Decade ticks of a log range (with 2 and 5 × 10ᵏ on a short range, every other decade on a long one).
    static func logTicks(_ r: ClosedRange<Double>) -> [Double] {
        let a = Int(floor(log10(r.lowerBound) + 1e-9)), b = Int(ceil(log10(r.upperBound) - 1e-9))
        let decades = b - a
        var t: [Double] = []
        for k in a...max(a, b) {
            let base = pow(10, Double(k))
            if decades > 8, (k - a) % 2 != 0 { continue }
            for m in decades < 3 ? [1.0, 2, 5] : [1] {
                let x = m * base
                if x >= r.lowerBound * (1 - 1e-9), x <= r.upperBound * (1 + 1e-9) { t.append(x) }
            }
        }
        return t
    }

    /// A number's label: integers without decimals, others in `%g`, with the true minus sign.
    public static func label(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e7 { return minus(String(Int(x))) }
        return minus(String(format: "%g", x))
    }

    /// `text` with every hyphen-minus before a digit (a negative number or exponent) as the minus sign U+2212.
    public static func minus(_ text: String) -> String {
        var out = ""
        var previous: Character?
        let chars = Array(text)
        for (i, c) in chars.enumerated() {
            if c == "-", i + 1 < chars.count, chars[i + 1].isNumber || chars[i + 1] == ".",
               previous == nil || previous == "e" || previous == " " || previous == "(" || previous == "=" {
                out.append("\u{2212}")
            } else {
                out.append(c)
            }
            previous = c
        }
        return out
    }
}
