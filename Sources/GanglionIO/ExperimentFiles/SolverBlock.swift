import GanglionCore

extension FieldReader {
    /// The `solver` block of an experiment or network file: `name`, `rtol`, `atol` (V's, mV), `dt` (ms),
    /// `max_step` (ms), `linear_solver`, each key only if in `allowed`; absent keys keep the defaults.
    public func solverSettings(_ v: Any?, allowed: Set<String>) throws(ModelFileError) -> SolverSettings {
        var settings = SolverSettings()
        guard let s = try object(v, "solver", allowed: allowed) else { return settings }
        if let n = try string(s["name"], "solver.name") {
            guard let c = SolverChoice(rawValue: n) else {
                throw fail("solver.name", "unknown solver '\(n)' (known: \(SolverChoice.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            settings.method = c
        }
        if let r = try number(s["rtol"], "solver.rtol") {
            guard r > 0, r < 1 else { throw fail("solver.rtol", "must be in (0, 1), got \(r)") }
            settings.rtol = r
        }
        settings.atol = try positive(s["atol"], "solver.atol")
        settings.dt = try positive(s["dt"], "solver.dt")
        settings.maxStep = try positive(s["max_step"], "solver.max_step")
        if let l = try string(s["linear_solver"], "solver.linear_solver") {
            guard let v = LinearSolverChoice(rawValue: l) else { throw fail("solver.linear_solver", "unknown '\(l)' (structured, dense)") }
            settings.linearSolver = v
        }
        return settings
    }
}
