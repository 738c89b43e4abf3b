/// A Jacobian with "arrow" structure: a small dense core block (V and Ca for a neuron) and a
/// diagonal block (the gates), coupled only through the core rows and columns.
///
///     J = [ A  B ]    A: k×k (core),  B: k×n (core rows, gate columns)
///         [ C  D ]    C: n×k (gate rows, core columns),  D: diagonal n×n
///
/// Storage is row-major for A and B, and gate-major for C.
public struct ArrowJacobian: Sendable {
    public let coreCount: Int
    public let gateCount: Int
    public var A: [Double]
    public var B: [Double]
    public var C: [Double]
    public var D: [Double]

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
public struct ArrowNewtonSolver: Sendable {
    public private(set) var jacobian: ArrowJacobian
    // Factorised iteration matrix.
    private var diag: [Double]        // 1 − γ D_i
    private var schur: [Double]       // k×k, LU-factorised in place
    private var pivots: [Int]
    private var gamma: Double = 0
    private var scratch: [Double]

    public init(coreCount: Int, gateCount: Int) {
        jacobian = ArrowJacobian(coreCount: coreCount, gateCount: gateCount)
        diag = Array(repeating: 1, count: gateCount)
        schur = Array(repeating: 0, count: coreCount * coreCount)
        pivots = Array(repeating: 0, count: coreCount)
        scratch = Array(repeating: 0, count: coreCount)
    }

    /// Where the caller writes a fresh Jacobian before `factor(gamma:)`.
    public var jacobianStorage: ArrowJacobian {
        get { jacobian }
        _modify { yield &jacobian }
    }

    /// Factorises M = I − γJ. Returns false if M is singular.
    public mutating func factor(gamma: Double) -> Bool {
        self.gamma = gamma
        let k = jacobian.coreCount, n = jacobian.gateCount
        for i in 0..<n {
            let d = 1 - gamma * jacobian.D[i]
            if d == 0 { return false }
            diag[i] = d
        }
        // S = (I − γA) − (−γB) diag⁻¹ (−γC) = I − γA − γ² B diag⁻¹ C
        for r in 0..<k {
            for c in 0..<k {
                var s = (r == c ? 1 : 0) - gamma * jacobian.A[r * k + c]
                var acc = 0.0
                for i in 0..<n {
                    acc += jacobian.B[r * n + i] * jacobian.C[i * k + c] / diag[i]
                }
                s -= gamma * gamma * acc
                schur[r * k + c] = s
            }
        }
        // LU with partial pivoting on the k×k Schur complement.
        for col in 0..<k {
            var p = col
            var best = abs(schur[col * k + col])
            for r in (col + 1)..<max(col + 1, k) where abs(schur[r * k + col]) > best {
                best = abs(schur[r * k + col]); p = r
            }
            if best == 0 { return false }
            pivots[col] = p
            if p != col {
                for c in 0..<k { schur.swapAt(col * k + c, p * k + c) }
            }
            let inv = 1 / schur[col * k + col]
            for r in (col + 1)..<max(col + 1, k) {
                let f = schur[r * k + col] * inv
                schur[r * k + col] = f
                if f != 0 { for c in (col + 1)..<k { schur[r * k + c] -= f * schur[col * k + c] } }
            }
        }
        return true
    }

    /// Solves M x = b in place (`b` has k + n entries).
    public mutating func solve(_ b: UnsafeMutablePointer<Double>) {
        let k = jacobian.coreCount, n = jacobian.gateCount, g = gamma
        // Core right-hand side: b_c − (−γB) diag⁻¹ b_g
        for r in 0..<k {
            var acc = 0.0
            for i in 0..<n { acc += jacobian.B[r * n + i] * b[k + i] / diag[i] }
            scratch[r] = b[r] + g * acc
        }
        // Apply pivots, then forward and back substitution.
        for col in 0..<k where pivots[col] != col { scratch.swapAt(col, pivots[col]) }
        for r in 0..<k {
            var s = scratch[r]
            for c in 0..<r { s -= schur[r * k + c] * scratch[c] }
            scratch[r] = s
        }
        for r in stride(from: k - 1, through: 0, by: -1) {
            var s = scratch[r]
            for c in (r + 1)..<max(r + 1, k) { s -= schur[r * k + c] * scratch[c] }
            scratch[r] = s / schur[r * k + r]
        }
        for r in 0..<k { b[r] = scratch[r] }
        // Gates: x_g = (b_g − (−γC) x_c) / diag
        for i in 0..<n {
            var s = b[k + i]
            for c in 0..<k { s += g * jacobian.C[i * k + c] * scratch[c] }
            b[k + i] = s / diag[i]
        }
    }
}
