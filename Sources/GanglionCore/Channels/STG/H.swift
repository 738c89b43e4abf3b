extension STG {
    /// Hyperpolarisation-activated cation current I_H = ḡ_H m (V − E_H). Liu et al. 1998.
    public enum H: IonChannel {
        public static let name = "H"
        public static let ion = Ion.hcn
        public static let activationExponent = 1
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { boltzmann(V, 70, 6) }
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T {
            272 + 1499 / (1 + T.exp((V + 42.2) / -8.73))
        }
    }
}
