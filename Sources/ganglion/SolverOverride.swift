import ArgumentParser
import Ganglion

/// `--solver`, `--dt`, `--exact-rates` and `--sundials-step-bounds` of the commands that run a file (`run`, `network`): each replaces
/// the file's choice.
struct SolverOverride: ParsableArguments {
    @Option(help: "Solver, replacing the file's: cvode-bdf, cvode-adams, exp-euler, rk4.") var solver: SolverChoice?
    @Option(parsing: .unconditional, help: "Fixed step (ms) of exp-euler / rk4, replacing the file's.") var dt: Double?
    @Flag(name: .customLong("exact-rates"), help: "Compute every gate's x∞ and τ exactly instead of reading voltage tables (exp-euler, and CVODE at rtol ≥ 1e-8).")
    var exactRates = false
    @Flag(name: .customLong("sundials-step-bounds"), help: "CVODE keeps SUNDIALS' fixed-step bounds (0, 1.5) instead of Ganglion's (0.9, 1.1) (more rejected steps; see Docs/cvode.md, 'Step-size changes').")
    var sundialsStepBounds = false

    func validate() throws {
        if let dt, !(dt > 0 && dt.isFinite) { throw ValidationError("--dt must be > 0 ms") }
    }

    /// Whether none of them is given.
    var isEmpty: Bool { solver == nil && dt == nil && !exactRates && !sundialsStepBounds }

    /// Applies the options to a file's solver, step and rates; the message of the error when `--dt` is given
    /// for a CVODE run (it would be ignored). Notes a step longer than the output interval (ms).
    func apply(solver fileSolver: inout SolverChoice, dt fileStep: inout Double?, exactRates fileExactRates: inout Bool,
               sundialsStepBounds fileBounds: inout Bool, outputInterval: Double) -> String? {
        if let solver { fileSolver = solver }
        if let dt {
            guard fileSolver != .cvodeBDF, fileSolver != .cvodeAdams else {
                return "--dt applies to the fixed-step solvers (exp-euler, rk4); this run uses \(fileSolver.rawValue) (choose one with --solver)"
            }
            fileStep = dt
            noteStep(dt, outputInterval: outputInterval)
        }
        if exactRates { fileExactRates = true }
        if sundialsStepBounds { fileBounds = true }
        return nil
    }
}
