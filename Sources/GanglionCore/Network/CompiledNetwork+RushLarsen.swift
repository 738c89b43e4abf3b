import Foundation

extension CompiledNetwork {
    /// One gate table per cell for steps of h ms, shared by cells with the same channels and kinetics.
    public func makeRateTables(step h: Double) -> RateTables? {
        var byKey: [String: GateTable?] = [:]
        let tables = cells.map { c in
            let key = c.gateTableKey
            if let t = byKey[key] { return t }
            let t = c.makeGateTable(step: h)
            byKey[key] = t
            return t
        }
        return tables.contains { $0 != nil } ? RateTables(step: h, cells: tables) : nil
    }

    /// One step: every cell's gates (from its table) and synapses at the old voltages, then every V and Ca
    /// with the synaptic and gap-junction conductances (`linearForm` stage 1).
    public func rushLarsenStep(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, tables: RateTables,
                               work: UnsafeMutablePointer<Double>) {
        for (i, c) in cells.enumerated() {
            let o = offsets[i]
            if let table = tables.cells[i] {
                c.advanceStates(y + o, step: h, table: table, work: work)
            } else {
                c.advanceStatesExactly(y + o, step: h, work: work)
            }
        }
        for w in wired {
            let V = y[w.preV]
            y[w.state] = rushLarsen(y[w.state], steadyState: w.synapse.steadyState(V), timeConstant: w.synapse.timeConstant(V), step: h)
        }
        let inf = work, tau = work + dimension
        linearForm(stage: 1, t, y, steadyState: inf, timeConstant: tau)
        for (i, o) in offsets.enumerated() {
            y[o] = rushLarsen(y[o], steadyState: inf[o], timeConstant: tau[o], step: h)
            if let calciumDecay = tables.cells[i]?.constants[0] {
                y[o + 1] = inf[o + 1] + (y[o + 1] - inf[o + 1]) * calciumDecay
            } else {
                y[o + 1] = rushLarsen(y[o + 1], steadyState: inf[o + 1], timeConstant: tau[o + 1], step: h)
            }
        }
    }
}
