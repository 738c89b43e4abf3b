/// Solves the Newton systems M x = b, M = I − γJ, of a network exactly in time linear in the cells
/// (plus an N×N solve on the N voltages).
///
/// Structure: each cell's block M_i is arrow-shaped (`ArrowNewtonSolver`); each synapse state s is
/// diagonal, coupled to its presynaptic V (column) and its postsynaptic V (row); gap junctions couple
/// two voltages. Eliminating the synapse states leaves M_D + U W Uᵀ, with M_D = diag(M_i), U selecting
/// the voltages and W the N×N voltage-to-voltage coupling. With v = Uᵀx and G = diag((M_i⁻¹)_VV):
///
///     (I + G W) v = Uᵀ M_D⁻¹ r,    x_i = M_i⁻¹ r_i − (W v)_i M_i⁻¹ e_V,    x_s = (b_s − M_sV x_Vpre) / M_ss
///
/// where r is b with the synapse rows eliminated. W is sparse (one entry per synapse or gap junction);
/// the N×N LU skips zero multipliers, so for sparse circuits it costs far less than N³, and its factors
/// are kept by their nonzeros, so each solve costs their number instead of N².
public final class NetworkNewtonSolver: NewtonSystemSolver {
    let network: CompiledNetwork
    let cells: [ArrowNewtonSolver]
    let n: Int                       // number of cells
    // Jacobian entries of the couplings.
    var synapseSelf: [Double]        // ∂f_s/∂s
    var synapsePre: [Double]         // ∂f_s/∂V_pre
    var synapsePost: [Double]        // ∂f_Vpost/∂s = −ḡ (V_post − E)/C
    // Factorisation.
    var gamma = 0.0
    var synapseInverse: [Double]     // 1/(1 − γ ∂f_s/∂s)
    var unitResponse: [Double]       // M_i⁻¹ e_V for every cell, at the cells' offsets
    var couplings: [(row: Int, column: Int, value: Double)] = []
    var lu: [Double]                 // n×n LU of I + G W
    var pivots: [Int]
    // The LU factors' nonzeros by row (L strictly below the diagonal, then U from the diagonal), for solves
    // that cost their number of nonzeros instead of n².
    var factorRowStart: [Int]        // row r: L in factorRowStart[r]..<diagonalStart[r], U in diagonalStart[r]..<factorRowStart[r + 1]
    var diagonalStart: [Int]
    var factorColumns: [Int]         // n² entries reserved: every one may be nonzero
    var factorValues: [Double]
    var vScratch: [Double], wv: [Double]

    /// A solver for `network`, its storage allocated once.
    public init(_ network: CompiledNetwork) {
        self.network = network
        n = network.cells.count
        cells = network.cells.map { ArrowNewtonSolver(coreCount: $0.coreCount, gateCount: $0.dimension - $0.coreCount) }
        let m = network.synapses.count
        synapseSelf = Array(repeating: 0, count: m)
        synapsePre = synapseSelf
        synapsePost = synapseSelf
        synapseInverse = synapseSelf
        unitResponse = Array(repeating: 0, count: network.synapseOffset)
        lu = Array(repeating: 0, count: n * n)
        pivots = Array(repeating: 0, count: n)
        factorRowStart = Array(repeating: 0, count: n + 1)
        diagonalStart = Array(repeating: 0, count: n)
        factorColumns = Array(repeating: 0, count: n * n)
        factorValues = Array(repeating: 0, count: n * n)
        vScratch = Array(repeating: 0, count: n)
        wv = vScratch
        couplings.reserveCapacity(m + 2 * network.gaps.count)
    }

    /// Evaluates each cell's arrow Jacobian and the synapses' and gap junctions' coupling entries at (t, y).
    public func evaluateJacobian(_ t: Double, _ y: UnsafePointer<Double>) {
        for (i, c) in network.cells.enumerated() { c.jacobian(t, y + network.offsets[i], into: &cells[i].jacobian) }
        for (k, w) in network.synapses.enumerated() {
            let s = y[w.state]
            let r = w.kinetics.rate(V: y[w.preV], s: s)
            synapseSelf[k] = r.ds
            synapsePre[k] = r.dV
            synapsePost[k] = -w.gbar * (y[w.postV] - w.reversal) / w.capacitance
            cells[w.postCell].jacobian.A[0] -= w.gbar * s / w.capacitance
        }
        for g in network.gaps {
            cells[g.a].jacobian.A[0] -= g.g / g.capA
            cells[g.b].jacobian.A[0] -= g.g / g.capB
        }
    }

    /// Entry (i, j) of the full network Jacobian.
    public func jacobianEntry(_ i: Int, _ j: Int) -> Double {
        let net = network
        func cell(of index: Int) -> Int? {
            guard index < net.synapseOffset else { return nil }
            var c = 0
            while c + 1 < n && net.offsets[c + 1] <= index { c += 1 }
            return c
        }
        switch (cell(of: i), cell(of: j)) {
        case let (ci?, cj?):
            if ci == cj { return cells[ci].jacobian.entry(i - net.offsets[ci], j - net.offsets[cj]) }
            guard i == net.offsets[ci], j == net.offsets[cj] else { return 0 }
            var v = 0.0
            for g in net.gaps {
                if g.a == ci && g.b == cj { v += g.g / g.capA }
                if g.b == ci && g.a == cj { v += g.g / g.capB }
            }
            return v
        case (_?, nil):
            let k = j - net.synapseOffset
            return net.synapses[k].postV == i ? synapsePost[k] : 0
        case (nil, _?):
            let k = i - net.synapseOffset
            return net.synapses[k].preV == j ? synapsePre[k] : 0
        case (nil, nil):
            return i == j ? synapseSelf[i - net.synapseOffset] : 0
        }
    }

