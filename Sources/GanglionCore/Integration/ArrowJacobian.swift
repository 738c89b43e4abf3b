/// A Jacobian with "arrow" structure: a small dense core block (V and Ca for a neuron) and a
/// diagonal block (the gates), coupled only through the core rows and columns.
///
///     J = [ A  B ]    A: k×k (core),  B: k×n (core rows, gate columns)
///         [ C  D ]    C: n×k (gate rows, core columns),  D: diagonal n×n
///
/// Storage is row-major for A and B, and gate-major for C.
public struct ArrowJacobian: Sendable {
    /// k, the size of the dense core block.
    public let coreCount: Int
    /// n, the number of diagonal (gate) states.
    public let gateCount: Int
    /// The core block ∂f_core/∂y_core, k×k row-major.
    public var A: [Double]
    /// The core rows' gate columns ∂f_core/∂y_gate, k×n row-major.
    public var B: [Double]
    /// The gate rows' core columns ∂f_gate/∂y_core, n×k gate-major.
    public var C: [Double]
    /// The diagonal ∂f_i/∂y_i of the gates, n entries.
    public var D: [Double]

    /// A zero Jacobian with `coreCount` core and `gateCount` gate states.
    public init(coreCount: Int, gateCount: Int) {
        self.coreCount = coreCount
        self.gateCount = gateCount
        A = Array(repeating: 0, count: coreCount * coreCount)
        B = Array(repeating: 0, count: coreCount * gateCount)
        C = Array(repeating: 0, count: gateCount * coreCount)
        D = Array(repeating: 0, count: gateCount)
    }

    /// Dimension k + n.
    public var dimension: Int { coreCount + gateCount }

    /// Entry (i, j) of the full matrix (for tests and debugging).
    public func entry(_ i: Int, _ j: Int) -> Double {
        let k = coreCount
        switch (i < k, j < k) {
        case (true, true): return A[i * k + j]
        case (true, false): return B[i * gateCount + (j - k)]
        case (false, true): return C[(i - k) * k + j]
        case (false, false): return i == j ? D[i - k] : 0
        }
    }
}

/// Solves the Newton systems (I − γJ) x = b of implicit integrators for an arrow-structured J in
/// O(k²n + k³) by eliminating the diagonal block (Schur complement on the core).
///
/// `factor(gamma:)` precomputes everything `solve` needs into flat storage, so a solve is two short
/// passes over the gates and a k×k triangular solve.
public final class ArrowNewtonSolver: @unchecked Sendable {
    /// The Jacobian to factor; write a fresh one here before `factor(gamma:)`.
    public var jacobian: ArrowJacobian
    private let k: Int, n: Int
    private let inverseDiag: UnsafeMutablePointer<Double>   // 1 / (1 − γ D_i)
    private let scaledB: UnsafeMutablePointer<Double>       // γ B[r, i] / (1 − γ D_i), row-major k×n
    private let scaledC: UnsafeMutablePointer<Double>       // γ C[i, c], gate-major n×k
    private let schur: UnsafeMutablePointer<Double>         // k×k LU factors
    private let pivots: UnsafeMutablePointer<Int>
    private let scratch: UnsafeMutablePointer<Double>
    // Sparsity found at factor time: the gates with a non-zero B entry in each core row (CSR), and for each
    // gate the number of leading core columns of C that can be non-zero (gates depend on V and Ca only).
    private let rowStart: UnsafeMutablePointer<Int>
    private let rowGates: UnsafeMutablePointer<Int>
    private let cWidth: UnsafeMutablePointer<Int>

    /// A solver for Jacobians with `coreCount` core and `gateCount` gate states (storage allocated once).
    public init(coreCount: Int, gateCount: Int) {
        k = coreCount
        n = gateCount
        jacobian = ArrowJacobian(coreCount: coreCount, gateCount: gateCount)
        inverseDiag = .allocate(capacity: max(n, 1))
        scaledB = .allocate(capacity: max(k * n, 1))
        scaledC = .allocate(capacity: max(k * n, 1))
        schur = .allocate(capacity: max(k * k, 1))
        pivots = .allocate(capacity: max(k, 1))
        scratch = .allocate(capacity: max(k, 1))
        rowStart = .allocate(capacity: k + 1)
        rowGates = .allocate(capacity: max(k * n, 1))
        cWidth = .allocate(capacity: max(n, 1))
    }

    deinit {
        inverseDiag.deallocate(); scaledB.deallocate(); scaledC.deallocate()
        schur.deallocate(); pivots.deallocate(); scratch.deallocate()
        rowStart.deallocate(); rowGates.deallocate(); cWidth.deallocate()
    }

    /// Factorises M = I − γJ. Returns false if M is singular.
    public func factor(gamma: Double) -> Bool {
        let ok: Bool = jacobian.A.withUnsafeBufferPointer { A in
            jacobian.B.withUnsafeBufferPointer { B in
                jacobian.C.withUnsafeBufferPointer { C in
                    jacobian.D.withUnsafeBufferPointer { D in
                        factor(gamma, A.baseAddress!, B.baseAddress!, C.baseAddress!, D.baseAddress!)
                    }
                }
            }
        }
        return ok
    }

