import Foundation

extension CompiledNeuron {
    /// Tables of the Hodgkin–Huxley gates' rates for the right-hand side (from `GateTableStore.shared` when
    /// this neuron's kinetics were tabulated before in the process), in the column layout of the step plan
    /// (`RushLarsenPlan`): per gate k, x∞ in column k and 1/(k τ_x) (1/ms) in column G + k, where the step
    /// table holds A and d. For a calcium-gated m∞ = a(V) b(Ca) the x∞ column holds a(V); for one that
    /// does not factor, 0 (m∞ is computed at each evaluation). Nil when no channel has tabulatable gates.
    public func makeRateTable() -> GateTable? {
        guard stepPlan.columns > 0 else { return nil }
        return GateTableStore.shared.table(key: gateTableKey + ",rates") { buildRateTable() }
    }

    /// `makeRateTable()` without the process's store.
    func buildRateTable() -> GateTable? {
        guard stepPlan.columns > 0 else { return nil }
        return GateTable(columns: stepPlan.columns) { V, out in
            tabulateGates(V, out) { steadyState, tau in (steadyState, 1 / tau) }
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
            let gates = plan.calciumGates.baseAddress
            for i in 0..<plan.calciumGates.count {   // through the pointer: the gates' channels are not copied
                if gates![i].factorized {
                    column[gates![i].column] *= gates![i].channel { $0.kinetics.activationCalciumFactor(Ca) }!
                } else {
                    column[gates![i].column] = gates![i].channel { $0.kinetics.activationSteadyState(V: V, calcium: Ca) }
                }
            }
            plan.deriveGates(y, dy, columns: column)
            var sum = MembraneSums()
            sum.add(plan, y, V: V)
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
