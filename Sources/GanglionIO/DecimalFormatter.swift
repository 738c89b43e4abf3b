import Foundation

/// Fast decimal text for trace files: 10 significant digits, trailing zeros removed, fixed notation
/// for 1e-5 ≤ |x| < 1e15 and scientific (`1.5e-07`) outside. 10 digits resolve V to 1e-8 mV at −70 mV.
///
/// The digits are those of round(|x| · 10^(9−e)) with e = ⌊log₁₀|x|⌋ (one correctly rounded scaling),
/// found without `log10` (from the binary exponent, corrected by one comparison) and written two at a
/// time: about 10× faster than `Double.description`, which matters when a run writes millions of rows.
public enum DecimalFormatter {
    /// 10^0 … 10^22, all exact in binary64.
    static let powers: [Double] = (0...22).map { pow(10, Double($0)) }
    /// "00", "01", … "99" as ASCII pairs.
    static let pairs: [UInt8] = (0..<100).flatMap { (i: Int) -> [UInt8] in
        [UInt8(48 + i / 10), UInt8(48 + i % 10)]
    }

    /// a · 10^k (k may be negative), rounded once where 10^|k| is exact.
    @inline(__always)
    static func scale(_ a: Double, _ k: Int) -> Double {
        if k >= 0 {
            if k <= 22 { return a * powers[k] }
            return k > 300 ? a * 1e300 * pow(10, Double(k - 300)) : a * pow(10, Double(k))   // subnormal a
        }
        return -k <= 22 ? a / powers[-k] : a / pow(10, Double(-k))
    }

    /// Writes `x` at `p` (at most 24 bytes) and returns the number of bytes written.
    public static func write(_ x: Double, into p: UnsafeMutablePointer<UInt8>) -> Int {
        guard x.isFinite else {
            var n = 0
            for c in (x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf")).utf8 { p[n] = c; n += 1 }
            return n
        }
        if x == 0 { p[0] = UInt8(ascii: "0"); return 1 }
        var n = 0
        var a = x
        if a < 0 { p[0] = UInt8(ascii: "-"); n = 1; a = -a }
        // ⌊log₁₀ a⌋ is ⌊e₂ log₁₀ 2⌋ or one more (2^e₂ ≤ a < 2^(e₂+1)); then 1e9 ≤ m < 1e10.
        var e = Int((Double(Int(a.exponent)) * 0.301029995663981195).rounded(.down))
        var m = UInt64(scale(a, 9 - e).rounded())
        if m >= 10_000_000_000 {
            e += 1
            m = UInt64(scale(a, 9 - e).rounded())
        }
        if m < 1_000_000_000 {          // a just below a power of ten
            e -= 1
            m = UInt64(scale(a, 9 - e).rounded())
        }
        if m >= 10_000_000_000 { m /= 10; e += 1 }   // rounded up to the next power of ten
        // The ten digits, two at a time, then the count without trailing zeros.
        var digits: (UInt64, UInt64) = (0, 0)
        let count: Int = withUnsafeMutableBytes(of: &digits) { raw in
            let d = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            pairs.withUnsafeBufferPointer { table in
                var r = m
                for i in stride(from: 8, through: 0, by: -2) {
                    let q = Int(r % 100) * 2
                    r /= 100
                    d[i] = table[q]; d[i + 1] = table[q + 1]
                }
            }
            var c = 10
            while c > 1, d[c - 1] == UInt8(ascii: "0") { c -= 1 }
            return c
        }
        withUnsafeBytes(of: &digits) { raw in
            let d = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if e >= -5, e < 15 {
                if e < 0 {
                    p[n] = UInt8(ascii: "0"); p[n + 1] = UInt8(ascii: "."); n += 2
                    for _ in 0..<(-e - 1) { p[n] = UInt8(ascii: "0"); n += 1 }
                    for i in 0..<count { p[n] = d[i]; n += 1 }
                } else {
                    for i in 0...e { p[n] = i < count ? d[i] : UInt8(ascii: "0"); n += 1 }
                    if count > e + 1 {
                        p[n] = UInt8(ascii: "."); n += 1
                        for i in (e + 1)..<count { p[n] = d[i]; n += 1 }
                    }
                }
            } else {
                p[n] = d[0]; n += 1
                if count > 1 {
                    p[n] = UInt8(ascii: "."); n += 1
                    for i in 1..<count { p[n] = d[i]; n += 1 }
                }
                p[n] = UInt8(ascii: "e"); n += 1
                if e < 0 { p[n] = UInt8(ascii: "-"); n += 1; e = -e } else { p[n] = UInt8(ascii: "+"); n += 1 }
                if e < 10 { p[n] = UInt8(ascii: "0"); n += 1 }
                for c in String(e).utf8 { p[n] = c; n += 1 }
            }
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
