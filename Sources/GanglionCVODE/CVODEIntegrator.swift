internal import CSundials
import GanglionCore

/// SUNDIALS CVODE (variable-order, variable-step BDF or Adams) on a Ganglion `ODESystem`.
///
/// The Newton iteration uses the system's exact Jacobian; with the `structured` linear solver
/// (default) the Newton matrix I − γJ is formed and solved in Swift in O(n) using the Jacobian's arrow
/// structure, so CVODE's own (unoptimised, on Debian) dense algebra is never called.
public struct CVODEIntegrator: Integrator {
    /// Method, linear solver, tolerances and step limits.
    public let options: CVODEOptions
    /// `cvode-bdf` or `cvode-adams`.
    public var name: String { options.method == .bdf ? "cvode-bdf" : "cvode-adams" }

    /// An integrator with these settings (default: BDF, structured linear solver, rtol 1e-6).
    public init(options: CVODEOptions = CVODEOptions()) { self.options = options }

    /// Integrates `problem` with CVODE, re-initialised at its start; a failed setup is a `SolverError`
    /// with reason `other`.
    public func solve(_ problem: ODEProblem, observer: SampleObserver) throws(SolverError) -> Solution {
        let session: CVODESession
        do {
            session = try CVODESession(problem: problem, options: options, name: name)
        } catch let e as SolverError {
            throw e
        } catch {
            throw SolverError(algorithm: name, time: problem.startTime, reason: .other, message: "\(error)", statistics: .init())
        }
        return try session.run(observer: observer)
    }
}
