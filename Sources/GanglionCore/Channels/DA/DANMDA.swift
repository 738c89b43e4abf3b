extension DA {
    /// NMDA current I_NMDA = ḡ_NMDA N∞(V) (V − E_NMDA), E_NMDA = 0 mV, with the instantaneous magnesium
    /// block N∞(V) = 1 / (1 + Mg e^{−0.08 V} / 10) (Mg in mM, default 1.4). No state; fully fast for DICs.
    public enum NMDA: IonChannel {
        public static let name = "NMDA"
        public static let ion = Ion.nonspecific
        public static let activationExponent = 1
        public static let stateCount = 0
        public static let stateNames: [String] = []
        public static let tabulatesRates = false

        /// The magnesium block at magnesium `Mg` (mM).
        @inlinable public static func block<T: GateScalar>(_ V: T, magnesium Mg: Double) -> T {
            1 / (1 + T(Mg / 10) * T.exp(-0.08 * V))
        }
        /// N∞(V) at the default Mg = 1.4 mM (cells use their own Mg through the kernels).
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { block(V, magnesium: 1.4) }
        /// Instantaneous.
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T { 0 }

        public static func initialStates(V: Double, calcium Ca: Double, context: ChannelContext, into s: UnsafeMutablePointer<Double>) {}
        @inlinable
        public static func stateDerivatives(V: Double, calcium Ca: Double, states: UnsafePointer<Double>,
                                            context: ChannelContext, into d: UnsafeMutablePointer<Double>) -> Double {
            block(V, magnesium: context.magnesium)
        }
        public static func linearForm(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                      inf: UnsafeMutablePointer<Double>, tau: UnsafeMutablePointer<Double>) {}
        @inlinable
        public static func openFraction(V: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                        dOpen: UnsafeMutablePointer<Double>) -> Double {
            let n = block(Dual.variable(V), magnesium: context.magnesium)
            dOpen[0] = n.derivative
            return n.value
        }
        public static func stateJacobian(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                         dV: UnsafeMutablePointer<Double>, dCa: UnsafeMutablePointer<Double>,
                                         dLocal: UnsafeMutablePointer<Double>) {}
        public static func dicTerms(V: Double, calcium Ca: Double, context: ChannelContext) -> (open: Double, gates: DICGates) {
            let n = block(Dual.variable(V), magnesium: context.magnesium)
            return (n.value, DICGates(DICGate(openSlope: 1, voltageSlope: n.derivative, tau: 0)))
        }
        @inlinable
        public static func steadyOpenFraction<T: GateScalar>(_ V: T, calcium Ca: T, context: ChannelContext) -> T {
            block(V, magnesium: context.magnesium)
        }
    }
}
