import Foundation

/// Fast decimal text for trace files: 10 significant digits, trailing zeros removed, fixed notation
/// for 1e-5 ≤ |x| < 1e15 and scientific (`1.5e-07`) outside. About four times faster than
/// `Double.description`, and 10 digits resolve V to 1e-8 mV at −70 mV.
public enum DecimalFormatter {
    static let powers: [Double] = (0...40).map { pow(10, Double($0)) }

    /// Writes `x` at `p` (at most 24 bytes) and returns the number of bytes written.
    public static func write(_ x: Double, into p: UnsafeMutablePointer<UInt8>) -> Int {
        var n = 0
        guard x.isFinite else {
            for c in (x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf")).utf8 { p[n] = c; n += 1 }
            return n
        }
        if x == 0 { p[0] = UInt8(ascii: "0"); return 1 }
        var a = x
        if a < 0 { p[n] = UInt8(ascii: "-"); n += 1; a = -a }
        var e = Int(log10(a).rounded(.down))
        // 10 significant digits as an integer m with 1e9 ≤ m < 1e10.
        var scaled = e <= 9 ? a * powers[min(9 - e, 40)] : a / powers[min(e - 9, 40)]
        if 9 - e > 40 { scaled *= pow(10, Double(9 - e - 40)) }
        var m = UInt64(scaled.rounded())
        if m >= 10_000_000_000 { m /= 10; e += 1 }
        if m < 1_000_000_000 { m *= 10; e -= 1 }
        var digits = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        var count = 10
        withUnsafeMutableBytes(of: &digits) { d in
            for i in stride(from: 9, through: 0, by: -1) { d[i] = UInt8(m % 10); m /= 10 }
            while count > 1, d[count - 1] == 0 { count -= 1 }
            func digit(_ i: Int) -> UInt8 { UInt8(ascii: "0") + d[i] }
            if e >= -5, e < 15 {
                if e < 0 {
                    p[n] = UInt8(ascii: "0"); p[n + 1] = UInt8(ascii: "."); n += 2
                    for _ in 0..<(-e - 1) { p[n] = UInt8(ascii: "0"); n += 1 }
                    for i in 0..<count { p[n] = digit(i); n += 1 }
                } else {
                    for i in 0...e { p[n] = i < count ? digit(i) : UInt8(ascii: "0"); n += 1 }
                    if count > e + 1 {
                        p[n] = UInt8(ascii: "."); n += 1
                        for i in (e + 1)..<count { p[n] = digit(i); n += 1 }
                    }
                }
            } else {
                p[n] = digit(0); n += 1
                if count > 1 {
                    p[n] = UInt8(ascii: "."); n += 1
                    for i in 1..<count { p[n] = digit(i); n += 1 }
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
