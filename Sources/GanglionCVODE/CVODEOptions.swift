import GanglionCore

/// Settings of a CVODE integration.
public struct CVODEOptions: Sendable {
    /// Linear multistep family: BDF (stiff, the default) or Adams–Moulton.
    public enum Method: String, Sendable { case bdf, adams }
    /// Linear solver of the Newton iteration (`LinearSolverChoice`).
    public typealias LinearSolver = LinearSolverChoice

    /// BDF (default, for stiff systems) or Adams–Moulton.
    public var method: Method
    /// Linear solver of the Newton iteration (default the structured one).
    public var linearSolver: LinearSolver
    /// Relative tolerance.
    public var relativeTolerance: Double
    /// Absolute tolerance per state; `nil`: the system's defaults scaled by rtol / 1e-6, at most by
    /// `maximumAbsoluteToleranceScale`.
    public var absoluteTolerances: [Double]?
    /// Upper bound on the internal step (ms); `nil`: none.
    public var maxStep: Double?
    /// Internal steps allowed between two output samples before "too much work".
    public var maxStepsPerOutput: Int
    /// Steps between Newton-matrix refreshes (CVODE's msbp) and between Jacobian evaluations (msbj).
    public var jacobianRefresh: Int
    /// Whether the right-hand side reads the gates' x∞ and 1/τ from voltage tables (interpolation error
    /// below 1e-8) when the system offers them; they are used only when rtol ≥ `rateTableMinimumTolerance`.
    public var rateTables: Bool
    /// The smallest relative tolerance at which rate tables are used (1e-8: a hundred times their error).
    public static let rateTableMinimumTolerance = 1e-8
    /// CVODE keeps its step size after a successful step while the proposed change factor η lies inside
    /// (lower, upper) (`CVodeSetEtaFixedStepBounds`). SUNDIALS' default (0, 1.5) never shrinks the step
    /// after a success, so a step that should shrink is tried too long and fails the error test (stg-bursting,
    /// 15 s: 12 233 failures in 149 598 steps). The default (0.9, 1.1) shrinks at once when η < 0.9 and grows
    /// by small factors: 3 196 failures, 136 861 steps, 10 % fewer right-hand-side evaluations, the same
    /// accuracy (`Docs/cvode.md`). lower in [0, 1), upper ≥ 1.
    public var fixedStepBounds: (lower: Double, upper: Double)
    /// SUNDIALS' own fixed-step bounds, (0, 1.5): reproduces CVODE runs made before they changed.
    public static let sundialsFixedStepBounds = (lower: 0.0, upper: 1.5)
    /// With the structured linear solver, the Newton iteration runs in Swift (`NewtonIteration`: the same
    /// operations in the same order as SUNDIALS 6.4's, so the same steps bit for bit, without the
    /// unoptimised library's calls). `true` uses SUNDIALS' own iteration instead (for cross-checks; slower).
    public var sundialsNewton = false

    /// Settings; defaults: BDF, structured linear solver, rtol 1e-6, the system's absolute tolerances,
    /// no step bound, 500 000 steps per output interval, refresh every 5 steps, rate tables, fixed-step
    /// bounds (0.9, 1.1).
    public init(method: Method = .bdf, linearSolver: LinearSolver = .structured, relativeTolerance: Double = 1e-6,
                absoluteTolerances: [Double]? = nil, maxStep: Double? = nil, maxStepsPerOutput: Int = 500_000,
                jacobianRefresh: Int = 5, rateTables: Bool = true,
                fixedStepBounds: (lower: Double, upper: Double) = (0.9, 1.1)) {
        self.method = method
        self.linearSolver = linearSolver
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerances = absoluteTolerances
        self.maxStep = maxStep
        self.maxStepsPerOutput = maxStepsPerOutput
        self.jacobianRefresh = jacobianRefresh
        self.rateTables = rateTables
        self.fixedStepBounds = fixedStepBounds
    }

    /// The absolute tolerances used for `system`: `absoluteTolerances`, or the system's defaults (those for
    /// rtol 1e-6) scaled by rtol/1e-6 up to `maximumAbsoluteToleranceScale`.
    public func absoluteTolerances(for system: any ODESystem) -> [Double] {
        if let a = absoluteTolerances { return a }
        let scale = min(relativeTolerance / 1e-6, Self.maximumAbsoluteToleranceScale)
        return system.defaultAbsoluteTolerances.map { $0 * scale }
    }

    /// The largest factor on the default absolute tolerances: 100, reached at rtol 1e-4 (a neuron's V then
    /// gets 0.1 mV, Ca 0.01, the gates 1e-4). Scaled further, the gates' tolerance passes the size of
    /// the gates themselves (an m of 10⁻³ at rest against 10⁻² at rtol 1e-2, with V's at 10 mV): CVODE then
    /// accepts steps that take a gate out of [0, 1] — a negative sodium conductance — and the cell runs away
    /// (stg-bursting at rtol 3e-3 reached V = −1131 mV; at 1e-2, Na.h = −5 and the step size collapsed).
    public static let maximumAbsoluteToleranceScale = 100.0
}
