/// Linear solver of CVODE's Newton iteration.
public enum LinearSolverChoice: String, Sendable {
    /// O(n) solve exploiting the cell's arrow-shaped Jacobian (Schur complement on V and Ca).
    case structured
    /// SUNDIALS' dense LU (the fallback), with the exact Jacobian.
    case dense
}
