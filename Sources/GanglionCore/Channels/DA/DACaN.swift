extension DA {
    /// N-type calcium current I_CaN = ḡ_CaN m (V − E_Ca), E_Ca = 60 mV.
    public enum CaN: IonChannel {
        public static let name = "CaN"
        public static let ion = Ion.calcium
        public static let activationExponent = 1
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { boltzmannDA(V, -30, 7) }
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T { sigmoidTau(V, 30, 25, 55, -6) }
    }
}
