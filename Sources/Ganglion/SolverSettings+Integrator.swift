import GanglionCVODE

extension SolverSettings {
    /// The integrator for `system`.
    public func integrator(for system: any ODESystem) -> any Integrator {
        switch method {
        case .cvodeBDF, .cvodeAdams:
            let tolerances = atol.map { a in system.layout.names.map { $0 == "V" ? a : ($0 == "Ca" ? a / 10 : a / 1000) } }
            var options = CVODEOptions(method: method == .cvodeBDF ? .bdf : .adams, linearSolver: linearSolver,
                                       relativeTolerance: rtol, absoluteTolerances: tolerances, maxStep: maxStep,
                                       maxStepsPerOutput: maxStepsPerOutput, rateTables: !exactRates)
            if sundialsStepBounds { options.fixedStepBounds = CVODEOptions.sundialsFixedStepBounds }
            if localSteps, system is CompiledNetwork { return LocalStepIntegrator(options: options) }
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
        if localSteps { parts.append("local-steps") }
        return parts.map { "|" + $0 }.joined()
    }
}
