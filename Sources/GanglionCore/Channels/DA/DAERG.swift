extension DA {
    /// ERG potassium current I_ERG = ḡ_ERG o (V − E_K), E_K = −85 mV, from a three-state kinetic scheme
    /// (closed c = 1 − o − i, open o, inactivated i):
    ///
    ///     do/dt = a0 (1 − o − i) + b_i i − o (a_i + b0),   di/dt = a_i o − b_i i
    ///     a0 = 0.0036 e^{0.0759 V}, b0 = 1.2523e−5 e^{−0.0671 V}, a_i = 0.1 e^{0.1189 V}, b_i = 0.003 e^{−0.0733 V}  (1/ms)
    ///
    /// Starts at o = i = 0. For DICs: o∞ = a0 b_i / (a0 (a_i + b_i) + b0 b_i), fully ultraslow (τ := 1e5 ms).
    /// A time-constant factor k divides every rate.
    public enum ERG: IonChannel {
        public static let name = "ERG"
        public static let ion = Ion.potassium
        public static let activationExponent = 1
        public static let stateCount = 2
        public static let stateNames = ["o", "i"]
        public static let coupledStates = true
        public static let tabulatesRates = false
        /// The time constant given to o for the DIC timescale weights (ms).
        public static let dicTau = 1e5

        @inlinable static func rates<T: GateScalar>(_ V: T) -> (a0: T, b0: T, ai: T, bi: T) {
            (0.0036 * T.exp(0.0759 * V), 1.2523e-5 * T.exp(-0.0671 * V), 0.1 * T.exp(0.1189 * V), 0.003 * T.exp(-0.0733 * V))
        }
        /// o∞(V) (the DIC steady state; Ca is ignored).
        @inlinable public static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T {
            let r = rates(V)
            return r.a0 * r.bi / (r.a0 * (r.ai + r.bi) + r.b0 * r.bi)
        }
        /// The DIC time constant (fully ultraslow).
        @inlinable public static func tauM<T: GateScalar>(_ V: T) -> T { T(dicTau) }

        public static func initialStates(V: Double, calcium Ca: Double, context: ChannelContext, into s: UnsafeMutablePointer<Double>) {
            s[0] = 0; s[1] = 0
        }
        @inlinable
        public static func stateDerivatives(V: Double, calcium Ca: Double, states: UnsafePointer<Double>,
                                            context: ChannelContext, into d: UnsafeMutablePointer<Double>) -> Double {
            let r = rates(V), o = states[0], i = states[1], k = context.tauScale
            d[0] = (r.a0 * (1 - o - i) + r.bi * i - o * (r.ai + r.b0)) / k
            d[1] = (r.ai * o - r.bi * i) / k
            return o
        }
        @inlinable
        public static func linearForm(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                      inf: UnsafeMutablePointer<Double>, tau: UnsafeMutablePointer<Double>) {
            let r = rates(V), o = states[0], i = states[1], k = context.tauScale
            let leave = r.a0 + r.ai + r.b0
            inf[0] = (r.a0 * (1 - i) + r.bi * i) / leave
            tau[0] = k / leave
            inf[1] = r.ai * o / r.bi
            tau[1] = k / r.bi
        }
        @inlinable
        public static func openFraction(V: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                        dOpen: UnsafeMutablePointer<Double>) -> Double {
            dOpen[0] = 1; dOpen[1] = 0; dOpen[2] = 0
            return states[0]
        }
        @inlinable
        public static func stateJacobian(V: Double, calcium Ca: Double, states: UnsafePointer<Double>, context: ChannelContext,
                                         dV: UnsafeMutablePointer<Double>, dCa: UnsafeMutablePointer<Double>,
                                         dLocal: UnsafeMutablePointer<Double>) {
            let r = rates(Dual.variable(V)), o = states[0], i = states[1], k = context.tauScale
            dV[0] = (r.a0.derivative * (1 - o - i) + r.bi.derivative * i - o * (r.ai.derivative + r.b0.derivative)) / k
            dV[1] = (r.ai.derivative * o - r.bi.derivative * i) / k
            dCa[0] = 0; dCa[1] = 0
            dLocal[0] = -(r.a0.value + r.ai.value + r.b0.value) / k
            dLocal[1] = (-r.a0.value + r.bi.value) / k
            dLocal[2] = r.ai.value / k
            dLocal[3] = -r.bi.value / k
        }
        public static func dicTerms(V: Double, calcium Ca: Double, context: ChannelContext) -> (open: Double, gates: DICGates) {
            let o = mInf(Dual.variable(V), calcium: Dual(Ca))
            return (o.value, DICGates(DICGate(openSlope: 1, voltageSlope: o.derivative, tau: dicTau * context.tauScale)))
        }
        @inlinable
        public static func steadyOpenFraction<T: GateScalar>(_ V: T, calcium Ca: T, context: ChannelContext) -> T {
            mInf(V, calcium: Ca)
        }
    }
}
