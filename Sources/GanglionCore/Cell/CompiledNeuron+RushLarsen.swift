import Foundation

extension CompiledNeuron {
    /// Tables of the Hodgkin–Huxley gates for steps of `h` ms (from `GateTableStore.shared` when this
    /// neuron's kinetics were tabulated for h before in the process), in the column layout of the step
    /// plan (`RushLarsenPlan`): per gate k (m then h per such channel, in model order) A = x∞(1 − d) in
    /// column k and d = e^(−h/(k τ_x(V))) in column G + k. For a calcium-gated m∞ = a(V) b(Ca) the A column
    /// holds a(V)(1 − d); for one that does not factor, 0 (it is written at each step). Constants: the
    /// decays of τ_Ca and of the mechanisms' states with fixed time constants (`MechanismSteps.decays`).
    /// Nil when no channel has tabulatable gates.
    public func makeGateTable(step h: Double) -> GateTable? {
        guard stepPlan.columns > 0 else { return nil }
        return GateTableStore.shared.table(key: gateTableKey + ",step:\(h.bitPattern)") { buildGateTable(step: h) }
    }

    /// `makeGateTable(step:)` without the process's store.
    func buildGateTable(step h: Double) -> GateTable? {
        guard stepPlan.columns > 0 else { return nil }
        // Decays of the constant time constants: τ_Ca, then the mechanisms' fixed decays (`MechanismSteps.decays`).
        let constants: [Double] = [exp(-h / calcium.tau)] + mechanismSteps.decays.map { $0.factor(h) }
        return GateTable(columns: stepPlan.columns, constants: constants) { V, out in
            tabulateGates(V, out) { steadyState, tau in
                let d = Dual.exp(Dual(-h) / tau)
                return (steadyState * (1 - d), d)
            }
        }
    }

    /// Writes, per tabulated gate k in the step plan's order, the pair `columns(x∞, k τ_x)` at V (k τ_x in
    /// ms) to `out[k]` and `out[G + k]`. A calcium-gated m∞ = a(V) b(Ca) enters as a(V) = m∞(V, 1)/b(1), one
    /// that does not factor as 0.
    func tabulateGates(_ V: Dual, _ out: UnsafeMutablePointer<Dual>, _ columns: (Dual, Dual) -> (Dual, Dual)) {
        let gates = stepPlan.gates
        var k = 0
        for s in slots where s.hodgkinHuxley {
            let r = s.channel { $0.kinetics.gateRates(V: V, calcium: 1) }
            let scale = Dual(s.context.tauScale)
            let mInf = !s.calciumGated ? r.mInf
                : (s.calciumFactorized ? r.mInf / Dual(s.channel { $0.kinetics.activationCalciumFactor(1) }!) : Dual(0))
            (out[k], out[gates + k]) = columns(mInf, scale * r.tauM)
            k += 1
            if s.q > 0 {
                (out[k], out[gates + k]) = columns(r.hInf, scale * r.tauH)
                k += 1
            }
        }
    }

    /// Advances every Hodgkin–Huxley gate by x ← A + d x from the table's columns at V (the calcium-gated
    /// m∞ completed at Ca first) and returns Σ g, Σ g E and the calcium current of these conductances with
    /// the new gates.
    @inline(__always)
    func advanceGates(_ y: UnsafeMutablePointer<Double>, columns column: UnsafeMutablePointer<Double>, V: Double, calcium Ca: Double,
                      plan: RushLarsenPlan.Buffers) -> (Double, Double, Double) {
        let gates = plan.calciumGates.baseAddress
        for i in 0..<plan.calciumGates.count {   // through the pointer: the gates' channels are not copied
            if gates![i].factorized {
                column[gates![i].column] *= gates![i].channel { $0.kinetics.activationCalciumFactor(Ca) }!
            } else {
                column[gates![i].column] = gates![i].channel { $0.kinetics.activationSteadyState(V: V, calcium: Ca) } * (1 - column[gates![i].decay])
            }
        }
        plan.advanceGates(y, columns: column)
        var sum = MembraneSums()
        sum.add(plan, y, V: V)
        return (sum.gTotal, sum.gE, sum.iCa)
    }

    /// Advances every stage-0 state (channel states, mechanisms' states) by one step h in place, the
    /// Hodgkin–Huxley gates from `table` (made by `makeGateTable(step:)` for this h). Outside the table's
    /// voltage range every state is computed exactly. `work`: 2·dimension + table.columns doubles.
    public func advanceStates(_ y: UnsafeMutablePointer<Double>, step h: Double, table: GateTable,
                              work: UnsafeMutablePointer<Double>) {
        _ = advanceStatesAndSum(y, step: h, table: table, work: work)
    }

