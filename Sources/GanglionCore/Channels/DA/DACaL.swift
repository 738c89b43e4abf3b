extension DA {
    /// L-type calcium current I_CaL = ḡ_CaL m² (V − E_Ca), E_Ca = 60 mV.
    public enum CaL: IonChannel {
        public static let name = "CaL"
        public static let ion = Ion.calcium
        public static let activationExponent = 2
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { boltzmannDA(V, -50, 2) }
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T { sigmoidTau(V, 30, 28, 45, -3) }
    }
}
