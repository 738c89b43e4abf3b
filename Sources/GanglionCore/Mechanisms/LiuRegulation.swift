import Foundation

/// Activity-dependent regulation of maximal conductances by three calcium sensors (Liu, Golowasch,
/// Marder & Abbott 1998, J Neurosci 18:2309, eq. 3 and Tables 1–2; Docs/science/controllers.md §7).
/// The fast (F), slow (S) and DC (D) sensors (`CalciumSensor`) read the calcium current; every regulated
/// conductance i follows its own weighted sensor errors:
///
///     τ dḡ_i/dt = [A_i (F̄ − F) + B_i (S̄ − S) + C_i (D̄ − D)] ḡ_i
///
/// ḡ_i stays positive (the regulation is multiplicative). Paper values: τ = 5 s, F̄ = S̄ = D̄ = 0.1, and
/// the coefficients of `liu1998Coefficients`. A blocked conductance keeps being regulated: the block scales
/// its current, not its expression.
///
/// States: `F.M`, `F.H`, `S.M`, `S.H`, `D.M` (dimensionless), then `<channel>.gbar` (mS/cm²) per regulated
/// conductance. The sensors start at their steady state for the calcium current of the cell at rest.
public struct LiuRegulation: CellMechanism, Equatable {
    /// A regulated conductance and its coefficients A, B, C on the fast, slow and DC sensor errors.
    public struct Rule: Sendable, Equatable {
        public var conductance: String
        public var a: Double, b: Double, c: Double
        public init(_ conductance: String, a: Double, b: Double, c: Double) {
            self.conductance = conductance
            self.a = a
            self.b = b
            self.c = c
        }
    }

    /// Table 1 of Liu et al. (1998): (A, B, C) for the seven STG conductances.
    public static let liu1998Coefficients: [Rule] = [
        Rule("Na", a: 1, b: 0, c: 0), Rule("CaT", a: 0, b: 1, c: 0), Rule("CaS", a: 0, b: 1, c: 0),
        Rule("A", a: 0, b: -1, c: -1), Rule("KCa", a: 0, b: -1, c: -1), Rule("Kd", a: 1, b: -1, c: 0),
        Rule("H", a: 0, b: 1, c: 1),
    ]

    public let name = "liu"
    /// The three sensors.
    public var fast: CalciumSensor, slow: CalciumSensor, dc: CalciumSensor
    /// Targets F̄, S̄, D̄ (dimensionless).
    public var targets: (fast: Double, slow: Double, dc: Double)
    /// τ (ms).
    public var tau: Double
    /// The regulated conductances, in order.
    public var rules: [Rule]

    /// The paper's regulation of `conductances` (default: the seven of Table 1).
    public init(rules: [Rule] = LiuRegulation.liu1998Coefficients, tau: Double = 5000,
                targets: (fast: Double, slow: Double, dc: Double) = (0.1, 0.1, 0.1),
                fast: CalciumSensor = .fast, slow: CalciumSensor = .slow, dc: CalciumSensor = .dc) {
        self.rules = rules
        self.tau = tau
        self.targets = targets
        self.fast = fast
        self.slow = slow
        self.dc = dc
    }

    public static func == (l: LiuRegulation, r: LiuRegulation) -> Bool {
        l.fast == r.fast && l.slow == r.slow && l.dc == r.dc && l.tau == r.tau && l.rules == r.rules
            && l.targets.fast == r.targets.fast && l.targets.slow == r.targets.slow && l.targets.dc == r.targets.dc
    }

    /// Offsets of the sensors' first states, and of the first ḡ.
    private var slowOffset: Int { fast.stateCount }
    private var dcOffset: Int { fast.stateCount + slow.stateCount }
    private var gbarOffset: Int { dcOffset + dc.stateCount }

