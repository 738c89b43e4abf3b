internal import CSundials

/// CVODE's Newton iteration as a Swift `SUNNonlinearSolver`, for the structured linear solver.
///
/// Debian's SUNDIALS is compiled without optimisation, and each Newton iteration went through five of its
/// functions (the Newton driver, the residual, the linear-solve wrapper, the convergence test) and six vector
/// calls. This solver does the same arithmetic in Swift, in SUNDIALS 6.4's order, so that CVODE takes the same
/// steps bit for bit:
/// - the residual G(y_cor) = rl1·z_n1 + y_cor − γ f(t_n, y_pred + y_cor), written with `y` and `f` where
///   CVODE keeps them (`CVodeGetNonlinearSystemData`), as `cvNlsResidual`;
/// - the Newton correction from the structured solve, scaled by 2/(1 + γ/γ_setup) when γ changed since the
///   matrix was formed (BDF only), as `cvLsSolve`;
/// - the convergence test with the rate estimate, as `cvNlsConvTest` (CVODE then takes the correction's norm
///   itself);
/// - the iteration and its retry with a fresh Jacobian after a recoverable failure, as SUNDIALS' Newton
///   solver (at most 3 iterations, as CVODE sets).
/// The matrix setup is CVODE's own (`cvNlsLSetup`): it keeps CVODE's bookkeeping of when to refresh the
/// Jacobian.
final class NewtonIteration {
    private let context: CallbackContext
    /// The correction Δ (one of our vectors).
    private let delta: N_Vector
    private var setup: SUNNonlinSolLSetupFn?
    private var maxIterations: Int32 = 3
    // Per solve, read by CVODE after it (its statistics add them up).
    private var iterations = 0
    private var convergenceFailures = 0
    private var currentIteration: Int32 = 0
    /// Whether the Jacobian was evaluated at the last setup (SUNDIALS' `jcur`; it persists between solves).
    private var jacobianCurrent: Int32 = 0
    /// The convergence-rate estimate and the previous correction norm (CVODE's `crate` and `delp`).
    private var rate = 1.0
    private var previousNorm = 0.0
    /// γ when the Newton matrix was last formed (nil before the first setup).
    private var setupGamma: Double?
    /// Right-hand-side evaluations made here (CVODE does not count them).
    private(set) var rightHandSideEvaluations = 0

    /// Whether a solve is scaled for a change in γ (CVODE does so with BDF only).
    private let scalesSolution: Bool

    init?(context: CallbackContext, sunContext: SUNContext, bdf: Bool) {
        guard let v = SwiftVector.make(length: context.dimension, context: sunContext) else { return nil }
        self.context = context
        scalesSolution = bdf
        delta = v
    }

    deinit { SwiftVector.destroy(delta) }

    /// A `SUNNonlinearSolver` whose operations call this object (kept alive by its owner); free it with
    /// `SUNNonlinSolFreeEmpty`.
    func makeSolver(_ sunContext: SUNContext) -> SUNNonlinearSolver? {
        guard let s = SUNNonlinSolNewEmpty(sunContext) else { return nil }
        s.pointee.content = Unmanaged.passUnretained(self).toOpaque()
        let ops = s.pointee.ops!
        ops.pointee.gettype = { _ in SUNNONLINEARSOLVER_ROOTFIND }
        ops.pointee.initialize = { _ in SUN_NLS_SUCCESS }
        ops.pointee.solve = { s, y0, ycor, w, tol, callSetup, mem in
            withIteration(s) { $0.solve(prediction: y0!, correction: ycor!, weights: w!, tolerance: tol, callSetup: callSetup != 0, mem!) }
        }
        // The residual, the solve and the test are this object's own; only the setup is CVODE's.
        ops.pointee.setsysfn = { _, _ in SUN_NLS_SUCCESS }
        ops.pointee.setlsolvefn = { _, _ in SUN_NLS_SUCCESS }
        ops.pointee.setctestfn = { _, _, _ in SUN_NLS_SUCCESS }
        ops.pointee.setlsetupfn = { s, f in withIteration(s) { $0.setup = f }; return SUN_NLS_SUCCESS }
        ops.pointee.setmaxiters = { s, m in
            guard m >= 1 else { return SUN_NLS_ILL_INPUT }
            withIteration(s) { $0.maxIterations = m }
            return SUN_NLS_SUCCESS
        }
        ops.pointee.getnumiters = { s, n in n?.pointee = withIteration(s) { $0.iterations }; return SUN_NLS_SUCCESS }
        ops.pointee.getcuriter = { s, m in m?.pointee = withIteration(s) { $0.currentIteration }; return SUN_NLS_SUCCESS }
        ops.pointee.getnumconvfails = { s, n in n?.pointee = withIteration(s) { $0.convergenceFailures }; return SUN_NLS_SUCCESS }
        return s
    }

