/// Work counters of an integration.
public struct SolverStatistics: Sendable, Equatable, Codable {
    /// Accepted internal steps.
    public var steps = 0
    /// Right-hand-side evaluations (including those for difference-quotient Jacobians).
    public var rhsEvaluations = 0
    /// Jacobian evaluations.
    public var jacobianEvaluations = 0
    /// Factorisations of the Newton matrix I − γJ.
    public var linearSolverSetups = 0
    /// Steps rejected by the local error test.
    public var errorTestFailures = 0
    /// Nonlinear (Newton or fixed-point) iterations.
    public var nonlinearIterations = 0
    /// Nonlinear-solver convergence failures.
    public var nonlinearConvergenceFailures = 0
    /// All counters at zero.
    public init() {}

    /// Adds another run's counters (for runs split into segments).
    public static func += (a: inout SolverStatistics, b: SolverStatistics) {
        a.steps += b.steps
        a.rhsEvaluations += b.rhsEvaluations
        a.jacobianEvaluations += b.jacobianEvaluations
        a.linearSolverSetups += b.linearSolverSetups
        a.errorTestFailures += b.errorTestFailures
        a.nonlinearIterations += b.nonlinearIterations
        a.nonlinearConvergenceFailures += b.nonlinearConvergenceFailures
    }

    enum CodingKeys: String, CodingKey {
        case steps, rhsEvaluations = "rhs_evals", jacobianEvaluations = "jacobian_evals",
             linearSolverSetups = "linear_setups", errorTestFailures = "error_test_failures",
             nonlinearIterations = "nonlinear_iterations", nonlinearConvergenceFailures = "convergence_failures"
    }
}

/// The result of a completed integration. Samples went to the observer; the solution keeps the end
/// state and the statistics.
public struct Solution: Sendable {
    /// The algorithm's name (`cvode-bdf`, `exp-euler`, …).
    public var algorithm: String
    /// Time reached (ms).
    public var finalTime: Double
    /// State at `finalTime`.
    public var finalState: [Double]
    /// Work counters of the integration.
    public var statistics: SolverStatistics

    /// A completed integration of `algorithm` that reached `finalTime` (ms) in `finalState`.
    public init(algorithm: String, finalTime: Double, finalState: [Double], statistics: SolverStatistics) {
        self.algorithm = algorithm
        self.finalTime = finalTime
        self.finalState = finalState
        self.statistics = statistics
    }
}

/// An integration that failed. The samples produced before `time` have been delivered.
public struct SolverError: Error, CustomStringConvertible {
    /// Why an integration failed: `tooMuchWork` (too many steps between two output samples),
    /// `convergenceFailure` (the Newton iteration kept failing), `errorTestFailure` (the local error test
    /// kept failing), `nonFiniteState` (a state or its derivative became NaN or infinite), `rhsFailure` (the right-hand side
    /// failed), `observerFailed` (the sample observer threw, e.g. on a write error or a stop request),
    /// `interrupted` (`ODEProblem.shouldStop` returned true between samples), `other` (setup or any other solver error).
    public enum Reason: Sendable, Equatable {
        case tooMuchWork, convergenceFailure, errorTestFailure, nonFiniteState, rhsFailure, observerFailed, interrupted, other
    }
    /// The algorithm's name (`cvode-bdf`, `exp-euler`, …).
    public var algorithm: String
    /// Time the solver had reached (ms).
    public var time: Double
    /// Why it failed.
    public var reason: Reason
    /// Human-readable detail (e.g. CVODE's own message).
    public var message: String
    /// Work counters up to the failure.
    public var statistics: SolverStatistics

    /// A failure of `algorithm` at `time` (ms), for `reason`, with its detail and counters.
    public init(algorithm: String, time: Double, reason: Reason, message: String, statistics: SolverStatistics) {
        self.algorithm = algorithm
        self.time = time
        self.reason = reason
        self.message = message
        self.statistics = statistics
    }

    /// The algorithm, the time reached (ms) and the detail: `cvode-bdf failed at t = … ms: …`.
    public var description: String {
        "\(algorithm) failed at t = \(readableTime(time)) ms: \(message)"
    }
}

/// A time (ms) for a message, rounded to 1e−9 ms so that sums of steps read as written (5.1, not
/// 5.1000000000000005).
public func readableTime(_ t: Double) -> String {
    guard t.isFinite, abs(t) < 1e6 else { return "\(t)" }
    return "\((t * 1e9).rounded() / 1e9)"
}

/// A state's value for a message: NaN without a sign.
public func readableValue(_ x: Double) -> String { x.isNaN ? "NaN" : "\(x)" }

/// Anything that integrates an `ODEProblem`.
public protocol Integrator: Sendable {
    /// Short name (`cvode-bdf`, `exp-euler`, …).
    var name: String { get }
    /// Integrates from t₀ to t₁, calling `observer` at t₀ and at every output time.
    func solve(_ problem: ODEProblem, observer: SampleObserver) throws(SolverError) -> Solution
}
