/// Namespace for the dopaminergic (DA) neuron's channel family: Drion et al. 2011, as used by Fyon &
/// Drion (see `Docs/model-files.md`). B_DA(V; A, k) = 1 / (1 + exp(−(V − A)/k)).
public enum DA {}

/// The DA family's Boltzmann steady state B_DA(V; A, k) = 1 / (1 + exp(−(V − A)/k)).
@inlinable @inline(__always)
public func boltzmannDA<T: GateScalar>(_ V: T, _ A: Double, _ k: Double) -> T {
    1 / (1 + T.exp(-(V - T(A)) / T(k)))
}

extension DA {
    /// Fast sodium current I_Na = ḡ_Na m³ h (V − E_Na), E_Na = 60 mV.
    ///
    /// τ_m = 0.01 + 1/(α + β) with α = −(15.6504 + 0.4043 V)/(exp(−19.565 − 0.5052 V) − 1) and
    /// β = 3.0212 exp(−7.4630e−3 V). The zeros of α's numerator and denominator do not coincide, so
    /// τ_m ≤ 0 on (−38.727104, −38.724360) mV with a pole at −38.724360; Ganglion bounds τ_m below by
    /// 0.01 ms (in the dynamics and in the DIC weights alike), which only affects that 3 µV interval.
    public enum Na: IonChannel {
        public static let name = "Na"
        public static let ion = Ion.sodium
        public static let activationExponent = 3
        public static let inactivationExponent = 1
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { boltzmannDA(V, -30.0907, 9.7264) }
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T {
            let alpha = -(15.6504 + 0.4043 * V) / (T.exp(-19.565 - 0.5052 * V) - 1)
            let beta = 3.0212 * T.exp(-7.4630e-3 * V)
            return (0.01 + 1 / (alpha + beta)).bounded(below: 0.01)
        }
        @inlinable public static func hInf<T: GateScalar>(_ V: T) -> T { boltzmannDA(V, -54.0289, -10.7665) }
        @inlinable public static func tauH<T: GateScalar>(_ V: T) -> T {
            0.4 + 1 / (5.0754e-4 * T.exp(-6.3213e-2 * V) + 9.7529 * T.exp(0.13442 * V))
        }
    }
}
