/// Ganglion's reproducible random stream: xoshiro256** (Blackman & Vigna 2018), its 256-bit state
/// seeded from a 64-bit seed by SplitMix64. Uniform doubles are r = (x >> 11) · 2⁻⁵³ ∈ [0, 1).
/// The same seed gives the same stream on every platform and in every Ganglion version that keeps
/// this file's algorithm (populations record the generator's name).
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    /// The name recorded in population files.
    public static let name = "xoshiro256** seeded by SplitMix64; r = (x >> 11) * 2^-53"
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// A stream seeded from `seed` by SplitMix64.
    public init(seed: UInt64) {
        var z = seed
        func splitMix() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        @inline(__always) func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// A uniform double in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
}
