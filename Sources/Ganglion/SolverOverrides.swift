/// Command-line replacements for some of a run's solver settings (`--solver`, `--dt`, `--exact-rates`,
/// `--sundials-step-bounds`, `--local-steps`), kept in a run's record so that a resumed run applies the same ones.
public struct SolverOverrides: Sendable, Equatable {
    /// Replaces the method.
    public var method: SolverChoice?
    /// Replaces the fixed step (ms); only for the fixed-step methods.
    public var dt: Double?
    /// Sets `exactRates`.
    public var exactRates = false
    /// Sets `sundialsStepBounds`.
    public var sundialsStepBounds = false
    /// Sets `localSteps`.
    public var localSteps = false

    /// No replacement.
    public init(method: SolverChoice? = nil, dt: Double? = nil, exactRates: Bool = false, sundialsStepBounds: Bool = false,
                localSteps: Bool = false) {
        self.method = method
        self.dt = dt
        self.exactRates = exactRates
        self.sundialsStepBounds = sundialsStepBounds
        self.localSteps = localSteps
    }

    /// Whether none is given.
    public var isEmpty: Bool { method == nil && dt == nil && !exactRates && !sundialsStepBounds && !localSteps }

    /// The overrides applied to `settings`. Throws the message of the error when `dt` is given for a CVODE
    /// method (it would be ignored).
    public func applied(to settings: SolverSettings) throws(SolverOverrideError) -> SolverSettings {
        var s = settings
        if let method { s.method = method }
        if let dt {
            guard s.isFixedStep else {
                throw SolverOverrideError(message: "--dt applies to the fixed-step solvers (exp-euler, rk4); this run uses \(s.method.rawValue) (choose one with --solver)")
            }
            s.dt = dt
        }
        if exactRates { s.exactRates = true }
        if sundialsStepBounds { s.sundialsStepBounds = true }
        if localSteps { s.localSteps = true }
        return s
    }
}

/// A solver override that does not apply to the run's settings.
public struct SolverOverrideError: Error, CustomStringConvertible {
    /// What is wrong, ready to show.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// A request integrated with one `SolverSettings` value, with shorthands for its method and step.
public protocol SolverConfigured {
    /// How the run is integrated.
    var solverSettings: SolverSettings { get set }
}

extension SolverConfigured {
    /// The integration method (`solverSettings.method`).
    public var solver: SolverChoice {
        get { solverSettings.method }
        set { solverSettings.method = newValue }
    }
    /// The fixed step (ms) of exp-euler and rk4 (`solverSettings.dt`).
    public var dt: Double? {
        get { solverSettings.dt }
        set { solverSettings.dt = newValue }
    }
}
