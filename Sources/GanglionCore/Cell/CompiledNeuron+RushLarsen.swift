import Foundation

extension CompiledNeuron {
    /// Tables of the Hodgkin–Huxley gates' x∞(V) and decay factors e^(−h/(k τ_x(V))) for steps of `h` ms:
    /// per such channel, in model order, m∞ (for a calcium-gated m∞ = a(V) b(Ca), a(V); none when it does
    /// not factor), m's decay, then h∞ and h's decay; and as constants the decays e^(−h/τ) of τ_Ca, τ_g
    /// and the controller's pool and membrane. Nil when no channel has tabulatable gates.
    public func makeGateTable(step h: Double) -> GateTable? {
        let tabulated = slots.filter(\.hodgkinHuxley)
        let columns = tabulated.reduce(0) { $0 + ($1.calciumGated && !$1.calciumFactorized ? 1 : 2) + ($1.q > 0 ? 2 : 0) }
        guard columns > 0 else { return nil }
        // Decays of the constant time constants: τ_Ca, the homeostatic τ_g, the controller's pool 1/(α + β)
        // and membrane 1/α.
        let m = modulation
        let constants: [Double] = [exp(-h / calcium.tau), exp(-h / tauG), m.map { exp(-h * ($0.alpha + $0.beta)) } ?? 1.0,
                         m.map { exp(-h * $0.alpha) } ?? 1.0]
        return GateTable(columns: columns, constants: constants) { V, out in
            var c = 0
            for s in tabulated {
                let r = s.channel.gateRates(V: V, calcium: 1)
                let k = Dual(s.context.tauScale)
                if !s.calciumGated {
                    out[c] = r.mInf; c += 1
                } else if s.calciumFactorized {
                    out[c] = r.mInf / Dual(s.channel.activationCalciumFactor(1)!); c += 1   // a(V) = m∞(V, 1)/b(1)
                }
                out[c] = Dual.exp(Dual(-h) / (k * r.tauM)); c += 1
                if s.q > 0 {
                    out[c] = r.hInf
                    out[c + 1] = Dual.exp(Dual(-h) / (k * r.tauH))
                    c += 2
                }
            }
        }
    }

    /// m∞ of a gate update from the table's columns at calcium Ca.
    @inline(__always)
    func steadyState(_ g: GateUpdate, column: UnsafeMutablePointer<Double>, V: Double, calcium Ca: Double) -> Double {
        if g.inf < 0 { return slots[g.slot].channel.activationSteadyState(V: V, calcium: Ca) }
        return g.calciumFactor ? column[g.inf] * slots[g.slot].channel.activationCalciumFactor(Ca)! : column[g.inf]
    }

    /// Advances every stage-0 state (channel states, controller, homeostasis) by one step h in place, the
    /// Hodgkin–Huxley gates from `table` (made by `makeGateTable(step:)` for this h). Outside the table's
    /// voltage range every state is computed exactly. `work`: 2·dimension + table.columns doubles.
    public func advanceStates(_ y: UnsafeMutablePointer<Double>, step h: Double, table: GateTable,
                              work: UnsafeMutablePointer<Double>) {
        let column = work + 2 * dimension
        let V = y[0], Ca = y[1]
        guard table.evaluate(V, into: column) else { return advanceStatesExactly(y, step: h, work: work) }
        if !everyStageZeroStateTabulated { advanceUntabulatedStates(y, step: h, table: table, work: work) }
        gateUpdates.withUnsafeBufferPointer { updates in
            for g in updates {
                let xInf = steadyState(g, column: column, V: V, calcium: Ca)
                y[g.state] = xInf + (y[g.state] - xInf) * column[g.decay]
            }
        }
    }

    /// Advances the stage-0 states that are not Hodgkin–Huxley gates (kinetic schemes, controller,
    /// homeostasis) by one step h in place, from the state at the start of the step (they do not depend
    /// on the gates). `work`: 2·dimension doubles.
    func advanceUntabulatedStates(_ y: UnsafeMutablePointer<Double>, step h: Double, table: GateTable,
                                  work: UnsafeMutablePointer<Double>) {
        let inf = work, tau = work + dimension
        stateLinearForm(y, steadyState: inf, timeConstant: tau, includingTabulated: false)
        for s in slots where !s.hodgkinHuxley {
            for i in s.offset..<(s.offset + s.stateCount) { y[i] = rushLarsen(y[i], steadyState: inf[i], timeConstant: tau[i], step: h) }
        }
        // The controller's and homeostasis' time constants are constants (see `stateLinearForm`): their decays
        // come with the table; z and m move at a constant rate.
        let k = table.constants
        @inline(__always) func decay(_ i: Int, _ factor: Double) { y[i] = inf[i] + (y[i] - inf[i]) * factor }
        for x in modulated {
            decay(x.poolIndex, k[2])
            decay(x.gbarIndex, k[3])
            y[x.zIndex] += h * inf[x.zIndex]
        }
        for r in regulated where !r.frozen {
            y[r.mIndex] += h * inf[r.mIndex]
            decay(r.gbarIndex, k[1])
        }
    }

    /// Advances every stage-0 state by one step h in place from the exact rates (no table).
    /// `work`: 2·dimension doubles.
    public func advanceStatesExactly(_ y: UnsafeMutablePointer<Double>, step h: Double, work: UnsafeMutablePointer<Double>) {
        let inf = work, tau = work + dimension
        stateLinearForm(y, steadyState: inf, timeConstant: tau, includingTabulated: true)
        for i in 2..<dimension { y[i] = rushLarsen(y[i], steadyState: inf[i], timeConstant: tau[i], step: h) }
    }

