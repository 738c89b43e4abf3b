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
    public var linearSolver: LinearSolverChoice
    /// Compute every gate's x∞ and τ exactly instead of reading them from voltage tables (`GateTable`,
    /// interpolation error < 1e-8): exp-euler's update factors, CVODE's right-hand side (which reads tables
    /// only at rtol ≥ 1e-8).
    public var exactRates: Bool
    /// CVODE keeps SUNDIALS' own fixed-step bounds (0, 1.5) instead of Ganglion's (0.9, 1.1)
    /// (`CVODEOptions.fixedStepBounds`; more error-test failures, Docs/cvode.md, "Step-size changes").
    public var sundialsStepBounds: Bool
    /// A network under CVODE gives each cell its own step sizes (local time steps, `LocalStepIntegrator`):
    /// for large unsynchronised networks, whose cost then grows about linearly with the cells. Networks
    /// with gap junctions, and single cells, keep one global step.
    public var localSteps: Bool

    /// Settings; defaults: CVODE BDF, rtol 1e-6, the system's absolute tolerances, the method's default step,
    /// no step bound, 500 000 steps per output interval, the structured linear solver, rate tables, Ganglion's
    /// fixed-step bounds.
    public init(method: SolverChoice = .cvodeBDF, rtol: Double = 1e-6, atol: Double? = nil, dt: Double? = nil,
                maxStep: Double? = nil, maxStepsPerOutput: Int = 500_000, linearSolver: LinearSolverChoice = .structured,
                exactRates: Bool = false, sundialsStepBounds: Bool = false, localSteps: Bool = false) {
        self.method = method
        self.rtol = rtol
        self.atol = atol
        self.dt = dt
        self.maxStep = maxStep
        self.maxStepsPerOutput = maxStepsPerOutput
        self.linearSolver = linearSolver
        self.exactRates = exactRates
        self.sundialsStepBounds = sundialsStepBounds
        self.localSteps = localSteps
    }

    /// Whether the method takes fixed steps (exp-euler, rk4).
    public var isFixedStep: Bool { method == .expEuler || method == .rk4 }

    /// The fixed step (ms) the run takes: `dt` or the method's default; `nil` for CVODE.
    public var fixedStep: Double? { isFixedStep ? dt ?? method.defaultStep : nil }
}
