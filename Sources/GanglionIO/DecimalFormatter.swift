import Foundation

/// Fast decimal text for trace files: 10 significant digits, trailing zeros removed, fixed notation
/// for 1e-5 ≤ |x| < 1e15 and scientific (`1.5e-07`) outside. 10 digits resolve V to 1e-8 mV at −70 mV.
///
/// The digits are those of round(|x| · 10^(9−e)) with e = ⌊log₁₀|x|⌋ (one correctly rounded scaling),
/// found without `log10` or any other libm call (e from the binary exponent, corrected by one
/// comparison), written two at a time straight into the output: about 20× faster than
/// `Double.description`, which matters when a run writes millions of rows.
public enum DecimalFormatter {
    /// The lookup tables, built once and never freed.
    @usableFromInline struct Tables: @unchecked Sendable {
        /// 10^0 … 10^22, all exact in binary64.
        let powers: UnsafePointer<Double>
        /// "00", "01", … "99" as ASCII pairs.
        let pairs: UnsafePointer<UInt16>
    }
    @usableFromInline static let tables: Tables = {
        let powers = UnsafeMutablePointer<Double>.allocate(capacity: 23)
        for k in 0...22 { powers[k] = pow(10, Double(k)) }
        let pairs = UnsafeMutablePointer<UInt16>.allocate(capacity: 100)
        for i in 0..<100 {
            withUnsafeMutableBytes(of: &pairs[i]) { $0[0] = UInt8(48 + i / 10); $0[1] = UInt8(48 + i % 10) }
        }
        return Tables(powers: powers, pairs: pairs)
    }()

    /// Writes `x` at `p` (at most 24 bytes) and returns the number of bytes written.
    public static func write(_ x: Double, into p: UnsafeMutablePointer<UInt8>) -> Int {
        write(x, into: p, tables)
    }

    /// a · 10^k (k may be negative), rounded once where 10^|k| is exact.
    @inline(__always)
    static func scale(_ a: Double, _ k: Int, _ powers: UnsafePointer<Double>) -> Double {
        if k >= 0 {
            if k <= 22 { return a * powers[k] }
            return k > 300 ? a * 1e300 * pow(10, Double(k - 300)) : a * pow(10, Double(k))   // subnormal a
        }
        return -k <= 22 ? a / powers[-k] : a / pow(10, Double(-k))
    }

    /// round(v) for 0 ≤ v < 2^52 (half away from zero, as `rounded()`): v + 0.5 is exact there.
    @inline(__always)
    static func roundedDigits(_ v: Double) -> UInt64 { UInt64(v + 0.5) }

    /// `write(_:into:)` with the tables passed in (a caller formatting many numbers fetches them once).
    @inline(__always)
    static func write(_ x: Double, into p: UnsafeMutablePointer<UInt8>, _ t: Tables) -> Int {
        guard x.isFinite else {
            var n = 0
            for c in (x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf")).utf8 { p[n] = c; n += 1 }
            return n
        }
        if x == 0 { p[0] = UInt8(ascii: "0"); return 1 }
        var n = 0
        var a = x
        if a < 0 { p[0] = UInt8(ascii: "-"); n = 1; a = -a }
        // ⌊log₁₀ a⌋ is ⌊e₂ log₁₀ 2⌋ or one more (2^e₂ ≤ a < 2^(e₂+1)); ⌊e₂ · 78913 / 2^18⌋ is within one of
        // ⌊e₂ log₁₀ 2⌋, and the comparisons below correct it; then 1e9 ≤ m < 1e10.
        let biased = Int((a.bitPattern >> 52) & 0x7ff)
        let e2 = biased == 0 ? Int(a.exponent) : biased - 1023
        var e = (e2 * 78913) >> 18
        var m = roundedDigits(scale(a, 9 - e, t.powers))
        while m >= 10_000_000_000 {
            e += 1
            m = roundedDigits(scale(a, 9 - e, t.powers))
        }
        while m < 1_000_000_000 {          // a just below a power of ten
            e -= 1
            m = roundedDigits(scale(a, 9 - e, t.powers))
        }
        if m >= 10_000_000_000 { m /= 10; e += 1 }   // rounded up to the next power of ten
        // Significant digits without trailing zeros.
        var count = 10
        var r = m
        while r % 10 == 0 { r /= 10; count -= 1 }
        /// The ten digits of m at q, two at a time.
        @inline(__always) func digits(at q: UnsafeMutablePointer<UInt8>) {
            let raw = UnsafeMutableRawPointer(q)
            var v = m
            for i in stride(from: 8, through: 0, by: -2) {
                raw.storeBytes(of: t.pairs[Int(v % 100)], toByteOffset: i, as: UInt16.self)
                v /= 100
            }
        }
        if e >= -5, e < 15 {
            if e < 0 {
                // 0.000ddd
                p[n] = UInt8(ascii: "0"); p[n + 1] = UInt8(ascii: "."); n += 2
                for _ in 0..<(-e - 1) { p[n] = UInt8(ascii: "0"); n += 1 }
                digits(at: p + n)
                n += count
            } else {
                let whole = e + 1
                digits(at: p + n)
                if whole >= count {
                    // ddd or ddd000 (no fraction)
                    for i in min(whole, 10)..<whole { p[n + i] = UInt8(ascii: "0") }
                    n += whole
                } else {
                    // ddd.ddd: the fraction moves one place right for the point
                    var i = count
                    while i > whole { p[n + i] = p[n + i - 1]; i -= 1 }
                    p[n + whole] = UInt8(ascii: ".")
                    n += count + 1
                }
            }
        } else {
            // d.ddde±XX
            digits(at: p + n + 1)
            p[n] = p[n + 1]
            if count > 1 { p[n + 1] = UInt8(ascii: "."); n += count + 1 } else { n += 1 }
            p[n] = UInt8(ascii: "e"); n += 1
            if e < 0 { p[n] = UInt8(ascii: "-"); e = -e } else { p[n] = UInt8(ascii: "+") }
            n += 1
            if e >= 100 { p[n] = UInt8(48 + e / 100); n += 1; e %= 100 }
            UnsafeMutableRawPointer(p + n).storeBytes(of: t.pairs[e], as: UInt16.self)
            n += 2
        }
        return n
    }

    /// `x` as text (for tests and small outputs).
    public static func string(_ x: Double) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buf in
            let n = write(x, into: buf.baseAddress!)
            return String(decoding: UnsafeBufferPointer(start: buf.baseAddress!, count: n), as: UTF8.self)
        }
    }
}