    /// Advances V and Ca by one step h in place, with the gates already at the end of the step:
    /// V∞ = (Σ g E + I_app)/Σ g, τ_V = C/Σ g (ms); Ca∞ = Ca_rest − f I_Ca, τ_Ca; `calciumDecay` is
    /// e^(−h/τ_Ca) when known. `scratch`: maxStates + 1 doubles.
    @inline(__always)
    public func advanceMembrane(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, calciumDecay: Double? = nil,
                                scratch: UnsafeMutablePointer<Double>) {
        let (gTotal, gE, iCa) = membraneConductances(y, scratch: scratch)
        advanceMembrane(t, y, step: h, gTotal: gTotal, gE: gE, iCa: iCa, calciumDecay: calciumDecay ?? exp(-h / calcium.tau))
    }

    /// V and Ca over one step h from the membrane's Σ g, Σ g E and calcium current at the end of the step.
    @inline(__always)
    func advanceMembrane(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double,
                         gTotal: Double, gE: Double, iCa: Double, calciumDecay: Double) {
        let vInf = (gE + appliedCurrent(at: t)) / gTotal
        y[0] = vInf + (y[0] - vInf) * exp(-h * gTotal / capacitance)
        let caInf = calcium.rest - calcium.influx * iCa
        y[1] = caInf + (y[1] - caInf) * calciumDecay
    }

    /// One whole step from the table, gates and membrane in one pass: each Hodgkin–Huxley gate is advanced
    /// and its channel's conductance added to Σ g at once (the other stage-0 states first: they do not
    /// depend on the gates), then V and Ca. Equal to `advanceStates` then `advanceMembrane` up to rounding.
    /// `work`: 2·dimension + table.columns doubles (and ≥ maxStates + 1).
    @inline(__always)
    func tabulatedStep(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, table: GateTable,
                       work: UnsafeMutablePointer<Double>) {
        let column = work + 2 * dimension
        let V = y[0], Ca = y[1]
        guard table.evaluate(V, into: column) else {
            advanceStatesExactly(y, step: h, work: work)
            return advanceMembrane(t, y, step: h, calciumDecay: table.calciumDecay, scratch: work)
        }
        if !everyStageZeroStateTabulated { advanceUntabulatedStates(y, step: h, table: table, work: work) }
        let gl = leak(y)
        var gTotal = gl, gE = gl * eLeak, iCa = 0.0
        membraneTerms.withUnsafeBufferPointer { terms in
            for m in terms {
                let open: Double
                if m.hodgkinHuxley {
                    let mInf = m.mInf < 0 ? m.channel.activationSteadyState(V: V, calcium: Ca)
                        : (m.calciumFactor ? column[m.mInf] * m.channel.activationCalciumFactor(Ca)! : column[m.mInf])
                    let x = mInf + (y[m.offset] - mInf) * column[m.mDecay]
                    y[m.offset] = x
                    var o = integerPower(x, m.p)
                    if m.hDecay >= 0 {
                        let hInf = column[m.hInf]
                        let z = hInf + (y[m.offset + 1] - hInf) * column[m.hDecay]
                        y[m.offset + 1] = z
                        o *= integerPower(z, m.q)
                    }
                    open = o
                } else {
                    open = m.channel.openFraction(V: V, states: y + m.offset, context: m.context, dOpen: work)
                }
                let g = (m.gbarState >= 0 ? max(y[m.gbarState], 0) * m.scale : m.gbar) * open
                gTotal += g
                gE += g * m.reversal
                if m.carriesCalcium { iCa += g * (V - m.reversal) }
            }
        }
        advanceMembrane(t, y, step: h, gTotal: gTotal, gE: gE, iCa: iCa, calciumDecay: table.calciumDecay)
    }

    /// Tables for steps of h ms (one cell), or nil when no channel has tabulatable gates.
    public func makeRateTables(step h: Double) -> RateTables? {
        makeGateTable(step: h).map { RateTables(step: h, cells: [$0]) }
    }

    /// One step: the gates from `tables`, then V and Ca.
    public func rushLarsenStep(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, tables: RateTables,
                               work: UnsafeMutablePointer<Double>) {
        rushLarsenSteps(t, y, step: h, count: 1, tables: tables, work: work)
    }

    /// `count` steps from t: one pass per step through the table (`tabulatedStep`).
    public func rushLarsenSteps(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, count: Int,
                                tables: RateTables, work: UnsafeMutablePointer<Double>) {
        guard let table = tables.first else {
            for j in 0..<count {
                advanceStatesExactly(y, step: h, work: work)
                advanceMembrane(t + Double(j) * h, y, step: h, scratch: work)
            }
            return
        }
        for j in 0..<count { tabulatedStep(t + Double(j) * h, y, step: h, table: table, work: work) }
    }
}

extension CompiledNeuron {
    /// Cells with equal keys have equal gate tables: the same Hodgkin–Huxley channel types (not just names:
    /// STG and DA both have a `Kd`) with the same kinetics modifiers, and the same constant decays (τ_Ca, τ_g,
    /// the controller's α and β).
    public var gateTableKey: String {
        let channels = slots.filter(\.hodgkinHuxley).map {
            "\(ObjectIdentifier($0.channel)):\($0.context.tauScale):\($0.context.magnesium)"
        }
        let constants = [calcium.tau, tauG, modulation?.alpha ?? .nan, modulation?.beta ?? .nan].map { "\($0.bitPattern)" }
        return (channels + constants).joined(separator: ",")
    }
}

extension GateTable {
    /// A neuron's calcium decay e^(−h/τ_Ca), the first of the constants `makeGateTable(step:)` keeps.
    @inline(__always) var calciumDecay: Double { constants[0] }
}
