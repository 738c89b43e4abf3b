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
    /// The Jacobian to factor; write a fresh one here before `factor(gamma:)` (any write makes the next
    /// factorisation find its non-zero entries again).
    public var jacobian: ArrowJacobian { didSet { analysed = false } }
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
    // The non-zero entries of the Jacobian itself, found once per Jacobian (`analyse`) and read by every
    // factorisation with it (CVODE factors each Jacobian for ≈ 2 values of γ): A's and B's non-zero entries
    // (CSR), C's widths, and per core row j ≥ 2 the columns c ≥ 2, c ≠ j where its Schur row can be non-zero
    // (A's entries and the C columns of its B gates): what decides whether j can be eliminated early.
    private let aStart: UnsafeMutablePointer<Int>
    private let aColumns: UnsafeMutablePointer<Int>
    private let bStart: UnsafeMutablePointer<Int>
    private let bGates: UnsafeMutablePointer<Int>
    private let cExtent: UnsafeMutablePointer<Int>
    private let otherStart: UnsafeMutablePointer<Int>
    private let otherColumns: UnsafeMutablePointer<Int>
    private let mark: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var analysed = false
    /// The zero pattern of the Jacobian last analysed (1 where A, B or C is non-zero, in that order): a new
    /// Jacobian with the same pattern, as almost every one is, reuses the analysis.
    private let pattern: UnsafeMutablePointer<Double>
    @exclusivity(unchecked) private var patternKnown = false
    // Second level, also found at factor time: core states whose Schur row couples only to V, Ca and
    // themselves (a homeostatic ḡ: dḡ/dt = (m − ḡ)/τ_g, m a gate-like state driven by Ca) are eliminated
    // like gates, leaving a dense LU on the other ("inner") core states only.
    private let inner: UnsafeMutablePointer<Int>
    private let eliminated: UnsafeMutablePointer<Int>
    private let pivotInverse: UnsafeMutablePointer<Double>  // 1 / S[j, j] of an eliminated state j
    private let innerLU: UnsafeMutablePointer<Double>       // m×m LU factors of the inner Schur complement
    private let innerX: UnsafeMutablePointer<Double>
    private let couplings: UnsafeMutablePointer<(row: Int, state: Int, weight: Double)>  // S[r, j] / S[j, j] ≠ 0
    @exclusivity(unchecked) private var innerCount = 0
    @exclusivity(unchecked) private var eliminatedCount = 0
    @exclusivity(unchecked) private var couplingCount = 0

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
        aStart = .allocate(capacity: k + 1)
        aColumns = .allocate(capacity: max(k * k, 1))
        bStart = .allocate(capacity: k + 1)
        bGates = .allocate(capacity: max(k * n, 1))
        cExtent = .allocate(capacity: max(n, 1))
        otherStart = .allocate(capacity: k + 1)
        otherColumns = .allocate(capacity: max(k * k, 1))
        mark = .allocate(capacity: max(k, 1))
        inner = .allocate(capacity: max(k, 1))
        eliminated = .allocate(capacity: max(k, 1))
        pivotInverse = .allocate(capacity: max(k, 1))
        innerLU = .allocate(capacity: max(k * k, 1))
        innerX = .allocate(capacity: max(k, 1))
        couplings = .allocate(capacity: max(k * k, 1))
        pattern = .allocate(capacity: max(k * k + 2 * k * n, 1))
        pattern.initialize(repeating: 0, count: max(k * k + 2 * k * n, 1))
    }

    deinit {
        inverseDiag.deallocate(); scaledB.deallocate(); scaledC.deallocate()
        schur.deallocate(); pivots.deallocate(); scratch.deallocate()
        rowStart.deallocate(); rowGates.deallocate(); cWidth.deallocate()
        aStart.deallocate(); aColumns.deallocate(); bStart.deallocate(); bGates.deallocate(); cExtent.deallocate()
        otherStart.deallocate(); otherColumns.deallocate(); mark.deallocate()
        inner.deallocate(); eliminated.deallocate(); pivotInverse.deallocate(); innerLU.deallocate(); innerX.deallocate(); couplings.deallocate()
        pattern.deallocate()
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

    // Loops below use wrapping index arithmetic and while loops: k and n are small (a neuron with
    // homeostasis and a controller has k ≈ 14, n ≈ 17) and a solve runs at every Newton iteration.

    /// Finds the non-zero entries of A, B and C (exact zeros are skipped, as a factorisation from the full
    /// blocks would add or subtract exactly 0 there), and each core row's possible Schur columns c ≥ 2.
    private func analyse(_ A: UnsafePointer<Double>, _ B: UnsafePointer<Double>, _ C: UnsafePointer<Double>) {
        let k = self.k, n = self.n
        var count = 0, r = 0
        while r < k {
            aStart[r] = count
            appendNonZeroIndices(A + r &* k, k, to: aColumns, &count)
            r &+= 1
        }
        aStart[k] = count
        count = 0; r = 0
        while r < k {
            bStart[r] = count
            appendNonZeroIndices(B + r &* n, n, to: bGates, &count)
            r &+= 1
        }
        bStart[k] = count
        var i = 0
        while i < n {
            cExtent[i] = nonZeroExtent(C + i &* k, k)
            i &+= 1
        }
        // Schur row j: (I − γA)[j, :] minus, for each of its B gates g, multiples of C[g, 0 ..< cExtent[g]].
        var c = 0
        while c < k { mark[c] = -1; c &+= 1 }
        count = 0; r = 0
        while r < k {
            otherStart[r] = count
            @inline(__always) func note(_ c: Int) {
                if c >= 2, c != r, mark[c] != r { mark[c] = r; otherColumns[count] = c; count &+= 1 }
            }
            var j = aStart[r]
            while j < aStart[r &+ 1] { note(aColumns[j]); j &+= 1 }
            j = bStart[r]
            while j < bStart[r &+ 1] {
                let width = cExtent[bGates[j]]
                c = 2
                while c < width { note(c); c &+= 1 }
                j &+= 1
            }
            r &+= 1
        }
        otherStart[k] = count
    }

    /// Records the zero pattern of A, B and C (a NaN counts as non-zero, as in `analyse`) and returns whether
    /// it is the pattern of the Jacobian analysed before: then that analysis holds, since it depends on
    /// the pattern alone. Four entries at a time.
    private func recordPattern(_ A: UnsafePointer<Double>, _ B: UnsafePointer<Double>, _ C: UnsafePointer<Double>) -> Bool {
        var differs = SIMD4<Double>(repeating: 0)
        var offset = 0
        @inline(__always) func record(_ p: UnsafePointer<Double>, _ count: Int) {
            let q = pattern + offset
            var i = 0
            while i &+ 4 <= count {
                let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
                let nonZero = SIMD4<Double>(repeating: 0).replacing(with: 1, where: v .!= 0)
                let change = nonZero - UnsafeRawPointer(q + i).loadUnaligned(as: SIMD4<Double>.self)
                differs += change * change
                UnsafeMutableRawPointer(q + i).storeBytes(of: nonZero, as: SIMD4<Double>.self)
                i &+= 4
            }
            while i < count {
                let nonZero: Double = p[i] != 0 ? 1 : 0
                differs[0] += (nonZero - q[i]) * (nonZero - q[i])
                q[i] = nonZero
                i &+= 1
            }
            offset &+= count
        }
        record(A, k &* k)
        record(B, k &* n)
        record(C, n &* k)
        defer { patternKnown = true }
        return patternKnown && differs == SIMD4(repeating: 0)
    }

    private func factor(_ gamma: Double, _ A: UnsafePointer<Double>, _ B: UnsafePointer<Double>,
                        _ C: UnsafePointer<Double>, _ D: UnsafePointer<Double>) -> Bool {
        let k = self.k, n = self.n
        if k == 2 { return factorTwoCore(gamma, A, B, C, D) }
        if !analysed {
            if !recordPattern(A, B, C) { analyse(A, B, C) }
            analysed = true
        }
        var i = 0
        while i < n {
            let d = 1 - gamma * D[i]
            if d == 0 || !d.isFinite { return false }
            inverseDiag[i] = 1 / d
            i &+= 1
        }
        var count = 0, r = 0
        while r < k {
            rowStart[r] = count
            let row = B + r &* n, out = scaledB + r &* n
            var j = bStart[r]
            let end = bStart[r &+ 1]
            while j < end {   // only the non-zero entries are stored: the Schur update and the solve read those alone
                let g = bGates[j]
                let b = gamma * row[g] * inverseDiag[g]
                out[g] = b
                if b != 0 { rowGates[count] = g; count &+= 1 }
                j &+= 1
            }
            r &+= 1
        }
        rowStart[k] = count
        i = 0
        while i < n {
            var width = 0, c = 0
            let row = C + i &* k, out = scaledC + i &* k, extent = cExtent[i]
            while c < extent {
                let v = gamma * row[c]
                out[c] = v
                if v != 0 { width = c &+ 1 }
                c &+= 1
            }
            cWidth[i] = width
            i &+= 1
        }
        // S = (I − γA) − (γB) diag⁻¹ (γC), over the non-zero entries only (elsewhere S is 0, or 1 on the diagonal).
        schur.update(repeating: 0, count: k &* k)
        r = 0
        while r < k {
            let out = schur + r &* k, row = A + r &* k
            out[r] = 1
            var j = aStart[r]
            let aEnd = aStart[r &+ 1]
            while j < aEnd { let c = aColumns[j]; out[c] = (r == c ? 1 : 0) - gamma * row[c]; j &+= 1 }
            j = rowStart[r]
            let end = rowStart[r &+ 1], bRow = scaledB + r &* n
            while j < end {
                let g = rowGates[j], b = bRow[g], cRow = scaledC + g &* k, width = cWidth[g]
                var c = 0
                while c < width { out[c] -= b * cRow[c]; c &+= 1 }
                j &+= 1
            }
            r &+= 1
        }
        return factorSchur()
    }

    /// Factors the k×k Schur complement S in `schur`: first eliminates every core state j ≥ 2 whose row of S
    /// is zero outside the columns V, Ca and j (S' = S − S[:, j] S[j, j]⁻¹ S[j, :] changes only the V and
    /// Ca columns of the other rows), then LU with partial pivoting on the rest. Eliminating j first is
    /// exact; it is taken only where S[j, j] is not small against S[j, V] and S[j, Ca] (else j stays in the LU).
    private func factorSchur() -> Bool {
        let k = self.k
        var m = 0, e = 0, r = 0
        while r < k {
            var separable = r >= 2
            if separable {
                let row = schur + r &* k
                var j = otherStart[r]
                let end = otherStart[r &+ 1]
                while j < end { if row[otherColumns[j]] != 0 { separable = false; break }; j &+= 1 }
                let d = row[r]
                if separable, !(d.isFinite && d != 0 && abs(d) >= 1e-3 * max(abs(row[0]), abs(row[1]))) { separable = false }
            }
            if separable { eliminated[e] = r; e &+= 1 } else { inner[m] = r; m &+= 1 }
            r &+= 1
        }
        innerCount = m
        eliminatedCount = e
        couplingCount = 0
        if e == 0 { return DenseLU.factor(schur, k, pivots: pivots) }
        var q = 0
        while q < e { let j = eliminated[q]; pivotInverse[q] = 1 / schur[j &* k &+ j]; q &+= 1 }
        var a = 0
        while a < m {
            let row = schur + inner[a] &* k, out = innerLU + a &* m
            var b = 0
            while b < m { out[b] = row[inner[b]]; b &+= 1 }
            // inner[0] = V and inner[1] = Ca: the only inner columns an eliminated row reaches.
            q = 0
            while q < e {
                let j = eliminated[q], f = row[j]
                if f != 0 {
                    let w = f * pivotInverse[q], pivotRow = schur + j &* k
                    out[0] -= w * pivotRow[0]
                    out[1] -= w * pivotRow[1]
                    couplings[couplingCount] = (a, j, w)
                    couplingCount &+= 1
                }
                q &+= 1
            }
            a &+= 1
        }
        return DenseLU.factor(innerLU, m, pivots: pivots)
    }

    /// Solves M x = b in place (`b` has k + n entries), with the factors of the last `factor(gamma:)`.
    public func solve(_ b: UnsafeMutablePointer<Double>) {
        let k = self.k, n = self.n
        if k == 2 { return solveTwoCore(b) }
        let g = b + k
        // Core right-hand side: b_c + (γB) diag⁻¹ b_g
        var r = 0
        while r < k {
            var acc = b[r]
            var j = rowStart[r]
            let end = rowStart[r &+ 1], row = scaledB + r &* n
            while j < end { let i = rowGates[j]; acc += row[i] * g[i]; j &+= 1 }
            scratch[r] = acc
            r &+= 1
        }
        if eliminatedCount == 0 {
            DenseLU.solve(schur, k, pivots: pivots, scratch)
        } else {
            let m = innerCount, e = eliminatedCount
            var a = 0
            while a < m { innerX[a] = scratch[inner[a]]; a &+= 1 }
            var c = 0
            while c < couplingCount { let (a, j, w) = couplings[c]; innerX[a] -= w * scratch[j]; c &+= 1 }
            DenseLU.solve(innerLU, m, pivots: pivots, innerX)
            a = 0
            while a < m { scratch[inner[a]] = innerX[a]; a &+= 1 }
            let x0 = scratch[0], x1 = scratch[1]
            var q = 0
            while q < e {
                let j = eliminated[q], row = schur + j &* k
                scratch[j] = (scratch[j] - row[0] * x0 - row[1] * x1) * pivotInverse[q]
                q &+= 1
            }
        }
        r = 0
        while r < k { b[r] = scratch[r]; r &+= 1 }
        // Gates: x_g = (b_g + (γC) x_c) · diag⁻¹
        var i = 0
        while i < n {
            var s = g[i]
            let row = scaledC + i &* k, width = cWidth[i]
            // A gate depends on V, or on V and Ca: those two widths without a loop (the same sums in the same order).
            if width == 1 {
                s += row[0] * scratch[0]
            } else if width == 2 {
                s += row[0] * scratch[0]
                s += row[1] * scratch[1]
            } else {
                var c = 0
                while c < width { s += row[c] * scratch[c]; c &+= 1 }
            }
            g[i] = s * inverseDiag[i]
            i &+= 1
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

/// Appends the indices i < count with p[i] ≠ 0 (NaN included, −0 not) to `out` from position `position`,
/// advancing it; four entries are tested at once, so the zeros of a sparse row cost little.
@inline(__always)
func appendNonZeroIndices(_ p: UnsafePointer<Double>, _ count: Int, to out: UnsafeMutablePointer<Int>, _ position: inout Int) {
    var i = 0
    while i &+ 4 <= count {
        let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
        if !all(v .== 0) {   // a NaN lane is not == 0, so it is looked at
            var lane = 0
            while lane < 4 { if v[lane] != 0 { out[position] = i &+ lane; position &+= 1 }; lane &+= 1 }
        }
        i &+= 4
    }
    while i < count { if p[i] != 0 { out[position] = i; position &+= 1 }; i &+= 1 }
}

/// One past the last index i < count with p[i] ≠ 0 (NaN included, −0 not); 0 if there is none.
@inline(__always)
func nonZeroExtent(_ p: UnsafePointer<Double>, _ count: Int) -> Int {
    var i = count
    while i > 0, p[i &- 1] == 0 { i &-= 1 }
    return i
}
