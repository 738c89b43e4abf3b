/// Namespace for the stomatogastric (STG) channel family: Liu, Golowasch, Marder & Abbott,
/// J Neurosci 1998, as used by Fyon & Drion (Docs/science/models.md §2–§3).
public enum STG {}

extension STG {
    /// Fast sodium current I_Na = ḡ_Na m³ h (V − E_Na). Liu et al. 1998.
    public enum Na: IonChannel {
        public static let name = "Na"
        public static let ion = Ion.sodium
        public static let activationExponent = 3
        public static let inactivationExponent = 1
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { boltzmann(V, 25.5, -5.29) }
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T { sigmoidTau(V, 1.32, 1.26, 120, -25) }
        @inlinable public static func hInf<T: GateScalar>(_ V: T) -> T { boltzmann(V, 48.9, 5.18) }
        @inlinable public static func tauH<T: GateScalar>(_ V: T) -> T {
            (0.67 / (1 + T.exp((V + 62.9) / -10))) * (1.5 + 1 / (1 + T.exp((V + 34.9) / 3.6)))
        }
    }
}
