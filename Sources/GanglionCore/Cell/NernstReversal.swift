import Foundation

/// A reversal potential that follows the intracellular calcium pool by the Nernst equation:
///
///     E(Ca) = k ln(Ca_out / Ca)        (mV; k = R T / (z F))
///
/// with Ca and Ca_out in the pool's units. Below `minimumCalcium` (a tiny fraction of Ca_out), E is held at
/// its value there, so an integrator's trial state with Ca ≤ 0 still has a finite right-hand side.
public struct NernstReversal: Sendable, Equatable {
    /// The Nernst factor k = R T / (z F) (mV).
    public var factor: Double
    /// The concentration outside the cell, Ca_out (the pool's units).
    public var outside: Double

    /// E = `factor` · ln(`outside` / Ca); `factor` in mV, `outside` in the pool's units.
    public init(factor: Double, outside: Double) {
        self.factor = factor
        self.outside = outside
    }

    /// The gas constant R (J/(mol K), CODATA 2018).
    public static let gasConstant = 8.314462618
    /// The Faraday constant F (C/mol, CODATA 2018).
    public static let faraday = 96485.33212

    /// The Nernst factor R T / (z F) (mV) for valence `z` at `celsius` (°C; T = celsius + 273.15 K).
    public static func factor(valence z: Double, celsius: Double) -> Double {
        1000 * gasConstant * (celsius + 273.15) / (z * faraday)
    }

    /// The smallest calcium the law evaluates at: 1e−12 Ca_out.
    @inlinable public var minimumCalcium: Double { 1e-12 * outside }

    /// E(Ca) (mV).
    @inlinable @inline(__always)
    public func potential(calcium Ca: Double) -> Double {
        factor * log(outside / Swift.max(Ca, minimumCalcium))
    }

    /// dE/dCa (mV per pool unit): −k / Ca, and 0 below `minimumCalcium`.
    @inlinable @inline(__always)
    public func slope(calcium Ca: Double) -> Double {
        Ca > minimumCalcium ? -factor / Ca : 0
    }
}

extension CalciumPool {
    /// One current feeding the pool at a held V: its conductance in effect ḡ·open (mS/cm²) and its reversal.
    public struct Feed: Sendable {
        public var conductance: Double
        public var reversal: Double
        public var nernst: NernstReversal?
        public init(conductance: Double, reversal: Double, nernst: NernstReversal?) {
            self.conductance = conductance
            self.reversal = reversal
            self.nernst = nernst
        }
    }

    /// The calcium at which the pool rests with V held (mV) and these currents' conductances fixed: the root of
    ///
    ///     F(Ca) = Ca − Ca_rest + f Σ g_i (V − E_i(Ca)) = 0,
    ///
    /// unique because F′ = 1 − f Σ g_i E_i′(Ca) ≥ 1 (E′ < 0 for a Nernst reversal, 0 for a fixed one). Newton's
    /// method, which from below the root rises to it monotonically (F is concave in Ca); an iterate at or
    /// below 0 is replaced by a tenth of the last. Returns Ca∞ and F′(Ca∞).
    public func restingCalcium(V: Double, feeds: [Feed]) -> (calcium: Double, slope: Double) {
        func residual(_ ca: Double) -> (F: Double, dF: Double) {
            var F = ca - rest, dF = 1.0
            for x in feeds {
                F += influx * x.conductance * (V - (x.nernst?.potential(calcium: ca) ?? x.reversal))
                if let n = x.nernst { dF -= influx * x.conductance * n.slope(calcium: ca) }
            }
            return (F, dF)
        }
        var ca = rest
        for _ in 0..<200 {
            let (F, dF) = residual(ca)
            var next = ca - F / dF
            if !(next > 0) { next = ca / 10 }
            if abs(next - ca) <= 1e-14 * ca { ca = next; break }
            ca = next
        }
        return (ca, residual(ca).dF)
    }
}

