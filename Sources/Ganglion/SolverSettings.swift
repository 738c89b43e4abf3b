/// How a run is integrated: the method and every setting of it. A run's derived runs (snapshot reruns, the
/// reference run of a calcium target, the preparatory run, each cell of a population) take the whole value,
/// so they are integrated exactly as the run itself.
public struct SolverSettings: Sendable, Equatable {
    /// Integration method; default CVODE BDF.
    public var method: SolverChoice
    /// CVODE's relative tolerance (dimensionless); unused by the fixed-step methods.
    public var rtol: Double
    /// V's absolute tolerance (mV); Ca and the gates get 1/10 and 1/1000 of it. `nil`: V 1e-3, Ca 1e-4,
    /// gates 1e-6, scaled by rtol/1e-6 up to 100× (from rtol 1e-4 up).
    public var atol: Double?
    /// Fixed step (ms) of exp-euler and rk4; `nil`: the method's default (`SolverChoice.defaultStep`).
    public var dt: Double?
    /// Largest internal CVODE step (ms); `nil`: no bound.
    public var maxStep: Double?
    /// Internal CVODE steps allowed between two output samples before "too much work".
    public var maxStepsPerOutput: Int
    /// Linear solver of CVODE's Newton iteration; default the structured (arrow-Jacobian) solve.
    public var linearSolver: CVODEOptions.LinearSolver
    /// Compute every gate's x∞ and τ exactly instead of reading them from voltage tables (`GateTable`,
    /// interpolation error < 1e-8): exp-euler's update factors, CVODE's right-hand side (which reads tables
    /// only at rtol ≥ 1e-8).
    public var exactRates: Bool
    /// CVODE keeps SUNDIALS' own fixed-step bounds (0, 1.5) instead of Ganglion's (0.9, 1.1)
    /// (`CVODEOptions.fixedStepBounds`; more error-test failures, Docs/cvode.md, "Step-size changes").
    public var sundialsStepBounds: Bool

    /// Settings; defaults: CVODE BDF, rtol 1e-6, the system's absolute tolerances, the method's default step,
    /// no step bound, 500 000 steps per output interval, the structured linear solver, rate tables, Ganglion's
    /// fixed-step bounds.
    public init(method: SolverChoice = .cvodeBDF, rtol: Double = 1e-6, atol: Double? = nil, dt: Double? = nil,
                maxStep: Double? = nil, maxStepsPerOutput: Int = 500_000, linearSolver: CVODEOptions.LinearSolver = .structured,
                exactRates: Bool = false, sundialsStepBounds: Bool = false) {
        self.method = method
        self.rtol = rtol
        self.atol = atol
        self.dt = dt
        self.maxStep = maxStep
        self.maxStepsPerOutput = maxStepsPerOutput
        self.linearSolver = linearSolver
        self.exactRates = exactRates
        self.sundialsStepBounds = sundialsStepBounds
    }

    /// Whether the method takes fixed steps (exp-euler, rk4).
    public var isFixedStep: Bool { method == .expEuler || method == .rk4 }

    /// The fixed step (ms) the run takes: `dt` or the method's default; `nil` for CVODE.
    public var fixedStep: Double? { isFixedStep ? dt ?? method.defaultStep : nil }

    /// The integrator for `system`.
    public func integrator(for system: any ODESystem) -> any Integrator {
        switch method {
        case .cvodeBDF, .cvodeAdams:
            let tolerances = atol.map { a in system.layout.names.map { $0 == "V" ? a : ($0 == "Ca" ? a / 10 : a / 1000) } }
            var options = CVODEOptions(method: method == .cvodeBDF ? .bdf : .adams, linearSolver: linearSolver,
                                       relativeTolerance: rtol, absoluteTolerances: tolerances, maxStep: maxStep,
                                       maxStepsPerOutput: maxStepsPerOutput, rateTables: !exactRates)
            if sundialsStepBounds { options.fixedStepBounds = CVODEOptions.sundialsFixedStepBounds }
            return CVODEIntegrator(options: options)
        case .expEuler: return ExponentialEuler(dt: fixedStep!, rateTables: !exactRates)
        case .rk4: return RungeKutta4(dt: fixedStep!)
        }
    }

    /// The settings that change a result and are not the method, rtol, atol or dt, as text (for checkpoint
    /// fingerprints): each only when it differs from its default, every one led by `|`; empty for the defaults.
    var fingerprintExtras: String {
        var parts: [String] = []
        if let maxStep { parts.append("max-step=\(maxStep)") }
        if maxStepsPerOutput != 500_000 { parts.append("max-steps=\(maxStepsPerOutput)") }
        if linearSolver != .structured { parts.append("ls=\(linearSolver)") }
        if exactRates { parts.append("exact-rates") }
        if sundialsStepBounds { parts.append("sundials-step-bounds") }
        return parts.map { "|" + $0 }.joined()
    }
}

/// Command-line replacements for some of a run's solver settings (`--solver`, `--dt`, `--exact-rates`,
/// `--sundials-step-bounds`), kept in a run's record so that a resumed run applies the same ones.
public struct SolverOverrides: Sendable, Equatable {
    /// Replaces the method.
    public var method: SolverChoice?
    /// Replaces the fixed step (ms); only for the fixed-step methods.
    public var dt: Double?
    /// Sets `exactRates`.
    public var exactRates = false
    /// Sets `sundialsStepBounds`.
    public var sundialsStepBounds = false

    /// No replacement.
    public init(method: SolverChoice? = nil, dt: Double? = nil, exactRates: Bool = false, sundialsStepBounds: Bool = false) {
        self.method = method
        self.dt = dt
        self.exactRates = exactRates
        self.sundialsStepBounds = sundialsStepBounds
    }

    /// Whether none is given.
    public var isEmpty: Bool { method == nil && dt == nil && !exactRates && !sundialsStepBounds }

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
