import Foundation

extension CompiledNeuron {
    /// Tables of the Hodgkin–Huxley gates' x∞(V) and decay factors e^(−h/(k τ_x(V))) for steps of `h` ms:
    /// per such channel, in model order, m∞ (unless calcium-gated), m's decay, then h∞ and h's decay; and
    /// as constants the decays e^(−h/τ) of τ_Ca, τ_g and the controller's pool and membrane. Nil when no
    /// channel has tabulatable gates.
    public func makeGateTable(step h: Double) -> GateTable? {
        let tabulated = slots.filter(\.hodgkinHuxley)
        let columns = tabulated.reduce(0) { $0 + ($1.calciumGated ? 1 : 2) + ($1.q > 0 ? 2 : 0) }
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
                if !s.calciumGated { out[c] = r.mInf; c += 1 }
                out[c] = Dual.exp(Dual(-h) / (k * r.tauM)); c += 1
                if s.q > 0 {
                    out[c] = r.hInf
                    out[c + 1] = Dual.exp(Dual(-h) / (k * r.tauH))
                    c += 2
                }
            }
        }
    }

    /// Advances every stage-0 state (channel states, controller, homeostasis) by one step h in place, the
    /// Hodgkin–Huxley gates from `table` (made by `makeGateTable(step:)` for this h). Outside the table's
    /// voltage range every state is computed exactly. `work`: 2·dimension + table.columns doubles.
    public func advanceStates(_ y: UnsafeMutablePointer<Double>, step h: Double, table: GateTable,
                              work: UnsafeMutablePointer<Double>) {
        let inf = work, tau = work + dimension, column = work + 2 * dimension
        let V = y[0], Ca = y[1]
        guard table.evaluate(V, into: column) else { return advanceStatesExactly(y, step: h, work: work) }
        let others = !everyStageZeroStateTabulated
        if others { stateLinearForm(y, steadyState: inf, timeConstant: tau, includingTabulated: false) }
        gateUpdates.withUnsafeBufferPointer { updates in
            for g in updates {
                let xInf = g.inf >= 0 ? column[g.inf] : slots[g.slot].channel.activationSteadyState(V: V, calcium: Ca)
                y[g.state] = xInf + (y[g.state] - xInf) * column[g.decay]
            }
        }
        guard others else { return }
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
        y[0] = rushLarsen(y[0], steadyState: (gE + appliedCurrent(at: t)) / gTotal, timeConstant: capacitance / gTotal, step: h)
        let caInf = calcium.rest - calcium.influx * iCa
        y[1] = caInf + (y[1] - caInf) * (calciumDecay ?? exp(-h / calcium.tau))
    }

    /// Tables for steps of h ms (one cell), or nil when no channel has tabulatable gates.
    public func makeRateTables(step h: Double) -> RateTables? {
        makeGateTable(step: h).map { RateTables(step: h, cells: [$0]) }
    }

    /// One step: the gates from `tables` (`advanceStates`), then V and Ca (`advanceMembrane`).
    public func rushLarsenStep(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, tables: RateTables,
                               work: UnsafeMutablePointer<Double>) {
        if let table = tables.first {
            advanceStates(y, step: h, table: table, work: work)
        } else {
            advanceStatesExactly(y, step: h, work: work)
        }
        advanceMembrane(t, y, step: h, calciumDecay: tables.first?.constants[0], scratch: work)
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
