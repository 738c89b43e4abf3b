extension STG {
    /// Delayed-rectifier potassium current I_Kd = ḡ_Kd m⁴ (V − E_K). Liu et al. 1998.
    public enum Kd: IonChannel {
        public static let name = "Kd"
        public static let ion = Ion.potassium
        public static let activationExponent = 4
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { boltzmann(V, 12.3, -11.8) }
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T { sigmoidTau(V, 7.2, 6.4, 28.3, -19.2) }
    }
}
