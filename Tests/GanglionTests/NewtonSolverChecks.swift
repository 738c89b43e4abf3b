import Foundation
import Ganglion

/// Checks of a `NewtonSystemSolver` against independent computations.
enum NewtonSolverChecks {
    /// Each entry of `solver`'s evaluated Jacobian against central differences of `system`'s right-hand side at
    /// (t, y) (step 1e-6 · max(1, |y_j|)): the largest difference relative to max(|fd|, 1), and where it is.
    static func jacobianError(_ system: any ODESystem, _ solver: any NewtonSystemSolver, t: Double, y: [Double])
        -> (worst: Double, row: Int, column: Int, analytic: Double, difference: Double) {
        let n = y.count
        var f1 = Array(repeating: 0.0, count: n), f2 = f1
        var worst = (worst: 0.0, row: 0, column: 0, analytic: 0.0, difference: 0.0)
        for j in 0..<n {
            let h = 1e-6 * max(1, abs(y[j]))
            var a = y, b = y
            a[j] += h; b[j] -= h
            system.rightHandSide(t, a, &f1)
            system.rightHandSide(t, b, &f2)
            for i in 0..<n {
                let fd = (f1[i] - f2[i]) / (2 * h), an = solver.jacobianEntry(i, j)
                let e = abs(fd - an) / max(abs(fd), 1)
                if e > worst.worst { worst = (e, i, j, an, fd) }
            }
        }
        return worst
    }

    /// `solver`'s solution of (I − γJ) x = b (after `factor(gamma:)`) and the solution by Gaussian elimination
    /// with partial pivoting on the dense matrix built from `jacobianEntry`: the largest difference relative to
    /// max(|x_dense|, 1e-8).
    static func solveError(_ solver: any NewtonSystemSolver, gamma: Double, b: [Double]) -> Double {
        let n = b.count
        var x = b
        x.withUnsafeMutableBufferPointer { solver.solve($0.baseAddress!) }
        var m = (0..<n).map { i in (0..<n).map { j in (i == j ? 1 : 0) - gamma * solver.jacobianEntry(i, j) } }
        var r = b
        for c in 0..<n {
            let p = (c..<n).max { abs(m[$0][c]) < abs(m[$1][c]) }!
            m.swapAt(c, p); r.swapAt(c, p)
            for i in (c + 1)..<n where m[i][c] != 0 {
                let f = m[i][c] / m[c][c]
                for k in c..<n { m[i][k] -= f * m[c][k] }
                r[i] -= f * r[c]
            }
        }
        var dense = Array(repeating: 0.0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = r[i]
            for k in (i + 1)..<n { s -= m[i][k] * dense[k] }
            dense[i] = s / m[i][i]
        }
        return zip(x, dense).map { abs($0 - $1) / max(abs($1), 1e-8) }.max()!
    }
}
