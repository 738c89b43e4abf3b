import Foundation

/// A Hodgkin–Huxley channel declared as data (a channel file): I = ḡ m^p h^q (V − E), each gate with a
/// steady state x∞ and a time constant τ_x given as `Formula`s (from α/β rates: x∞ = α/(α + β),
/// τ_x = 1/(α + β)). Every kernel — the right-hand side, the exact Jacobian by dual numbers, the
/// exponential-Euler form, the rate tables, the DIC terms — comes from `HodgkinHuxleyChannel`.
///
/// `init` checks the channel over a voltage and calcium range: gates in [0, 1], time constants finite and
/// positive; a violation throws `DeclaredChannel.Violation` with the voltage and calcium.
public final class DeclaredChannel: HodgkinHuxleyChannel {
    /// One gate: x∞ (dimensionless) and τ_x (ms) as formulas of V (and, for the activation, Ca).
    public struct Gate: Sendable, Hashable {
        /// The gate's exponent (p for the activation, q for the inactivation), ≥ 1.
        public var exponent: Int
        /// x∞(V[, Ca]), dimensionless.
        public var steadyState: Formula
        /// τ_x(V) (ms).
        public var timeConstant: Formula
        /// A gate with exponent `exponent`, x∞ `steadyState` and τ_x `timeConstant` (ms).
        public init(exponent: Int, steadyState: Formula, timeConstant: Formula) {
            self.exponent = exponent
            self.steadyState = steadyState
            self.timeConstant = timeConstant
        }
        /// A gate from its opening and closing rates α(V) and β(V) (1/ms): x∞ = α/(α + β), τ_x = 1/(α + β).
        public init(exponent: Int, alpha: Formula, beta: Formula) {
            self.init(exponent: exponent, steadyState: .divide(alpha, .add(alpha, beta)),
                      timeConstant: .divide(.constant(1), .add(alpha, beta)))
        }
    }