    /// Solves G(y_cor) = 0 from `correction` (CVODE passes 0), SUNDIALS' Newton iteration step for step.
    private func solve(prediction: N_Vector, correction: N_Vector, weights: N_Vector, tolerance: Double,
                       callSetup setupRequested: Bool, _ mem: UnsafeMutableRawPointer) -> Int32 {
        var tn = 0.0, gamma = 0.0, rl1 = 0.0
        var ypred: N_Vector?, yn: N_Vector?, fn: N_Vector?, zn1: N_Vector?
        var user: UnsafeMutableRawPointer?
        guard CVodeGetNonlinearSystemData(mem, &tn, &ypred, &yn, &fn, &gamma, &rl1, &zn1, &user) == CV_SUCCESS else {
            return SUN_NLS_MEM_NULL
        }
        let n = context.dimension
        let z0 = SwiftVector.data(prediction), ycor = SwiftVector.data(correction), w = SwiftVector.data(weights)
        let y = SwiftVector.data(yn), f = SwiftVector.data(fn), z1 = SwiftVector.data(zn1), d = SwiftVector.data(delta)
        // CVODE's γ ratio: γ over γ at the last setup (the first step after a (re)start always sets up first).
        var gammaRatio = setupGamma.map { gamma / $0 } ?? 1

        /// −G into Δ (the Newton system's right-hand side), G as `cvNlsResidual` computes it (y = z_n0 + y_cor;
        /// f(t_n, y); rl1·z_n1 + 1·y_cor; −γ·f + 1·that); SUNDIALS then negates it, which is exact.
        func negatedResidual() -> Int32 {
            for i in 0..<n { y[i] = z0[i] + ycor[i] }
            rightHandSideEvaluations += 1
            if context.evaluate(tn, y, f) != 0 { return 10 }   // CVODE's RHSFUNC_RECVR: retry with a smaller step
            for i in 0..<n { d[i] = -(-gamma * f[i] + (rl1 * z1[i] + 1 * ycor[i])) }
            return SUN_NLS_SUCCESS
        }

        iterations = 0
        convergenceFailures = 0
        var callSetup = setupRequested
        var badJacobian: Int32 = 0
        var flag: Int32
        attempts: while true {
            flag = negatedResidual()
            if flag != SUN_NLS_SUCCESS { break attempts }
            if callSetup {
                flag = setup!(badJacobian, &jacobianCurrent, mem)
                // cvNlsLSetup has set CVODE's γ ratio to 1, its setup γ to γ and its rate estimate to 1.
                setupGamma = gamma
                gammaRatio = 1
                rate = 1
                if flag != SUN_NLS_SUCCESS { break attempts }
            }
            currentIteration = 0
            while true {
                iterations += 1
                // Δ = M⁻¹(−G), scaled for the change in γ since M was formed (cvLsSolve; a factor 1 is exact),
                // then y_cor += Δ.
                context.newton.solve(d)
                let scale = scalesSolution && gammaRatio != 1 ? 2 / (1 + gammaRatio) : 1
                for i in 0..<n { d[i] = scale * d[i]; ycor[i] = ycor[i] + d[i] }
                flag = convergenceTest(SwiftVector.wrmsNorm(n, d, w), tolerance)
                if flag == SUN_NLS_SUCCESS { jacobianCurrent = 0; return SUN_NLS_SUCCESS }
                if flag != SUN_NLS_CONTINUE { break }
                currentIteration += 1
                if currentIteration >= maxIterations { flag = SUN_NLS_CONV_RECVR; break }
                flag = negatedResidual()
                if flag != SUN_NLS_SUCCESS { break }
            }
            // A recoverable failure with an old Jacobian: once more from zero, with a fresh one.
            guard flag > 0, jacobianCurrent == 0, setup != nil else { break attempts }
            convergenceFailures += 1
            callSetup = true
            badJacobian = 1
            for i in 0..<n { ycor[i] = 0 }
        }
        convergenceFailures += 1
        return flag
    }

    /// CVODE's test on the correction norm ‖Δ‖: converged when ‖Δ‖ · min(1, rate) / tol ≤ 1, the rate
    /// estimated from successive norms (max(0.3 · rate, ‖Δ‖/‖Δ_prev‖)); diverging when ‖Δ‖ > 2 ‖Δ_prev‖.
    private func convergenceTest(_ norm: Double, _ tolerance: Double) -> Int32 {
        let m = currentIteration
        if m > 0 {
            let decay = 0.3 * rate, ratio = norm / previousNorm
            rate = decay > ratio ? decay : ratio
        }
        let converged = norm * (1 < rate ? 1 : rate) / tolerance
        if converged <= 1 { return SUN_NLS_SUCCESS }
        if m >= 1, norm > 2 * previousNorm { return SUN_NLS_CONV_RECVR }
        previousNorm = norm
        return SUN_NLS_CONTINUE
    }
}

/// `body` on the solver's iteration, borrowed without a retain (its owner keeps it alive; `solve` runs at
/// every step).
@inline(__always)
private func withIteration<R>(_ s: SUNNonlinearSolver?, _ body: (NewtonIteration) -> R) -> R {
    Unmanaged<NewtonIteration>.fromOpaque(s!.pointee.content!)._withUnsafeGuaranteedRef(body)
}
