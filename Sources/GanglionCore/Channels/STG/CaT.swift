extension STG {
    /// Transient (T-type) calcium current I_CaT = ḡ_CaT m³ h (V − E_Ca). Liu et al. 1998.
    public enum CaT: IonChannel {
        public static let name = "CaT"
        public static let ion = Ion.calcium
        public static let activationExponent = 3
        public static let inactivationExponent = 1
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { boltzmann(V, 27.1, -7.2) }
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T { sigmoidTau(V, 21.7, 21.3, 68.1, -20.5) }
        @inlinable public static func hInf<T: GateScalar>(_ V: T) -> T { boltzmann(V, 32.1, 5.5) }
        @inlinable public static func tauH<T: GateScalar>(_ V: T) -> T { sigmoidTau(V, 105, 89.8, 55, -16.9) }
    }
}
