extension STG {
    /// Calcium-activated potassium current I_KCa = ḡ_KCa m⁴ (V − E_K).
    ///
    /// m∞(V, Ca) = Ca/(Ca + 3) · 1/(1 + exp((V + 28.3)/−12.6)). τ_m is Fyon & Drion's: half of Liu et
    /// al.'s (90.3 − 75.1/(1 + exp((V + 46)/−22.7)) ms); a cell's time-constant factor k_KCa = 2 restores Liu's.
    public enum KCa: IonChannel {
        public static let name = "KCa"
        public static let ion = Ion.potassium
        public static let activationExponent = 4
        public static let calciumGated = true
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T {
            (Ca / (Ca + 3)) / (1 + T.exp((V + 28.3) / -12.6))
        }
        /// m∞ factors: the calcium factor Ca/(Ca + 3).
        public static func activationCalciumFactor(_ Ca: Double) -> Double? { Ca / (Ca + 3) }
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T { sigmoidTau(V, 90.3, 75.1, 46, -22.7) }
    }
}
