import Foundation

extension CompiledNetwork {
    /// One gate table per cell for steps of h ms, shared by cells with the same channels and kinetics
    /// (`GateTableStore`); a step needs 3 doubles per cell more scratch (the cells' membrane sums). Its
    /// constants: each cell's calcium decay e^(−h/τ_Ca), then each synapse's e^(−h/τ_s) (NaN when τ_s
    /// depends on V).
    public func makeRateTables(step h: Double) -> RateTables? {
        let tables = cells.map { $0.makeGateTable(step: h) }
        guard tables.contains(where: { $0 != nil }) else { return nil }
        let calcium = zip(cells, tables).map { c, t in t?.calciumDecay ?? exp(-h / c.calcium.tau) }
        let synaptic = synapses.map { w in w.kinetics.constantTimeConstant.map { exp(-h / $0) } ?? .nan }
        return RateTables(step: h, cells: tables, extraScratch: 3 * cells.count, constants: calcium + synaptic)
    }

    /// One step (`rushLarsenSteps` with count 1).
    public func rushLarsenStep(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, tables: RateTables,
                               work: UnsafeMutablePointer<Double>) {
        rushLarsenSteps(t, y, step: h, count: 1, tables: tables, work: work)
    }

    /// `count` steps h from t. Each: every cell's stage-0 states from its table, summing its membrane
    /// conductances on the way (`advanceStatesAndSum`), and every synapse at the old voltages; then every
    /// V and Ca with the synaptic and gap-junction conductances added (`linearForm` stage 1, up to
    /// rounding). The cells, tables and coupling records are fetched once for the `count` steps.
    /// `work`: 2·dimension + tables.scratch doubles.
    public func rushLarsenSteps(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, count: Int, tables: RateTables,
                                work: UnsafeMutablePointer<Double>) {
        // Per cell: Σ g, Σ g E, I_Ca, past everything a cell's own step uses.
        let sums = work + 2 * dimension + tables.columns
        let n = cells.count
        neuronReferences.withUnsafeBufferPointer { neurons in
        offsets.withUnsafeBufferPointer { offsets in
        tables.references.withUnsafeBufferPointer { gateTables in
        tables.constants.withUnsafeBufferPointer { constants in
        synapses.withUnsafeBufferPointer { synapses in
        gaps.withUnsafeBufferPointer { gaps in
            let calciumDecays = constants.baseAddress!
            // e^(−h/τ_s) from the tables, as the gates' decays and τ_Ca's (`tables` serves h: the steps of
            // successive output intervals differ from its step in their last bits).
            let synapseDecays = calciumDecays + n
            for j in 0..<count {
                for i in 0..<n {
                    let yi = y + offsets[i]
                    let s: (Double, Double, Double) = neurons[i]._withUnsafeGuaranteedRef { c in
                        if let table = gateTables[i] {
                            return table._withUnsafeGuaranteedRef { c.advanceStatesAndSum(yi, step: h, table: $0, work: work) }
                        }
                        c.advanceStatesExactly(yi, step: h, work: work)
                        return c.membraneConductances(yi, scratch: work)
                    }
                    sums[3 * i] = s.0
                    sums[3 * i + 1] = s.1
                    sums[3 * i + 2] = s.2
                }
                for (k, w) in synapses.enumerated() {
                    let V = y[w.preV], inf = w.kinetics.steadyState(V)
                    let d = synapseDecays[k]
                    y[w.state] = d.isNaN ? rushLarsen(y[w.state], steadyState: inf, timeConstant: w.kinetics.timeConstant(V), step: h)
                        : inf + (y[w.state] - inf) * d
                }
                for w in synapses {
                    let g = w.gbar * y[w.state]
                    sums[3 * w.postCell] += g
                    sums[3 * w.postCell + 1] += g * w.reversal
                }
                for g in gaps {
                    sums[3 * g.a] += g.g
                    sums[3 * g.a + 1] += g.g * y[g.bV]
                    sums[3 * g.b] += g.g
                    sums[3 * g.b + 1] += g.g * y[g.aV]
                }
                let tj = t + Double(j) * h
                for i in 0..<n {
                    neurons[i]._withUnsafeGuaranteedRef { c in
                        c.advanceMembrane(tj, y + offsets[i], step: h, gTotal: sums[3 * i], gE: sums[3 * i + 1], iCa: sums[3 * i + 2],
                                          calciumDecay: calciumDecays[i])
                    }
                }
            }
        } } } } } }
    }
}
