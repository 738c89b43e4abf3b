/// The integration methods a user can pick by name.
public enum SolverChoice: String, CaseIterable, Sendable {
    case cvodeBDF = "cvode-bdf"
    case cvodeAdams = "cvode-adams"
    case expEuler = "exp-euler"
    case rk4 = "rk4"

    /// Default fixed step (ms) for the fixed-step methods: the largest step with which the named STG
    /// models' firing features stay within 0.5 % of the reference (see `Docs/performance.md`).
    public var defaultStep: Double? {
        switch self {
        case .expEuler: 0.05
        case .rk4: 0.0015
        default: nil
        }
    }

    /// Builds the integrator.
    /// - Parameters:
    ///   - rtol: relative tolerance (CVODE).
    ///   - atol: absolute tolerance of V in mV (CVODE); Ca and the gates get 1/10 and 1/1000 of it.
    ///     `nil`: V 1e-3, Ca 1e-4, gates 1e-6, scaled by rtol/1e-6.
    ///   - dt: step (ms) of the fixed-step methods.
    ///   - maxStep: largest CVODE step (ms).
    ///   - exactRates: compute every gate's x∞ and τ exactly instead of reading them from voltage tables
    ///     (`GateTable`): exp-euler's update factors, CVODE's right-hand side (which reads tables only at
    ///     rtol ≥ 1e-8).
    ///   - sundialsStepBounds: CVODE keeps SUNDIALS' fixed-step bounds (0, 1.5) instead of (0.9, 1.1).
    public func integrator(for system: any ODESystem, rtol: Double = 1e-6, atol: Double? = nil, dt: Double? = nil,
                           maxStep: Double? = nil, linearSolver: CVODEOptions.LinearSolver = .structured,
                           exactRates: Bool = false, sundialsStepBounds: Bool = false) -> any Integrator {
        switch self {
        case .cvodeBDF, .cvodeAdams:
            let tolerances = atol.map { a in system.layout.names.map { $0 == "V" ? a : ($0 == "Ca" ? a / 10 : a / 1000) } }
            var options = CVODEOptions(method: self == .cvodeBDF ? .bdf : .adams, linearSolver: linearSolver,
                                       relativeTolerance: rtol, absoluteTolerances: tolerances, maxStep: maxStep,
                                       rateTables: !exactRates)
            if sundialsStepBounds { options.fixedStepBounds = CVODEOptions.sundialsFixedStepBounds }
            return CVODEIntegrator(options: options)
        case .expEuler: return ExponentialEuler(dt: dt ?? defaultStep!, rateTables: !exactRates)
        case .rk4: return RungeKutta4(dt: dt ?? defaultStep!)
        }
    }
}
