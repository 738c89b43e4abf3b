/// A network split into one system per cell, for integrators that give each cell its own step sizes
/// (local time steps, as NEURON's `lvardt`): a quiet cell then takes long steps while another spikes.
///
/// Block i holds cell i's states and the gates of the chemical synapses it sends: a gate
/// ds/dt = (s∞(V_pre) − s)/τ_s(V_pre) depends on its presynaptic cell alone. Its postsynaptic cell reads it
/// as an input, s(t) from `SynapseInputs`, which the presynaptic block publishes after each of its steps.
/// The gates vary on τ_s (milliseconds), so the polynomial of the presynaptic block's last step represents
/// them well a step ahead. Gap junctions couple voltages, which move in a spike far faster: a network with
/// gap junctions is not partitioned (`NetworkPartition.init` returns nil).
public final class NetworkPartition: @unchecked Sendable {
    /// The network.
    public let network: CompiledNetwork
    /// One system per cell, in network order.
    public let blocks: [CellBlock]
    /// The synapses' gates as functions of time, shared by the blocks.
    public let inputs: SynapseInputs
    /// For each block, the network state index of each of its states, in block order.
    public let stateIndices: [[Int]]
    /// For each block, the synapses whose gates it holds: (synapse index, its state's index in the block).
    public let outgoing: [[(synapse: Int, state: Int)]]

    /// The partition of `network`, or nil when it has gap junctions.
    public init?(_ network: CompiledNetwork) {
        guard network.gaps.isEmpty else { return nil }
        self.network = network
        let inputs = SynapseInputs(count: network.synapses.count)
        self.inputs = inputs
        var indices: [[Int]] = [], outgoing: [[(synapse: Int, state: Int)]] = []
        var blocks: [CellBlock] = []
        for (i, cell) in network.cells.enumerated() {
            let sent = network.synapses.indices.filter { network.synapses[$0].preCell == i }
            let received = network.synapses.indices.filter { network.synapses[$0].postCell == i }
            let o = network.offsets[i]
            indices.append(Array(o..<(o + cell.dimension)) + sent.map { network.synapses[$0].state })
            outgoing.append(sent.enumerated().map { (synapse: $1, state: cell.dimension + $0) })
            blocks.append(CellBlock(cell: cell, names: indices[i].map { network.layout.names[$0] },
                                    sent: sent.map { (index: $0, synapse: network.synapses[$0]) },
                                    received: received.map { (index: $0, synapse: network.synapses[$0]) }, inputs: inputs))
        }
        self.blocks = blocks
        stateIndices = indices
        self.outgoing = outgoing
    }

    /// ds/dt (1/ms) of synapse `w`'s gate at presynaptic V (mV) and gate s.
    public func gateRate(_ w: Int, V: Double, s: Double) -> Double { network.synapses[w].kinetics.rate(V: V, s: s).rate }
}

/// One cell of a partitioned network with the gates of the synapses it sends: the cell's equations, the
/// synaptic currents it receives (their gates read from `SynapseInputs` at the evaluation time), and
/// ds/dt of its own synapses. Its Jacobian keeps the cell's arrow form, each sent gate a diagonal state
/// coupled to V.
public final class CellBlock: ODESystem, @unchecked Sendable {   // its scratch serves one integration at a time
    /// The cell.
    public let cell: CompiledNeuron
    public let layout: StateLayout
    public var coreCount: Int { cell.coreCount }
    let inputs: SynapseInputs
    /// Sent synapses: kinetics and network synapse index (their gates follow the cell's states).
    let sent: [(kinetics: ChemicalSynapse.Kinetics, index: Int)]
    /// Received synapses: network synapse index, ḡ (mS/cm²), E (mV), and the cell's capacitance (µF/cm²).
    let received: [(index: Int, gbar: Double, reversal: Double, capacitance: Double)]
    /// The cell's own Jacobian, copied into the block's (`jacobian(_:_:into:)`, for the dense solver).
    private var cellJacobian: ArrowJacobian

    init(cell: CompiledNeuron, names: [String], sent: [(index: Int, synapse: CompiledSynapse)],
         received: [(index: Int, synapse: CompiledSynapse)], inputs: SynapseInputs) {
        self.cell = cell
        layout = StateLayout(names: names)
        self.inputs = inputs
        self.sent = sent.map { (kinetics: $0.synapse.kinetics, index: $0.index) }
        self.received = received.map { (index: $0.index, gbar: $0.synapse.gbar, reversal: $0.synapse.reversal, capacitance: $0.synapse.capacitance) }
        cellJacobian = ArrowJacobian(coreCount: cell.coreCount, gateCount: cell.dimension - cell.coreCount)
    }

    /// The cell's derivatives, then the couplings (`addCouplings`).
    public func rightHandSide(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>) {
        cell.rightHandSide(t, y, dy)
        addCouplings(t, y, dy)
    }