    /// Advances the stage-0 states that are not Hodgkin–Huxley gates (kinetic schemes, mechanisms' states)
    /// by one step h in place, from the state at the start of the step (they do not depend
    /// on the gates). `work`: 2·dimension doubles.
    func advanceUntabulatedStates(_ y: UnsafeMutablePointer<Double>, step h: Double, table: GateTable,
                                  work: UnsafeMutablePointer<Double>) {
        let inf = work, tau = work + dimension
        stateLinearForm(y, steadyState: inf, timeConstant: tau, includingTabulated: false)
        for s in slots where !s.hodgkinHuxley {
            for i in s.offset..<(s.offset + s.stateCount) { y[i] = rushLarsen(y[i], steadyState: inf[i], timeConstant: tau[i], step: h) }
        }
        // The mechanisms' states with fixed time constants take their decays from the table (a constant
        // rate for τ = ∞); the others step by their linear forms.
        let k = table.constants
        @inline(__always) func decay(_ i: Int, _ factor: Double) { y[i] = inf[i] + (y[i] - inf[i]) * factor }
        let steps = mechanismSteps
        for (i, c) in steps.decayed { decay(i, k[MechanismSteps.firstConstant + c]) }
        for i in steps.constantRate { y[i] += h * inf[i] }
        for i in steps.general { y[i] = rushLarsen(y[i], steadyState: inf[i], timeConstant: tau[i], step: h) }
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
        if isClamped {
            y[0] = commandVoltage
        } else {
            let vInf = (gE + appliedCurrent(at: t)) / gTotal
            y[0] = vInf + (y[0] - vInf) * exp(-h * gTotal / capacitance)
        }
        let caInf = calcium.rest - calcium.influx * iCa
        y[1] = caInf + (y[1] - caInf) * calciumDecay
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

    /// `count` steps h from t through the table (`advanceStatesAndSum`, then V and Ca), the plan's arrays
    /// fetched once.
    public func rushLarsenSteps(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, count: Int,
                                tables: RateTables, work: UnsafeMutablePointer<Double>) {
        guard let first = tables.firstReference else {
            for j in 0..<count {
                advanceStatesExactly(y, step: h, work: work)
                advanceMembrane(t + Double(j) * h, y, step: h, scratch: work)
            }
            return
        }
        // `tables` keeps the table alive for the call: borrowed without a retain (this runs once per sample).
        first._withUnsafeGuaranteedRef { table in
            let calciumDecay = table.calciumDecay
            stepPlan.withBuffers { plan in
                for j in 0..<count {
                    let (gTotal, gE, iCa) = advanceStatesAndSum(y, step: h, table: table, plan: plan, work: work)
                    advanceMembrane(t + Double(j) * h, y, step: h, gTotal: gTotal, gE: gE, iCa: iCa, calciumDecay: calciumDecay)
                }
            }
        }
    }

    /// Advances every stage-0 state by one step h from the table (the other stage-0 states first: they do
    /// not depend on the gates; each gate with its conductance summed at once) and returns Σ g (leak
    /// included), Σ g E and the calcium current with the new states: what V and Ca need. Outside the
    /// table's range, every state exactly. `work`: 2·dimension + table.columns doubles.
    @inline(__always)
    func advanceStatesAndSum(_ y: UnsafeMutablePointer<Double>, step h: Double, table: GateTable, plan: RushLarsenPlan.Buffers,
                             work: UnsafeMutablePointer<Double>) -> (Double, Double, Double) {
        let column = work + 2 * dimension
        let V = y[0], Ca = y[1]
        guard table.evaluate(V, into: column) else {
            advanceStatesExactly(y, step: h, work: work)
            return membraneConductances(y, scratch: work)
        }
        if !everyStageZeroStateTabulated { advanceUntabulatedStates(y, step: h, table: table, work: work) }
        var (gTotal, gE, iCa) = advanceGates(y, columns: column, V: V, calcium: Ca, plan: plan)
        let gl = leak(y)
        gTotal += gl
        gE += gl * eLeak
        if !everyStageZeroStateTabulated {
            for s in slots where !s.hodgkinHuxley {
                let g = gbar(s, y) * s.channel { $0.kinetics.openFraction(V: V, states: y + s.offset, context: s.context, dOpen: work) }
                let E = s.reversal(calcium: Ca)
                gTotal += g
                gE += g * E
                if s.carriesCalcium { iCa += g * (V - E) }
            }
        }
        return (gTotal, gE, iCa)
    }

    /// `advanceStatesAndSum` for one step of one cell (a network's).
    func advanceStatesAndSum(_ y: UnsafeMutablePointer<Double>, step h: Double, table: GateTable,
                             work: UnsafeMutablePointer<Double>) -> (Double, Double, Double) {
        stepPlan.withBuffers { advanceStatesAndSum(y, step: h, table: table, plan: $0, work: work) }
    }
}

extension CompiledNeuron {
    /// Cells with equal keys have equal gate tables: the same Hodgkin–Huxley channel types (not just names:
    /// STG and DA both have a `Kd`) with the same kinetics modifiers, and the same constant decays (τ_Ca and
    /// the mechanisms' fixed decays).
    public var gateTableKey: String {
        let channels = slots.filter(\.hodgkinHuxley).map {
            "\($0.channel { $0.kinetics.kineticsIdentity }):\($0.context.tauScale):\($0.context.magnesium)"
        }
        let constants = ["\(calcium.tau.bitPattern)"] + mechanismSteps.decays.map(\.key)
        return (channels + constants).joined(separator: ",")
    }
}

extension GateTable {
    /// A neuron's calcium decay e^(−h/τ_Ca), the first of the constants `makeGateTable(step:)` keeps.
    @inline(__always) var calciumDecay: Double { constants[0] }
}
