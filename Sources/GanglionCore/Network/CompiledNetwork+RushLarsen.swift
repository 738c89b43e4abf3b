import Foundation

extension CompiledNetwork {
    /// One gate table per cell for steps of h ms, shared by cells with the same channels and kinetics
    /// (`GateTableStore`); a step needs 3 doubles per cell more scratch (the cells' membrane sums).
    public func makeRateTables(step h: Double) -> RateTables? {
        let tables = cells.map { $0.makeGateTable(step: h) }
        return tables.contains { $0 != nil } ? RateTables(step: h, cells: tables, extraScratch: 3 * cells.count) : nil
    }

    /// One step: every cell's stage-0 states from its table, summing its membrane conductances on the way
    /// (`advanceStatesAndSum`), and every synapse at the old voltages; then every V and Ca with the
    /// synaptic and gap-junction conductances added (`linearForm` stage 1, up to rounding).
    /// `work`: 2·dimension + tables.scratch doubles.
    public func rushLarsenStep(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, tables: RateTables,
                               work: UnsafeMutablePointer<Double>) {
        // Per cell: Σ g, Σ g E, I_Ca, past everything a cell's own step uses.
        let sums = work + 2 * dimension + tables.columns
        for (i, c) in cells.enumerated() {
            let o = offsets[i]
            let s: (Double, Double, Double)
            if let table = tables.cells[i] {
                s = c.advanceStatesAndSum(y + o, step: h, table: table, work: work)
            } else {
                c.advanceStatesExactly(y + o, step: h, work: work)
                s = c.membraneConductances(y + o, scratch: work)
            }
            sums[3 * i] = s.0
            sums[3 * i + 1] = s.1
            sums[3 * i + 2] = s.2
        }
        for w in wired {
            let V = y[w.preV]
            y[w.state] = rushLarsen(y[w.state], steadyState: w.synapse.steadyState(V), timeConstant: w.synapse.timeConstant(V), step: h)
        }
        for w in wired {
            let g = w.synapse.gbar * y[w.state]
            sums[3 * w.postCell] += g
            sums[3 * w.postCell + 1] += g * w.synapse.reversal
        }
        for g in gaps {
            sums[3 * g.a] += g.g
            sums[3 * g.a + 1] += g.g * y[g.bV]
            sums[3 * g.b] += g.g
            sums[3 * g.b + 1] += g.g * y[g.aV]
        }
        for (i, c) in cells.enumerated() {
            c.advanceMembrane(t, y + offsets[i], step: h, gTotal: sums[3 * i], gE: sums[3 * i + 1], iCa: sums[3 * i + 2],
                              calciumDecay: tables.cells[i]?.calciumDecay ?? exp(-h / c.calcium.tau))
        }
    }
}