    /// Adds the received synaptic currents to dV/dt and writes ds/dt of the sent synapses.
    @inline(__always)
    func addCouplings(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>) {
        let V = y[0], d = cell.dimension
        for r in received { dy[0] -= r.gbar * inputs.value(r.index, at: t) * (V - r.reversal) / r.capacitance }
        for (k, s) in sent.enumerated() { dy[d + k] = s.kinetics.rate(V: V, s: y[d + k]).rate }
    }

    /// Σ ḡ s(t)/C of the received synapses (1/ms): their share of −∂(dV/dt)/∂V.
    @inline(__always)
    func receivedConductance(_ t: Double) -> Double {
        var g = 0.0
        for r in received { g += r.gbar * inputs.value(r.index, at: t) / r.capacitance }
        return g
    }

    public func jacobian(_ t: Double, _ y: UnsafePointer<Double>, into J: inout ArrowJacobian) {
        cell.jacobian(t, y, into: &cellJacobian)
        let k = cell.coreCount, n = cell.dimension - k, m = J.gateCount
        for i in 0..<(k * k) { J.A[i] = cellJacobian.A[i] }
        J.A[0] -= receivedConductance(t)
        for r in 0..<k {
            for g in 0..<m { J.B[r * m + g] = g < n ? cellJacobian.B[r * n + g] : 0 }
        }
        for g in 0..<n { for c in 0..<k { J.C[g * k + c] = cellJacobian.C[g * k + c] } }
        for g in 0..<n { J.D[g] = cellJacobian.D[g] }
        for (j, s) in sent.enumerated() {
            let rate = s.kinetics.rate(V: y[0], s: y[k + n + j])
            for c in 0..<k { J.C[(n + j) * k + c] = c == 0 ? rate.dV : 0 }
            J.D[n + j] = rate.ds
        }
    }

    /// The cell's, then 1e-6 for each sent gate.
    public var defaultAbsoluteTolerances: [Double] { cell.defaultAbsoluteTolerances + Array(repeating: 1e-6, count: sent.count) }

    public func makeNewtonSolver() -> any NewtonSystemSolver { CellBlockNewtonSolver(self) }

    public func makeTabulatedRightHandSide() -> (any TabulatedRightHandSide)? {
        cell.makeTabulatedRightHandSide().map { CellBlockRateTableRightHandSide(block: self, cell: $0) }
    }
}

/// A block's right-hand side with its cell's rate tables.
final class CellBlockRateTableRightHandSide: TabulatedRightHandSide {
    let block: CellBlock
    let cell: any TabulatedRightHandSide

    init(block: CellBlock, cell: any TabulatedRightHandSide) {
        self.block = block
        self.cell = cell
    }

    func evaluate(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>) {
        cell.evaluate(t, y, dy)
        block.addCouplings(t, y, dy)
    }
}

/// The Newton systems (I − γJ) x = b of a `CellBlock`: the cell's arrow block (`ArrowNewtonSolver`), then
/// the sent gates, which depend on V and themselves only: x_s = (b_s + γ ∂ṡ/∂V x_V)/(1 − γ ∂ṡ/∂s).
final class CellBlockNewtonSolver: NewtonSystemSolver {
    let block: CellBlock
    let cellSolver: ArrowNewtonSolver
    let d: Int
    var gamma = 0.0
    var dV: [Double], ds: [Double], inverse: [Double]

    init(_ block: CellBlock) {
        self.block = block
        let cell = block.cell
        d = cell.dimension
        cellSolver = ArrowNewtonSolver(coreCount: cell.coreCount, gateCount: cell.dimension - cell.coreCount)
        dV = Array(repeating: 0, count: block.sent.count)
        ds = dV
        inverse = dV
    }

    func evaluateJacobian(_ t: Double, _ y: UnsafePointer<Double>) {
        block.cell.jacobian(t, y, into: &cellSolver.jacobian)
        cellSolver.jacobian.A[0] -= block.receivedConductance(t)
        for (k, s) in block.sent.enumerated() {
            let r = s.kinetics.rate(V: y[0], s: y[d + k])
            dV[k] = r.dV
            ds[k] = r.ds
        }
    }

    func jacobianEntry(_ i: Int, _ j: Int) -> Double {
        if i < d { return j < d ? cellSolver.jacobian.entry(i, j) : 0 }
        let k = i - d
        return j == 0 ? dV[k] : (j == i ? ds[k] : 0)
    }

    func factor(gamma: Double) -> Bool {
        self.gamma = gamma
        guard cellSolver.factor(gamma: gamma) else { return false }
        for k in 0..<ds.count {
            let m = 1 - gamma * ds[k]
            guard m != 0, m.isFinite else { return false }
            inverse[k] = 1 / m
        }
        return true
    }

    func solve(_ b: UnsafeMutablePointer<Double>) {
        cellSolver.solve(b)
        for k in 0..<ds.count { b[d + k] = (b[d + k] + gamma * dV[k] * b[0]) * inverse[k] }
    }
}
