extension DA {
    /// Delayed-rectifier potassium current I_Kd = ḡ_Kd m³ (V − E_K), E_K = −85 mV.
    public enum Kd: IonChannel {
        public static let name = "Kd"
        public static let ion = Ion.potassium
        public static let activationExponent = 3
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { boltzmannDA(V, -25, 12) }
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T { sigmoidTau(V, 20, 18, 38, -10) }
    }
}