    public var states: [MechanismState] {
        func sensor(_ n: String, _ s: CalciumSensor) -> [MechanismState] {
            [MechanismState(name: "\(n).M", unit: "1", absoluteTolerance: 1e-6, fixedTimeConstant: s.activationTau)]
                + (s.stateCount == 2 ? [MechanismState(name: "\(n).H", unit: "1", absoluteTolerance: 1e-6, fixedTimeConstant: s.inactivationTau)] : [])
        }
        return sensor("F", fast) + sensor("S", slow) + sensor("D", dc)
            + rules.map { MechanismState(name: "\($0.conductance).gbar", unit: "mS/cm²", absoluteTolerance: 1e-6) }
    }

    public var drivenConductances: [DrivenConductance] {
        rules.enumerated().map { DrivenConductance(conductance: $1.conductance, state: gbarOffset + $0) }
    }

    public func validate(for neuron: NeuronDescription) throws(ModelError) {
        guard tau.isFinite, tau > 0 else { throw .invalidValue(field: "liu.tau", value: tau, reason: "must be > 0") }
        for (n, v) in [("F", targets.fast), ("S", targets.slow), ("D", targets.dc)] where !v.isFinite {
            throw .invalidValue(field: "liu.targets.\(n)", value: v, reason: "must be finite")
        }
        try fast.validate(field: "liu.sensors.F")
        try slow.validate(field: "liu.sensors.S")
        try dc.validate(field: "liu.sensors.D")
        guard !rules.isEmpty else { throw .invalidValue(field: "liu.regulate", value: 0, reason: "no conductance to regulate") }
        var seen = Set<String>()
        for r in rules {
            guard neuron.gbar(r.conductance) != nil else {
                throw .invalidValue(field: "liu.regulate.\(r.conductance)", value: .nan,
                                    reason: "no such conductance (the cell has \(neuron.conductanceNames.joined(separator: ", ")))")
            }
            guard seen.insert(r.conductance).inserted else {
                throw .invalidValue(field: "liu.regulate.\(r.conductance)", value: .nan, reason: "listed twice")
            }
            for (n, v) in [("A", r.a), ("B", r.b), ("C", r.c)] where !v.isFinite {
                throw .invalidValue(field: "liu.regulate.\(r.conductance).\(n)", value: v, reason: "must be finite")
            }
            let g = neuron.gbar(r.conductance)!
            guard g > 0 else {
                throw .invalidValue(field: "liu.regulate.\(r.conductance)", value: g,
                                    reason: "a regulated conductance must start above 0 (the regulation is multiplicative: 0 stays 0)")
            }
        }
    }

    /// Calls `body` with each sensor and the offset of its first state (F, S, D).
    @inline(__always) private func eachSensor(_ body: (Int, CalciumSensor) -> Void) {
        body(0, fast)
        body(slowOffset, slow)
        body(dcOffset, dc)
    }

    /// I = I_Ca/C (nA/nF).
    @inline(__always) private func input(_ s: CellSignals) -> Double { s.calciumCurrent / s.capacitance }

    public func initialStates(_ neuron: NeuronDescription, signals: CellSignals, into x: MechanismStates) {
        let i = input(signals)
        eachSensor { o, s in
            x[o] = s.activation(i)
            if s.stateCount == 2 { x[o + 1] = s.inactivation(i) }
        }
        for (k, r) in rules.enumerated() { x[gbarOffset + k] = neuron.gbar(r.conductance)! }
    }

    /// The bracket A_i (F̄ − F) + B_i (S̄ − S) + C_i (D̄ − D) for each rule is built from these errors.
    @inline(__always) private func errors(_ x: MechanismStates) -> (Double, Double, Double) {
        let (f, s, d) = sensorValues(x)
        return (targets.fast - f, targets.slow - s, targets.dc - d)
    }

    /// The sensor values F, S and D, with their targets F̄, S̄, D̄.
    public var readouts: [MechanismReadout] {
        [MechanismReadout(name: "F", unit: "1", target: targets.fast), MechanismReadout(name: "S", unit: "1", target: targets.slow),
         MechanismReadout(name: "D", unit: "1", target: targets.dc)]
    }

    public func readoutValues(_ x: MechanismStates, into out: UnsafeMutablePointer<Double>) {
        (out[0], out[1], out[2]) = sensorValues(x)
    }

