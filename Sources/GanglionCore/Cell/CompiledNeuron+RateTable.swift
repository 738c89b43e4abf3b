import Foundation

extension CompiledNeuron {
    /// Tables of the Hodgkin–Huxley gates' rates for the right-hand side (from `GateTableStore.shared` when
    /// this neuron's kinetics were tabulated before in the process), in the column layout of the step plan
    /// (`RushLarsenPlan`): per gate x∞ and 1/(k τ_x) (1/ms) where the step table holds A and d. For a
    /// calcium-gated m∞ = a(V) b(Ca) the x∞ column holds a(V); for one that does not factor, 0 (m∞ is
    /// computed at each evaluation). Nil when no channel has tabulatable gates.
    public func makeRateTable() -> GateTable? {
        guard stepPlan.columns > 0 else { return nil }
        return GateTableStore.shared.table(key: gateTableKey + ",rates") { buildRateTable() }
    }

    /// `makeRateTable()` without the process's store.
    func buildRateTable() -> GateTable? {
        let tabulated = slots.filter(\.hodgkinHuxley)
        guard stepPlan.columns > 0 else { return nil }
        return GateTable(columns: stepPlan.columns) { V, out in
            var c = 0
            for s in tabulated {
                let r = s.channel.gateRates(V: V, calcium: 1)
                let k = Dual(s.context.tauScale)
                out[c] = !s.calciumGated ? r.mInf
                    : (s.calciumFactorized ? r.mInf / Dual(s.channel.activationCalciumFactor(1)!) : Dual(0))   // a(V) = m∞(V, 1)/b(1)
                out[c + 1] = 1 / (k * r.tauM)
                c += 2
                if s.q > 0 {
                    out[c] = r.hInf
                    out[c + 1] = 1 / (k * r.tauH)
                    c += 2
                }
            }
        }
    }

    /// f(t, y) with the Hodgkin–Huxley gates' x∞ and 1/τ read from `table` (made by `makeRateTable()`);
    /// everything else as `rightHandSide(_:_:_:)`, which it calls instead outside the table's range.
    /// `columns`: `table.columns` doubles of scratch.
    public func rightHandSide(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>,
                              table: GateTable, columns column: UnsafeMutablePointer<Double>) {
        let V = y[0], Ca = y[1]
        guard table.evaluate(V, into: column) else {
            rightHandSide(t, y, dy)
            return
        }
        var (gTotal, gE, iCa) = stepPlan.withBuffers { plan in
            for g in plan.calciumGates {
                if g.factorized {
                    column[g.column] *= g.channel.activationCalciumFactor(Ca)!
                } else {
                    column[g.column] = g.channel.activationSteadyState(V: V, calcium: Ca)
                }
            }
            var sum = MembraneSums()
            let conductances = plan.conductances
            for group in plan.groups {
                let r = group.range
                switch (group.p, group.q) {
                case (3, 1): sum.derive(M3H.self, r, y, dy, column, conductances, V: V)
                case (4, 0): sum.derive(M4.self, r, y, dy, column, conductances, V: V)
                case (3, 0): sum.derive(M3.self, r, y, dy, column, conductances, V: V)
                case (1, 0): sum.derive(M1.self, r, y, dy, column, conductances, V: V)
                case (1, 1): sum.derive(M1H.self, r, y, dy, column, conductances, V: V)
                case (4, 1): sum.derive(M4H.self, r, y, dy, column, conductances, V: V)
                default: sum.derive(r, p: group.p, q: group.q, y, dy, column, conductances, V: V)
                }
            }
            return (sum.gTotal, sum.gE, sum.iCa)
        }
        let gl = leak(y)
        gTotal += gl
        gE += gl * eLeak
        if !everyStageZeroStateTabulated {
            for s in slots where !s.hodgkinHuxley {
                addExactDerivatives(s, V: V, calcium: Ca, y, dy, gTotal: &gTotal, gE: &gE, iCa: &iCa)
            }
        }
        membraneAndControlDerivatives(t, y, dy, gTotal: gTotal, gE: gE, iCa: iCa)
    }
}

extension CompiledNeuron {
    /// The right-hand side through this neuron's rate table (`makeRateTable()`); nil when it has none.
    public func makeTabulatedRightHandSide() -> (any TabulatedRightHandSide)? {
        makeRateTable().map { NeuronRateTableRightHandSide(neuron: self, table: $0) }
    }
}

/// A neuron's right-hand side through its rate table, with the table's scratch columns.
final class NeuronRateTableRightHandSide: TabulatedRightHandSide {
    let neuron: CompiledNeuron
    let table: GateTable
    let columns: UnsafeMutablePointer<Double>

    init(neuron: CompiledNeuron, table: GateTable) {
        self.neuron = neuron
        self.table = table
        columns = .allocate(capacity: table.columns)
    }
    deinit { columns.deallocate() }

    func evaluate(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>) {
        neuron.rightHandSide(t, y, dy, table: table, columns: columns)
    }
}

extension MembraneSums {
    /// Writes the derivatives (x∞ − x)/τ of the gates of conductances `range` from the rate table's
    /// columns and adds their conductances at the current gates.
    @inline(__always)
    mutating func derive<S: GateShape>(_ shape: S.Type, _ range: Range<Int>, _ y: UnsafePointer<Double>,
                                       _ dy: UnsafeMutablePointer<Double>, _ column: UnsafeMutablePointer<Double>,
                                       _ conductances: UnsafeBufferPointer<RushLarsenPlan.Conductance>, V: Double) {
        for i in range {
            let c = conductances[i]
            let m = y[c.m]
            dy[c.m] = (column[c.mA] - m) * column[c.mD]
            var h = m
            if S.inactivates {
                h = y[c.h]
                dy[c.h] = (column[c.hA] - h) * column[c.hD]
            }
            add(c, S.open(m, h), y, V: V)
        }
    }

    /// `derive` for exponents known only at run time.
    @inline(__always)
    mutating func derive(_ range: Range<Int>, p: Int, q: Int, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>,
                         _ column: UnsafeMutablePointer<Double>,
                         _ conductances: UnsafeBufferPointer<RushLarsenPlan.Conductance>, V: Double) {
        for i in range {
            let c = conductances[i]
            let m = y[c.m]
            dy[c.m] = (column[c.mA] - m) * column[c.mD]
            var open = integerPower(m, p)
            if q > 0 {
                let h = y[c.h]
                dy[c.h] = (column[c.hA] - h) * column[c.hD]
                open *= integerPower(h, q)
            }
            add(c, open, y, V: V)
        }
    }
}