    /// Factorises each cell's block, the synapse diagonal and the N×N voltage system I + G W; false if any is singular.
    public func factor(gamma: Double) -> Bool {
        self.gamma = gamma
        let net = network
        for (i, c) in cells.enumerated() {
            guard c.factor(gamma: gamma) else { return false }
            let o = net.offsets[i], d = net.cells[i].dimension
            let ok: Bool = unitResponse.withUnsafeMutableBufferPointer { u in
                let z = u.baseAddress! + o
                for a in 0..<d { z[a] = a == 0 ? 1 : 0 }
                c.solve(z)
                return z[0].isFinite
            }
            guard ok else { return false }
        }
        for k in 0..<synapseSelf.count {
            let d = 1 - gamma * synapseSelf[k]
            guard d != 0, d.isFinite else { return false }
            synapseInverse[k] = 1 / d
        }
        // W: V_i ← V_j couplings of M after eliminating the synapse states.
        couplings.removeAll(keepingCapacity: true)
        for g in net.gaps {
            couplings.append((g.a, g.b, -gamma * g.g / g.capA))
            couplings.append((g.b, g.a, -gamma * g.g / g.capB))
        }
        for (k, w) in net.synapses.enumerated() {
            // −M[V_post, s] M[s, V_pre] / M[s, s] with M[V_post, s] = −γ ∂f_V/∂s, M[s, V_pre] = −γ ∂f_s/∂V.
            couplings.append((w.postCell, w.preCell, -gamma * gamma * synapsePost[k] * synapsePre[k] * synapseInverse[k]))
        }
        // A = I + G W, LU with partial pivoting (zero multipliers skipped).
        for i in 0..<(n * n) { lu[i] = 0 }
        for i in 0..<n { lu[i * n + i] = 1 }
        for c in couplings { lu[c.row * n + c.column] += unitResponse[net.offsets[c.row]] * c.value }
        let factored = lu.withUnsafeMutableBufferPointer { a in
            pivots.withUnsafeMutableBufferPointer { DenseLU.factor(a.baseAddress!, n, pivots: $0.baseAddress!) }
        }
        guard factored else { return false }
        compressFactors()
        return true
    }

    /// Keeps the nonzeros of the LU factors by row (the solves run once per Newton iteration, the
    /// factorisation once per matrix update: a sparse circuit's factors have far fewer than n² nonzeros).
    func compressFactors() {
        var k = 0
        lu.withUnsafeBufferPointer { a in
        factorRowStart.withUnsafeMutableBufferPointer { start in
        diagonalStart.withUnsafeMutableBufferPointer { diagonal in
        factorColumns.withUnsafeMutableBufferPointer { columns in
        factorValues.withUnsafeMutableBufferPointer { values in
            for r in 0..<n {
                let row = a.baseAddress! + r * n
                start[r] = k
                var c = 0
                while c < n {
                    if c == r { diagonal[r] = k }
                    let v = row[c]
                    if v != 0 || c == r { columns[k] = c; values[k] = v; k &+= 1 }
                    c &+= 1
                }
            }
            start[n] = k
        } } } } }
    }

    /// Solves (I + G W) x = b in place with the compressed factors: the dense solve (`DenseLU.solve`) with
    /// its zero terms left out, so the same numbers.
    func solveVoltageSystem(_ x: UnsafeMutablePointer<Double>) {
        pivots.withUnsafeBufferPointer { pivots in
        factorRowStart.withUnsafeBufferPointer { start in
        diagonalStart.withUnsafeBufferPointer { diagonal in
        factorColumns.withUnsafeBufferPointer { columns in
        factorValues.withUnsafeBufferPointer { values in
            for r in 0..<n { let p = pivots[r]; if p != r { swap(&x[r], &x[p]) } }
            for r in 0..<n {
                var s = x[r]
                var k = start[r]
                while k < diagonal[r] { s -= values[k] * x[columns[k]]; k &+= 1 }
                x[r] = s
            }
            var r = n - 1
            while r >= 0 {
                let d = diagonal[r]
                var s = x[r], k = d + 1
                while k < start[r + 1] { s -= values[k] * x[columns[k]]; k &+= 1 }
                x[r] = s / values[d]
                r -= 1
            }
        } } } } }
    }

    /// Solves M x = b in place: synapse rows eliminated, the voltage system solved, then cells and synapses.
    public func solve(_ b: UnsafeMutablePointer<Double>) {
        let net = network
        // Eliminate the synapse rows: r_Vpost = b_Vpost − M[V_post, s] b_s / M[s, s].
        for (k, w) in net.synapses.enumerated() {
            b[w.postV] += gamma * synapsePost[k] * b[w.state] * synapseInverse[k]
        }
        for (i, c) in cells.enumerated() { c.solve(b + net.offsets[i]) }
        // (I + G W) v = Uᵀ M_D⁻¹ r
        for i in 0..<n { vScratch[i] = b[net.offsets[i]] }
        vScratch.withUnsafeMutableBufferPointer { solveVoltageSystem($0.baseAddress!) }
        for i in 0..<n { wv[i] = 0 }
        for c in couplings { wv[c.row] += c.value * vScratch[c.column] }
        for (i, cell) in net.cells.enumerated() where wv[i] != 0 {
            let o = net.offsets[i]
            for a in 0..<cell.dimension { b[o + a] -= wv[i] * unitResponse[o + a] }
        }
        for (k, w) in net.synapses.enumerated() {
            b[w.state] = (b[w.state] + gamma * synapsePre[k] * b[w.preV]) * synapseInverse[k]
        }
    }
}
