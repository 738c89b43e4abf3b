extension STG {
    /// Transient potassium (A-type) current I_A = ḡ_A m³ h (V − E_K). Liu et al. 1998.
    public enum A: IonChannel {
        public static let name = "A"
        public static let ion = Ion.potassium
        public static let activationExponent = 3
        public static let inactivationExponent = 1
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { boltzmann(V, 27.2, -8.7) }
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T { sigmoidTau(V, 11.6, 10.4, 32.9, -15.2) }
        @inlinable public static func hInf<T: GateScalar>(_ V: T) -> T { boltzmann(V, 56.9, 4.9) }
        @inlinable public static func tauH<T: GateScalar>(_ V: T) -> T { sigmoidTau(V, 38.6, 29.2, 38.9, -26.5) }
    }
}
