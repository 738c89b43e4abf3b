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
