/// A network compiled to one flat state vector and one allocation-free right-hand side.
///
/// Layout: each cell's states in cell order, named `<cell>.<state>` (`AB.V`, `AB.Na.m`), then one gating
/// state per chemical synapse, `syn.<pre>-><post>.s`. Each cell's block is its `CompiledNeuron`'s; the
/// couplings are the synaptic and gap-junction currents on the V rows and the synapses' dependence on
/// their presynaptic V. Implicit integrators get `NetworkNewtonSolver`, whose cost grows linearly with
/// the cells (plus a small dense solve on the cells' voltages).
public final class CompiledNetwork: ConditionallyLinearSystem {
    /// The description it was compiled from.
    public let network: NetworkDescription
    /// Each cell compiled, in network order.
    public let cells: [CompiledNeuron]
    /// `cells` without ownership, for hot loops that borrow them without a retain.
    let neuronReferences: [Unmanaged<CompiledNeuron>]
    /// Index of each cell's first state (its V).
    public let offsets: [Int]
    /// Index of the first synaptic state.
    public let synapseOffset: Int
    /// Names of the state entries: `<cell>.<state>`, then `syn.<pre>-><post>.s`.
    public let layout: StateLayout
    /// Every state: the network's Jacobian is treated as dense (`NetworkNewtonSolver` exploits its structure).
    public var coreCount: Int { layout.count }

    /// The chemical synapses, in the description's order, as flat records for the hot loops.
    @usableFromInline let synapses: [CompiledSynapse]
    /// The gap junctions, in the description's order, as flat records.
    @usableFromInline let gaps: [CompiledGap]

    /// Compiles a network after validating it; throws `NetworkError` naming the cell or synapse at fault.
    public init(_ d: NetworkDescription) throws(NetworkError) {
        try d.validate()
        network = d
        var cells: [CompiledNeuron] = []
        var offsets: [Int] = []
        var names: [String] = []
        for (i, c) in d.cells.enumerated() {
            let n: CompiledNeuron
            do { n = try CompiledNeuron(c.neuron) } catch { throw NetworkError(field: "cells[\(i)] (\(c.name))", reason: "\(error)") }
            // Synapses and gap junctions add to every cell's dV/dt: a voltage clamp is a lone cell's.
            guard !n.isClamped else { throw NetworkError(field: "cells[\(i)] (\(c.name))", reason: "a voltage clamp holds a lone cell, not a cell of a circuit") }
            offsets.append(names.count)
            names += n.layout.names.map { "\(c.name).\($0)" }
            cells.append(n)
        }
        synapseOffset = names.count
        var synapses: [CompiledSynapse] = []
        var used = Set<String>()
        for s in d.synapses {
            let pre = d.index(of: s.pre)!, post = d.index(of: s.post)!
            var name = "syn.\(s.pre)->\(s.post).s"
            if !used.insert(name).inserted { name = "syn.\(s.pre)->\(s.post).\(synapses.count).s" }
            synapses.append(CompiledSynapse(kinetics: s.kinetics, gbar: s.gbar, reversal: s.reversal, preCell: pre, postCell: post,
                                            preV: offsets[pre], postV: offsets[post], state: names.count,
                                            capacitance: cells[post].capacitance))
            names.append(name)
        }
        gaps = d.electricalSynapses.map { e in
            let a = d.index(of: e.a)!, b = d.index(of: e.b)!
            return CompiledGap(a: a, b: b, aV: offsets[a], bV: offsets[b], g: e.conductance,
                       capA: cells[a].capacitance, capB: cells[b].capacitance)
        }
        self.synapses = synapses
        self.cells = cells
        neuronReferences = cells.map { Unmanaged.passUnretained($0) }
        self.offsets = offsets
        layout = StateLayout(names: names)
    }

    /// The cells' names, in network order.
    public var cellNames: [String] { network.cells.map(\.name) }
    /// Number of states.
    public var dimension: Int { layout.count }

    /// The initial state: each cell's own initial state, every synapse at s∞ of its presynaptic V₀.
    public func initialState() -> [Double] {
        var y: [Double] = []
        y.reserveCapacity(dimension)
        for c in cells { y += c.initialState() }
        for w in synapses { y.append(w.kinetics.steadyState(y[w.preV])) }
        return y
    }

    /// Sets every synapse to s∞ of its presynaptic V in `y` (after the cells' voltages changed).
    public func resetSynapses(_ y: inout [Double]) {
        for w in synapses { y[w.state] = w.kinetics.steadyState(y[w.preV]) }
    }

    /// Each cell's equations plus the synaptic and gap-junction currents on V, and ds/dt of each synapse.
    public func rightHandSide(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>) {
        for (i, c) in cells.enumerated() { c.rightHandSide(t, y + offsets[i], dy + offsets[i]) }
        couplingDerivatives(y, dy)
    }

    /// The right-hand side with each cell's gate rates read from its rate table (cells with like kinetics
    /// share one, `GateTableStore`); nil when no cell has one.
    public func makeTabulatedRightHandSide() -> (any TabulatedRightHandSide)? {
        let perCell = cells.map { $0.makeTabulatedRightHandSide() }
        guard perCell.contains(where: { $0 != nil }) else { return nil }
        return NetworkRateTableRightHandSide(network: self, cells: perCell)
    }

