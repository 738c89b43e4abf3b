extension STG {
    /// Slow calcium current I_CaS = ḡ_CaS m³ h (V − E_Ca). Liu et al. 1998.
    public enum CaS: IonChannel {
        public static let name = "CaS"
        public static let ion = Ion.calcium
        public static let activationExponent = 3
        public static let inactivationExponent = 1
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { boltzmann(V, 33, -8.1) }
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T {
            1.4 + 7 / (T.exp((V + 27) / 10) + T.exp((V + 70) / -13))
        }
        @inlinable public static func hInf<T: GateScalar>(_ V: T) -> T { boltzmann(V, 60, 6.2) }
        @inlinable public static func tauH<T: GateScalar>(_ V: T) -> T {
            60 + 150 / (T.exp((V + 55) / 9) + T.exp((V + 65) / -16))
        }
    }
}
