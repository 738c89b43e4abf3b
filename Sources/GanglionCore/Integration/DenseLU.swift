/// LU factorisation with partial pivoting of a small dense row-major n×n matrix, in place, and the solve
/// with its factors. Shared by the Newton solvers (a cell's core block, a network's voltage system).
enum DenseLU {
    /// Factors `a` (rows swapped whole, multipliers stored below the diagonal); zero multipliers are
    /// skipped, so a sparse matrix costs less than n³/3. Returns false if `a` is singular or not finite.
    @inline(__always)
    static func factor(_ a: UnsafeMutablePointer<Double>, _ n: Int, pivots: UnsafeMutablePointer<Int>) -> Bool {
        for col in 0..<n {
            var p = col, best = abs(a[col &* n &+ col])
            var r = col + 1
            while r < n {
                if abs(a[r &* n &+ col]) > best { best = abs(a[r &* n &+ col]); p = r }
                r &+= 1
            }
            guard best > 0, best.isFinite else { return false }
            pivots[col] = p
            if p != col { for c in 0..<n { swap(&a[col &* n &+ c], &a[p &* n &+ c]) } }
            let inv = 1 / a[col &* n &+ col]
            r = col + 1
            while r < n {
                let f = a[r &* n &+ col]
                if f != 0 {
                    let m = f * inv
                    a[r &* n &+ col] = m
                    var c = col + 1
                    while c < n { a[r &* n &+ c] -= m * a[col &* n &+ c]; c &+= 1 }
                }
                r &+= 1
            }
        }
        return true
    }

    /// Solves A x = b in place (`x` holds b on entry) with the factors and pivots of `factor`.
    @inline(__always)
    static func solve(_ a: UnsafePointer<Double>, _ n: Int, pivots: UnsafePointer<Int>, _ x: UnsafeMutablePointer<Double>) {
        var r = 0
        while r < n { let p = pivots[r]; if p != r { swap(&x[r], &x[p]) }; r &+= 1 }
        r = 0
        while r < n {
            let row = a + r &* n
            var s = x[r], c = 0
            while c < r { s -= row[c] * x[c]; c &+= 1 }
            x[r] = s
            r &+= 1
        }
        r = n &- 1
        while r >= 0 {
            let row = a + r &* n
            var s = x[r], c = r &+ 1
            while c < n { s -= row[c] * x[c]; c &+= 1 }
            x[r] = s / row[r]
            r &-= 1
        }
    }
}