    private func factor(_ gamma: Double, _ A: UnsafePointer<Double>, _ B: UnsafePointer<Double>,
                        _ C: UnsafePointer<Double>, _ D: UnsafePointer<Double>) -> Bool {
        if k == 2 { return factorTwoCore(gamma, A, B, C, D) }
        for i in 0..<n {
            let d = 1 - gamma * D[i]
            if d == 0 || !d.isFinite { return false }
            inverseDiag[i] = 1 / d
        }
        var count = 0
        for r in 0..<k {
            rowStart[r] = count
            for i in 0..<n {
                let b = gamma * B[r * n + i] * inverseDiag[i]
                scaledB[r * n + i] = b
                if b != 0 { rowGates[count] = i; count += 1 }
            }
        }
        rowStart[k] = count
        for i in 0..<n {
            var width = 0
            for c in 0..<k {
                let v = gamma * C[i * k + c]
                scaledC[i * k + c] = v
                if v != 0 { width = c + 1 }
            }
            cWidth[i] = width
        }
        // S = (I − γA) − (γB) diag⁻¹ (γC), over the non-zero entries only.
        for r in 0..<k {
            for c in 0..<k { schur[r * k + c] = (r == c ? 1 : 0) - gamma * A[r * k + c] }
            for j in rowStart[r]..<rowStart[r + 1] {
                let i = rowGates[j]
                let b = scaledB[r * n + i]
                for c in 0..<cWidth[i] { schur[r * k + c] -= b * scaledC[i * k + c] }
            }
        }
        // LU with partial pivoting on the k×k Schur complement.
        return DenseLU.factor(schur, k, pivots: pivots)
    }

    /// Solves M x = b in place (`b` has k + n entries), with the factors of the last `factor(gamma:)`.
    public func solve(_ b: UnsafeMutablePointer<Double>) {
        if k == 2 { return solveTwoCore(b) }
        // Core right-hand side: b_c + (γB) diag⁻¹ b_g
        for r in 0..<k {
            var acc = b[r]
            let row = scaledB + r * n
            for j in rowStart[r]..<rowStart[r + 1] { let i = rowGates[j]; acc += row[i] * b[k + i] }
            scratch[r] = acc
        }
        DenseLU.solve(schur, k, pivots: pivots, scratch)
        for c in 0..<k { b[c] = scratch[c] }
        // Gates: x_g = (b_g + (γC) x_c) · diag⁻¹
        for i in 0..<n {
            var s = b[k + i]
            for c in 0..<cWidth[i] { s += scaledC[i * k + c] * scratch[c] }
            b[k + i] = s * inverseDiag[i]
        }
    }

    /// `factor` for a core of two states (V and Ca: a neuron), over every gate in order (a zero entry
    /// subtracts exactly 0, so the factors are the sparse loops'); `solveTwoCore` needs no index lists.
    private func factorTwoCore(_ gamma: Double, _ A: UnsafePointer<Double>, _ B: UnsafePointer<Double>,
                               _ C: UnsafePointer<Double>, _ D: UnsafePointer<Double>) -> Bool {
        var s00 = 1 - gamma * A[0], s01 = 0 - gamma * A[1], s10 = 0 - gamma * A[2], s11 = 1 - gamma * A[3]
        for i in 0..<n {
            let d = 1 - gamma * D[i]
            if d == 0 || !d.isFinite { return false }
            let inverse = 1 / d
            inverseDiag[i] = inverse
            let b0 = gamma * B[i] * inverse, b1 = gamma * B[n + i] * inverse
            let c0 = gamma * C[2 * i], c1 = gamma * C[2 * i + 1]
            scaledB[i] = b0
            scaledB[n + i] = b1
            scaledC[2 * i] = c0
            scaledC[2 * i + 1] = c1
            s00 -= b0 * c0
            s01 -= b0 * c1
            s10 -= b1 * c0
            s11 -= b1 * c1
        }
        schur[0] = s00; schur[1] = s01; schur[2] = s10; schur[3] = s11
        return DenseLU.factor(schur, 2, pivots: pivots)
    }

    /// `solve` for a core of two states (V and Ca: a neuron), over every gate (a zero entry adds exactly
    /// 0, so the result is the sparse loops'): two straight passes without index lists.
    @inline(__always)
    private func solveTwoCore(_ b: UnsafeMutablePointer<Double>) {
        var r0 = b[0], r1 = b[1]
        let b0 = scaledB, b1 = scaledB + n, g = b + 2
        for i in 0..<n { r0 += b0[i] * g[i]; r1 += b1[i] * g[i] }
        scratch[0] = r0
        scratch[1] = r1
        DenseLU.solve(schur, 2, pivots: pivots, scratch)
        let x0 = scratch[0], x1 = scratch[1]
        b[0] = x0
        b[1] = x1
        for i in 0..<n { g[i] = (g[i] + scaledC[2 * i] * x0 + scaledC[2 * i + 1] * x1) * inverseDiag[i] }
    }
}
