/// A neuron's exponential-Euler step from a gate table (`CompiledNeuron.makeGateTable(step:)`), flattened
/// for its hot loop. The table holds, per Hodgkin–Huxley gate, A = x∞(1 − d) and d = e^(−h/(k τ_x)), so
/// that a gate moves by x ← A + d x. The conductances are grouped by their exponents (p, q), so each
/// group's open fraction m^p h^q is computed without a branch; the terms that need a channel's own code
/// (a calcium-gated m∞, a kinetic scheme's open fraction) are listed apart. Built once per compiled neuron.
struct RushLarsenPlan: Sendable {
    /// One Hodgkin–Huxley conductance: its m and h states (h = m when q = 0) and their table columns
    /// (A, d); ḡ (a state, or the constant when `gbarState` < 0, with the block fraction `scale`), E (mV)
    /// and whether it carries calcium (1 or 0).
    struct Conductance: Sendable {
        let m: Int, h: Int, mA: Int, mD: Int, hA: Int, hD: Int, gbarState: Int
        let gbar: Double, scale: Double, reversal: Double, calcium: Double
    }
    /// Conductances `range` of `conductances` share the exponents p and q.
    struct Group: Sendable { let p: Int, q: Int, range: Range<Int> }
    /// A calcium-gated m∞: its A column (holding a(V)(1 − d) when m∞ = a(V) b(Ca) factors, else written
    /// at each step from m∞(V, Ca) and the d column `decay`).
    struct CalciumGate: Sendable {
        let column: Int, decay: Int, factorized: Bool
        let channel: any IonChannel.Type
    }

    let conductances: [Conductance]
    let groups: [Group]
    let calciumGates: [CalciumGate]
    /// Number of table columns.
    let columns: Int

    init(_ slots: [CompiledNeuron.Slot]) {
        var column = 0
        var items: [(p: Int, q: Int, c: Conductance)] = []
        var calciumGates: [CalciumGate] = []
        for s in slots where s.hodgkinHuxley {
            let m = column, h = s.q > 0 ? column + 2 : column
            if s.calciumGated {
                calciumGates.append(CalciumGate(column: m, decay: m + 1, factorized: s.calciumFactorized, channel: s.channel))
            }
            items.append((s.p, s.q, Conductance(m: s.offset, h: s.q > 0 ? s.offset + 1 : s.offset, mA: m, mD: m + 1, hA: h, hD: h + 1,
                                                gbarState: s.gbarState, gbar: s.gbar, scale: s.scale, reversal: s.reversal,
                                                calcium: s.carriesCalcium ? 1 : 0)))
            column += s.q > 0 ? 4 : 2
        }
        columns = column
        self.calciumGates = calciumGates
        items.sort { ($0.p, $0.q) < ($1.p, $1.q) }
        conductances = items.map(\.c)
        var groups: [Group] = []
        var start = 0
        for i in items.indices where i + 1 == items.count || (items[i + 1].p, items[i + 1].q) != (items[i].p, items[i].q) {
            groups.append(Group(p: items[i].p, q: items[i].q, range: start..<(i + 1)))
            start = i + 1
        }
        self.groups = groups
    }
}
