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
        /// "00", "01", … "99" as ASCII pairs, the first character in the low byte (every word built from them
        /// is stored little-endian, so the text is the same on any byte order).
        let pairs: UnsafePointer<UInt16>
    }
    @usableFromInline static let tables: Tables = {
        let powers = UnsafeMutablePointer<Double>.allocate(capacity: 23)
        for k in 0...22 { powers[k] = pow(10, Double(k)) }
        let pairs = UnsafeMutablePointer<UInt16>.allocate(capacity: 100)
        for i in 0..<100 { pairs[i] = UInt16(48 + i / 10) | UInt16(48 + i % 10) << 8 }
        return Tables(powers: powers, pairs: pairs)
    }()

    /// Writes `x` at `p` and returns the number of bytes written (at most 24; up to 24 bytes at `p` may be
    /// overwritten).
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
    static func roundedDigits(_ v: Double) -> UInt64 { UInt64(bitPattern: Int64(v + 0.5)) }

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
        // The ten digits as ASCII, two at a time (d[0…7] in `low`, d[8], d[9] in `high`, little-endian), and
        // how many are significant (trailing zeros dropped).
        let v4 = Int(m % 100), r3 = m / 100
        let v3 = Int(r3 % 100), r2 = r3 / 100
        let v2 = Int(r2 % 100), r1 = r2 / 100
        let v1 = Int(r1 % 100), v0 = Int(r1 / 100)
        let pairs = t.pairs
        let low = UInt64(pairs[v0]) | UInt64(pairs[v1]) << 16 | UInt64(pairs[v2]) << 32 | UInt64(pairs[v3]) << 48
        let high = UInt64(pairs[v4])
        let count: Int
        if v4 != 0 { count = v4 % 10 == 0 ? 9 : 10 }
        else if v3 != 0 { count = v3 % 10 == 0 ? 7 : 8 }
        else if v2 != 0 { count = v2 % 10 == 0 ? 5 : 6 }
        else if v1 != 0 { count = v1 % 10 == 0 ? 3 : 4 }
        else { count = v0 % 10 == 0 ? 1 : 2 }   // v0 ≥ 10: m ≥ 1e9
        /// The ten digits at q (16 bytes are stored; the caller's room allows it).
        @inline(__always) func digits(at q: UnsafeMutablePointer<UInt8>) {
            let raw = UnsafeMutableRawPointer(q)
            raw.storeBytes(of: low.littleEndian, as: UInt64.self)
            raw.storeBytes(of: high.littleEndian, toByteOffset: 8, as: UInt64.self)
        }
        @inline(__always) func digit(_ k: Int) -> UInt8 { UInt8(truncatingIfNeeded: low >> (8 * k)) }
        if e >= -5, e < 15 {
            if e < 0 {
                // 0.000ddd
                p[n] = UInt8(ascii: "0"); p[n + 1] = UInt8(ascii: "."); n += 2
                for _ in 0..<(-e - 1) { p[n] = UInt8(ascii: "0"); n += 1 }
                digits(at: p + n)
                n += count
            } else {
                let whole = e + 1
                if whole >= count {
                    // ddd or ddd000 (no fraction)
                    digits(at: p + n)
                    for i in min(whole, 10)..<whole { p[n + i] = UInt8(ascii: "0") }
                    n += whole
                } else if whole <= 7 {
                    // ddd.ddd in two 8-byte words: the whole part, the point, then the fraction one place right.
                    let wholeBytes = (UInt64(1) << (8 * whole)) &- 1, withPoint = (UInt64(1) << (8 * (whole + 1))) &- 1
                    let first = (low & wholeBytes) | UInt64(UInt8(ascii: ".")) << (8 * whole) | ((low << 8) & ~withPoint)
                    let raw = UnsafeMutableRawPointer(p + n)
                    raw.storeBytes(of: first.littleEndian, as: UInt64.self)
                    raw.storeBytes(of: ((low >> 56) | (high << 8)).littleEndian, toByteOffset: 8, as: UInt64.self)
                    n += count + 1
                } else {
                    // ddd.ddd: the fraction one place right of its digits, then the whole part (whole < count ≤ 10 ≤ 8 + 2)
                    digits(at: p + n + 1)
                    for i in 0..<whole { p[n + i] = i < 8 ? digit(i) : UInt8(truncatingIfNeeded: high >> (8 * (i - 8))) }
                    p[n + whole] = UInt8(ascii: ".")
                    n += count + 1
                }
            }
        } else {
            // d.ddde±XX
            digits(at: p + n + 1)
            p[n] = digit(0)
            if count > 1 { p[n + 1] = UInt8(ascii: "."); n += count + 1 } else { n += 1 }
            p[n] = UInt8(ascii: "e"); n += 1
            if e < 0 { p[n] = UInt8(ascii: "-"); e = -e } else { p[n] = UInt8(ascii: "+") }
            n += 1
            if e >= 100 { p[n] = UInt8(48 + e / 100); n += 1; e %= 100 }
            UnsafeMutableRawPointer(p + n).storeBytes(of: t.pairs[e].littleEndian, as: UInt16.self)
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