    /// Adds the synapses' terms to dy, whose cell entries hold the cells' own derivatives: each synaptic
    /// gate's derivative, and the chemical and electrical currents in the postsynaptic V equations.
    @inline(__always)
    func couplingDerivatives(_ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>) {
        for w in synapses {
            let s = y[w.state]
            dy[w.state] = w.kinetics.rate(V: y[w.preV], s: s).rate
            dy[w.postV] -= w.gbar * s * (y[w.postV] - w.reversal) / w.capacitance
        }
        for g in gaps {
            let i = g.g * (y[g.aV] - y[g.bV])
            dy[g.aV] -= i / g.capA
            dy[g.bV] += i / g.capB
        }
    }

    /// Synaptic current onto each cell (µA/cm², outward positive), chemical and electrical, at state y.
    public func synapticCurrents(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        for i in 0..<cells.count { out[i] = 0 }
        for w in synapses { out[w.postCell] += w.gbar * y[w.state] * (y[w.postV] - w.reversal) }
        for g in gaps {
            let i = g.g * (y[g.aV] - y[g.bV])
            out[g.a] += i
            out[g.b] -= i
        }
    }

    /// The dense Jacobian (as an arrow matrix whose core is everything): for tests and the dense fallback.
    public func jacobian(_ t: Double, _ y: UnsafePointer<Double>, into J: inout ArrowJacobian) {
        let solver = NetworkNewtonSolver(self)
        solver.evaluateJacobian(t, y)
        let n = dimension
        for i in 0..<n { for j in 0..<n { J.A[i * n + j] = solver.jacobianEntry(i, j) } }
    }

    /// A `NetworkNewtonSolver`, linear in the number of cells.
    public func makeNewtonSolver() -> any NewtonSystemSolver { NetworkNewtonSolver(self) }

    /// Each cell's own, then 1e-6 for each synaptic gate.
    public var defaultAbsoluteTolerances: [Double] {
        cells.flatMap(\.defaultAbsoluteTolerances) + Array(repeating: 1e-6, count: synapses.count)
    }

    /// Stage 0: every cell's non-V/Ca states and the synapses (at the old voltages); stage 1: every cell's
    /// V and Ca, with the synaptic and gap-junction conductances added to V's linear form.
    public var linearStages: [[Range<Int>]] {
        [cells.enumerated().map { i, c in (offsets[i] + 2)..<(offsets[i] + c.dimension) } + [synapseOffset..<dimension],
         offsets.map { $0..<($0 + 2) }]
    }

    /// The cells' linear forms, with each synapse's s∞ and τ_s (ms) in stage 0 and the synaptic and
    /// gap-junction conductances added to each V's in stage 1.
    public func linearForm(stage: Int, _ t: Double, _ y: UnsafePointer<Double>,
                           steadyState: UnsafeMutablePointer<Double>, timeConstant: UnsafeMutablePointer<Double>) {
        for (i, c) in cells.enumerated() {
            c.linearForm(stage: stage, t, y + offsets[i], steadyState: steadyState + offsets[i], timeConstant: timeConstant + offsets[i])
        }
        if stage == 0 {
            for w in synapses {
                let V = y[w.preV]
                steadyState[w.state] = w.kinetics.steadyState(V)
                timeConstant[w.state] = w.kinetics.timeConstant(V)
            }
            return
        }
        // V∞ = (Σ g E + I)/Σ g and τ = C/Σ g: go to (Σ g E + I, Σ g), add the couplings, come back.
        for (i, c) in cells.enumerated() {
            let o = offsets[i]
            let gTotal = c.capacitance / timeConstant[o]
            steadyState[o] *= gTotal
            timeConstant[o] = gTotal
        }
        for w in synapses {
            let g = w.gbar * y[w.state]
            steadyState[w.postV] += g * w.reversal
            timeConstant[w.postV] += g
        }
        for g in gaps {
            steadyState[g.aV] += g.g * y[g.bV]
            timeConstant[g.aV] += g.g
            steadyState[g.bV] += g.g * y[g.aV]
            timeConstant[g.bV] += g.g
        }
        for (i, c) in cells.enumerated() {
            let o = offsets[i]
            steadyState[o] /= timeConstant[o]
            timeConstant[o] = c.capacitance / timeConstant[o]
        }
    }
}

/// A network's right-hand side with its cells' rate tables (a cell without one is computed exactly).
final class NetworkRateTableRightHandSide: TabulatedRightHandSide {
    let network: CompiledNetwork
    let cells: [(any TabulatedRightHandSide)?]

    init(network: CompiledNetwork, cells: [(any TabulatedRightHandSide)?]) {
        self.network = network
        self.cells = cells
    }

    func evaluate(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>) {
        for (i, c) in network.cells.enumerated() {
            let o = network.offsets[i]
            if let f = cells[i] { f.evaluate(t, y + o, dy + o) } else { c.rightHandSide(t, y + o, dy + o) }
        }
        network.couplingDerivatives(y, dy)
    }
}
