import Foundation

/// How a gating variable with time constant τ splits between the fast, slow and ultraslow timescales
/// (Docs/science/dics.md §2), by log-distance to the reference time constants τ_f ≤ τ_s ≤ τ_u:
///
/// | τ | w_fs | w_su |
/// |---|---|---|
/// | τ < τ_f | 1 | 1 |
/// | τ_f ≤ τ < τ_s | d(τ; τ_f, τ_s) | 1 |
/// | τ_s ≤ τ < τ_u | 0 | d(τ; τ_s, τ_u) |
/// | τ ≥ τ_u | 0 | 0 |
///
/// with d(τ; τ_a, τ_b) = (ln τ_b − ln τ)/(ln τ_b − ln τ_a).
public struct TimescaleWeights: Sendable, Equatable {
    /// Fast-versus-slow weight w_fs.
    public var fs: Double
    /// Slow-versus-ultraslow weight w_su.
    public var su: Double

    /// Weights w_fs and w_su (dimensionless, in [0, 1]).
    public init(fs: Double, su: Double) {
        self.fs = fs
        self.su = su
    }

    /// The weights of a variable with time constant `tau` (ms) against the references (ms).
    public init(tau: Double, fast: Double, slow: Double, ultraslow: Double) {
        func d(_ t: Double, _ a: Double, _ b: Double) -> Double { (log(b) - log(t)) / (log(b) - log(a)) }
        if tau < fast {
            self.init(fs: 1, su: 1)
        } else if tau < slow {
            self.init(fs: d(tau, fast, slow), su: 1)
        } else if tau < ultraslow {
            self.init(fs: 0, su: d(tau, slow, ultraslow))
        } else {
            self.init(fs: 0, su: 0)
        }
    }
}
