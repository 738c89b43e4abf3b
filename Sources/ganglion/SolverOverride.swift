import ArgumentParser
import Ganglion

/// `--solver`, `--dt`, `--exact-rates`, `--sundials-step-bounds` and `--local-steps`: each replaces the run's own setting (an input
/// file's, or the default).
struct SolverOverride: ParsableArguments {
    @Option(help: "Solver, replacing the file's or the default: cvode-bdf, cvode-adams, exp-euler, rk4.") var solver: SolverChoice?
    @Option(parsing: .unconditional, help: "Fixed step (ms) of exp-euler / rk4, replacing the file's or the solver's default.") var dt: Double?
    @Flag(name: .customLong("exact-rates"), help: "Compute every gate's x∞ and τ exactly instead of reading voltage tables (exp-euler, and CVODE at rtol ≥ 1e-8).")
    var exactRates = false
    @Flag(name: .customLong("sundials-step-bounds"), help: "CVODE keeps SUNDIALS' fixed-step bounds (0, 1.5) instead of Ganglion's (0.9, 1.1) (more rejected steps; see Docs/cvode.md, 'Step-size changes').")
    var sundialsStepBounds = false
    @Flag(name: .customLong("local-steps"), help: "Networks under CVODE: each cell takes its own step sizes (local time steps; for large unsynchronised networks, see Docs/performance.md, 'Networks'). Not with gap junctions.")
    var localSteps = false

    func validate() throws {
        if let dt, !(dt > 0 && dt.isFinite) { throw ValidationError("--dt must be > 0 ms") }
    }

    /// The options as replacements of a run's solver settings.
    var overrides: SolverOverrides {
        SolverOverrides(method: solver, dt: dt, exactRates: exactRates, sundialsStepBounds: sundialsStepBounds, localSteps: localSteps)
    }

    /// Whether none of them is given.
    var isEmpty: Bool { overrides.isEmpty }
}