    /// The sensor values F, S, D at states x.
    public func sensorValues(_ x: MechanismStates) -> (fast: Double, slow: Double, dc: Double) {
        (fast.value(x, at: 0), slow.value(x, at: slowOffset), dc.value(x, at: dcOffset))
    }

    public func derivatives(_ x: MechanismStates, signals: CellSignals, into dx: MechanismStates) {
        let i = input(signals)
        eachSensor { o, s in
            dx[o] = (s.activation(i) - x[o]) / s.activationTau
            if s.stateCount == 2 { dx[o + 1] = (s.inactivation(i) - x[o + 1]) / s.inactivationTau! }
        }
        let (eF, eS, eD) = errors(x)
        rules.withUnsafeBufferPointer { list in   // in place: a Rule holds its conductance's name
            for k in 0..<list.count {
                dx[gbarOffset + k] = (list[k].a * eF + list[k].b * eS + list[k].c * eD) * x[gbarOffset + k] / tau
            }
        }
    }

    public func jacobian(_ x: MechanismStates, signals: CellSignals,
                         dStates: UnsafeMutablePointer<Double>, dSignals: UnsafeMutablePointer<Double>) {
        let n = gbarOffset + rules.count
        dStates.update(repeating: 0, count: n * n)
        dSignals.update(repeating: 0, count: n * 3)
        let i = input(signals)
        // Sensor rows: ∂/∂(own state) = −1/τ; ∂/∂I_Ca = (dX∞/dI)/(τ C), with dM∞/dI = −M∞(1 − M∞) and
        // dH∞/dI = H∞(1 − H∞).
        eachSensor { o, s in
            let m = s.activation(i)
            dStates[o * n + o] = -1 / s.activationTau
            dSignals[o * 3 + 2] = -m * (1 - m) / (s.activationTau * signals.capacitance)
            if s.stateCount == 2 {
                let h = s.inactivation(i), tauH = s.inactivationTau!
                dStates[(o + 1) * n + o + 1] = -1 / tauH
                dSignals[(o + 1) * 3 + 2] = h * (1 - h) / (tauH * signals.capacitance)
            }
        }
        // ḡ rows: ∂/∂ḡ_i = bracket/τ; ∂/∂(sensor state) = −coefficient · ∂(G M² H)/∂state · ḡ_i/τ.
        let (eF, eS, eD) = errors(x)
        for (k, r) in rules.enumerated() {
            let row = (gbarOffset + k) * n, g = x[gbarOffset + k]
            dStates[row + gbarOffset + k] = (r.a * eF + r.b * eS + r.c * eD) / tau
            func sensorTerms(_ o: Int, _ s: CalciumSensor, _ w: Double) {
                let h = s.stateCount == 2 ? x[o + 1] : 1
                dStates[row + o] = -w * s.gain * 2 * x[o] * h * g / tau
                if s.stateCount == 2 { dStates[row + o + 1] = -w * s.gain * x[o] * x[o] * g / tau }
            }
            sensorTerms(0, fast, r.a)
            sensorTerms(slowOffset, slow, r.b)
            sensorTerms(dcOffset, dc, r.c)
        }
    }

    public func linearForm(_ x: MechanismStates, signals: CellSignals, steadyState: MechanismStates, timeConstant: MechanismStates) {
        let i = input(signals)
        eachSensor { o, s in
            steadyState[o] = s.activation(i)
            timeConstant[o] = s.activationTau
            if s.stateCount == 2 {
                steadyState[o + 1] = s.inactivation(i)
                timeConstant[o + 1] = s.inactivationTau!
            }
        }
        // dḡ/dt = (bracket/τ) ḡ: exponential relaxation to 0 (bracket < 0) or growth (bracket > 0), exact
        // over the step with the sensors held.
        let (eF, eS, eD) = errors(x)
        rules.withUnsafeBufferPointer { list in
            for k in 0..<list.count {
                let rate = (list[k].a * eF + list[k].b * eS + list[k].c * eD) / tau
                steadyState[gbarOffset + k] = 0
                timeConstant[gbarOffset + k] = rate == 0 ? .infinity : -1 / rate
            }
        }
    }
}