    /// Why a declared channel is refused: which function, the value, and where.
    public struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        /// The gate (`m`, `h`) and function (`inf`, `tau`): e.g. `m.tau`.
        public var function: String
        /// The offending value.
        public var value: Double
        /// Membrane potential (mV) and calcium (model units) at which it occurs.
        public var voltage: Double, calcium: Double
        /// What is wrong.
        public var reason: String
        public var description: String {
            "\(function) = \(value) at V = \(voltage) mV\(calciumDependent ? ", Ca = \(calcium)" : ""): \(reason)"
        }
        /// Whether the function depends on Ca (the message then gives it).
        public var calciumDependent: Bool
    }

    public let name: String
    public let ion: Ion
    /// The activation gate m.
    public let activation: Gate
    /// The inactivation gate h, or nil.
    public let inactivation: Gate?
    /// A reversal potential fixed by the channel (mV), or nil when the cell's reversal for `ion` applies.
    public let fixedReversal: Double?
    public let calciumGated: Bool
    /// b(Ca) when m∞ factors as a(V) b(Ca).
    let calciumFactor: CalciumFactor?
    public let kineticsIdentity: String
    /// The gating functions compiled (m∞, τ_m, h∞, τ_h).
    let mInfProgram: FormulaProgram, tauMProgram: FormulaProgram
    let hInfProgram: FormulaProgram?, tauHProgram: FormulaProgram?
    /// m∞, τ_m, h∞ and τ_h in one program (h∞ = τ_h = 1 without inactivation).
    let ratesProgram: FormulaProgram
    /// The `GateForm` of m∞, τ_m, h∞ and τ_h when it has one: those are evaluated directly.
    let mInfForm: GateForm?, tauMForm: GateForm?, hInfForm: GateForm?, tauHForm: GateForm?
    /// The rates without a `GateForm`, in order, in one program; nil when every rate has a form.
    let remainderProgram: FormulaProgram?

    /// b(Ca) of a factoring m∞, evaluated at every step: the Michaelis–Menten form Ca/(Ca + K) directly,
    /// any other through its program.
    enum CalciumFactor: Sendable {
        case michaelisMenten(K: Double)
        case program(FormulaProgram)

        init(_ b: Formula) {
            var f = b
            if case .divide(.multiply(.constant(1), let x), let d) = f { f = .divide(x, d) }
            if case .divide(.calcium, .add(.calcium, .constant(let K))) = f {
                self = .michaelisMenten(K: K)
            } else {
                self = .program(FormulaProgram(b))
            }
        }
        @inline(__always) func callAsFunction(_ Ca: Double) -> Double {
            switch self {
            case .michaelisMenten(let K): return Ca / (Ca + K)
            case .program(let p): return p(V: 0, Ca: Ca)
            }
        }
    }

    public let activationExponent: Int
    public let inactivationExponent: Int

    /// The voltage range (mV) over which `init` checks a channel, every 0.1 mV.
    public static let checkedVoltages: ClosedRange<Double> = -100...60

    /// A declared channel, checked over `checkedVoltages` and the calcium values `calciumRange` (model
    /// units; log-spaced, with its ends): x∞ in [0, 1], τ_x finite and > 0.
    public init(name: String, ion: Ion, fixedReversal: Double? = nil, activation: Gate, inactivation: Gate? = nil,
                calciumRange: ClosedRange<Double> = 0...100) throws(Violation) {
        self.name = name
        self.ion = ion
        self.fixedReversal = fixedReversal
        self.activation = Gate(exponent: activation.exponent, steadyState: activation.steadyState.folded,
                               timeConstant: activation.timeConstant.folded)
        self.inactivation = inactivation.map {
            Gate(exponent: $0.exponent, steadyState: $0.steadyState.folded, timeConstant: $0.timeConstant.folded)
        }
        calciumGated = self.activation.steadyState.dependsOnCalcium
        if calciumGated, let b = self.activation.steadyState.calciumFactor, b(V: 0, Ca: 1).isFinite, b(V: 0, Ca: 1) != 0 {
            calciumFactor = CalciumFactor(b.folded)
        } else {
            calciumFactor = nil
        }
        mInfProgram = FormulaProgram(self.activation.steadyState)
        tauMProgram = FormulaProgram(self.activation.timeConstant)
        hInfProgram = self.inactivation.map { FormulaProgram($0.steadyState) }
        tauHProgram = self.inactivation.map { FormulaProgram($0.timeConstant) }
        let rates = [self.activation.steadyState, self.activation.timeConstant,
                     self.inactivation?.steadyState ?? .constant(1), self.inactivation?.timeConstant ?? .constant(1)]
        ratesProgram = FormulaProgram(outputs: rates)
        let forms = rates.map { GateForm($0) }
        (mInfForm, tauMForm, hInfForm, tauHForm) = (forms[0], forms[1], forms[2], forms[3])
        activationExponent = activation.exponent
        inactivationExponent = inactivation?.exponent ?? 0
        let remainder = zip(rates, forms).filter { $1 == nil }.map(\.0)
        remainderProgram = remainder.isEmpty ? nil : FormulaProgram(outputs: remainder)
        kineticsIdentity = "declared:\(name):\(self.activation):\(String(describing: self.inactivation))"
        try check(calciumRange: calciumRange)
    }

    private func check(calciumRange: ClosedRange<Double>) throws(Violation) {
        var calcium = [calciumRange.lowerBound, calciumRange.upperBound]
        let low = max(calciumRange.lowerBound, 1e-3 * max(calciumRange.upperBound, 1e-12))
        for k in 0...20 { calcium.append(low * pow(calciumRange.upperBound / low, Double(k) / 20)) }
        calcium = calcium.filter(calciumRange.contains).sorted()
        // Per gate: its name, x∞ and τ programs, and the calcium values x∞ is checked at (one unless it reads Ca).
        var gates: [(String, inf: FormulaProgram, tau: FormulaProgram, calcium: [Double])] =
            [("m", mInfProgram, tauMProgram, calciumGated ? calcium : [calcium[0]])]
        if let hInf = hInfProgram, let tauH = tauHProgram { gates.append(("h", hInf, tauH, [calcium[0]])) }
        for i in 0...1600 {
            let V = (10 * Self.checkedVoltages.lowerBound + Double(i)) / 10   // exact tenths of a mV
            for (g, inf, tauProgram, calciumValues) in gates {
                for Ca in calciumValues {
                    let x = inf(V: V, Ca: Ca)
                    guard x.isFinite, x >= 0, x <= 1 else {
                        throw Violation(function: "\(g).inf", value: x, voltage: V, calcium: Ca, reason: "a steady state must lie in [0, 1]",
                                        calciumDependent: calciumValues.count > 1)
                    }
                }
                let tau = tauProgram(V: V, Ca: calcium[0])
                guard tau.isFinite, tau > 0 else {
                    throw Violation(function: "\(g).tau", value: tau, voltage: V, calcium: calcium[0],
                                    reason: "a time constant must be finite and > 0 ms", calciumDependent: false)
                }
            }
        }
    }

    // Each rate with a `GateForm` is evaluated by it (the program's value, bit for bit), the others by their program.
    public func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { mInfForm?.evaluate(V, calcium: Ca) ?? mInfProgram.evaluate(V: V, Ca: Ca) }
    public func tauM<T: GateScalar>(_ V: T) -> T { tauMForm?.evaluate(V) ?? tauMProgram.evaluate(V: V, Ca: T(0)) }
    public func hInf<T: GateScalar>(_ V: T) -> T { hInfForm?.evaluate(V) ?? hInfProgram?.evaluate(V: V, Ca: T(0)) ?? 1 }
    public func tauH<T: GateScalar>(_ V: T) -> T { tauHForm?.evaluate(V) ?? tauHProgram?.evaluate(V: V, Ca: T(0)) ?? 1 }
    public func activationCalciumFactor(_ Ca: Double) -> Double? { calciumFactor?(Ca) }
    /// m∞ (at Ca), τ_m, h∞ and τ_h at a dual-number V: the rates with a `GateForm` directly, the others in one
    /// pass of one program (the same values as `ratesProgram`'s, bit for bit).
    public func gateRates(V: Dual, calcium Ca: Double) -> (mInf: Dual, tauM: Dual, hInf: Dual, tauH: Dual) {
        if remainderProgram == nil, let m = mInfForm, let tm = tauMForm, let h = hInfForm, let th = tauHForm {
            return (m.evaluate(V, calcium: Dual(Ca)), tm.evaluate(V), h.evaluate(V), th.evaluate(V))
        }
        return remainderProgram!.evaluate(V: V, Ca: Dual(Ca)) { r in
            var k = 0
            func rate(_ form: GateForm?) -> Dual {
                if let form { return form.evaluate(V, calcium: Dual(Ca)) }
                k += 1
                return r[k - 1]
            }
            return (rate(mInfForm), rate(tauMForm), rate(hInfForm), rate(tauHForm))
        }
    }
}
