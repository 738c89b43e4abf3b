internal import CSundials
import GanglionCore

/// State shared with the C callbacks through `user_data`. Kept alive by the session.
final class CallbackContext {
    let system: any ODESystem
    let dimension: Int
    let newton: any NewtonSystemSolver
    /// The right-hand side through rate tables, when used.
    let tabulated: (any TabulatedRightHandSide)?
    /// The tolerances, for the error weights 1/(rtol |y| + atol) computed in Swift (`errorWeights`).
    let relativeTolerance: Double
    let absoluteTolerances: UnsafeMutablePointer<Double>
    /// Whether CVODE's vectors are `SwiftVector`s (their data read directly, not through the library).
    let swiftVectors: Bool
    var jacobianEvaluations = 0
    var nonFiniteRHS: (t: Double, index: Int)?
    var lastMessage: String?
    /// Polled every 4096 right-hand sides (a signal is honoured within a second however small CVODE's steps);
    /// when it returns true the evaluation fails unrecoverably and `interrupted` is set.
    var shouldStop: (@Sendable () -> Bool)?
    var interrupted = false
    private var evaluationsSincePoll = 0

    init(system: any ODESystem, rateTables: Bool, relativeTolerance: Double, absoluteTolerances: [Double], swiftVectors: Bool) {
        self.system = system
        dimension = system.layout.count
        newton = system.makeNewtonSolver()
        tabulated = rateTables ? system.makeTabulatedRightHandSide() : nil
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerances = .allocate(capacity: max(absoluteTolerances.count, 1))
        self.absoluteTolerances.initialize(from: absoluteTolerances, count: absoluteTolerances.count)
        self.swiftVectors = swiftVectors
    }

    deinit { absoluteTolerances.deallocate() }

    /// f(t, y) into dy; 1 (recoverable: CVODE retries with a smaller step) if an entry is not finite, 0 if all are.
    @inline(__always)
    func evaluate(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>) -> Int32 {
        if let r = tabulated { r.evaluate(t, y, dy) } else { system.rightHandSide(t, y, dy) }
        evaluationsSincePoll &+= 1
        if evaluationsSincePoll >= 4096 {
            evaluationsSincePoll = 0
            if shouldStop?() == true { interrupted = true; return -1 }
        }
        if allFinite(dy, count: dimension) { return 0 }
        nonFiniteRHS = (t, (0..<dimension).first { !dy[$0].isFinite }!)
        return 1
    }

    /// The entries of one of CVODE's vectors.
    @inline(__always)
    func data(_ v: N_Vector?) -> UnsafeMutablePointer<Double> {
        swiftVectors ? SwiftVector.data(v) : N_VGetArrayPointer(v)!
    }
}

/// Owns every CVODE pointer of one integration and frees them, in reverse order, in `deinit`.
final class CVODESession {
    private var sunContext: SUNContext?
    private(set) var memory: UnsafeMutableRawPointer?
    private(set) var y: N_Vector?
    /// A vector for `interpolate` (CVodeGetDky's output), made on first use.
    var interpolant: N_Vector?
    private var absTol: N_Vector?
    private var matrix: SUNMatrix?
    private var linearSolver: SUNLinearSolver?
    private var customSolver = false
    /// The Swift Newton iteration (with the structured linear solver) and its SUNDIALS handle.
    private var newtonIteration: NewtonIteration?
    private var nonlinearSolver: SUNNonlinearSolver?
    private let context: CallbackContext
    let problem: ODEProblem
    let name: String

    init(problem: ODEProblem, options: CVODEOptions, name: String) throws {
        self.problem = problem
        self.name = name
        let tol = options.absoluteTolerances(for: problem.system)
        context = CallbackContext(system: problem.system, rateTables: options.rateTables
                                  && options.relativeTolerance >= CVODEOptions.rateTableMinimumTolerance,
                                  relativeTolerance: options.relativeTolerance, absoluteTolerances: tol,
                                  swiftVectors: options.linearSolver != .dense)
        context.shouldStop = problem.shouldStop
        let n = context.dimension
        func fail(_ message: String) -> SolverError {
            SolverError(algorithm: name, time: problem.startTime, reason: .other, message: message, statistics: .init())
        }
        guard tol.count == n, tol.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw fail("absolute tolerances must be \(n) finite positive numbers")
        }
        guard options.relativeTolerance > 0, options.relativeTolerance.isFinite, options.relativeTolerance < 1 else {
            throw fail("rtol = \(options.relativeTolerance) must be in (0, 1)")
        }
        if let h = options.maxStep, !(h > 0 && h.isFinite) { throw fail("max step = \(h) ms must be finite and > 0") }
        let b = options.fixedStepBounds
        guard b.lower >= 0, b.lower < 1, b.upper >= 1, b.upper.isFinite else {
            throw fail("fixed-step bounds (\(b.lower), \(b.upper)) must satisfy 0 ≤ lower < 1 ≤ upper")
        }

        guard SUNContext_Create(nil, &sunContext) == 0, let ctx = sunContext else { throw fail("SUNContext_Create failed") }
        // SUNDIALS' dense solver needs its own serial vectors (and SUNDIALS' error weights, from a vector of
        // absolute tolerances); otherwise the vector operations and the error weights run in Swift.
        y = context.swiftVectors ? SwiftVector.make(length: n, context: ctx) : N_VNew_Serial(sunindextype(n), ctx)
        guard let y else { throw fail("could not allocate N_Vectors") }
        let yp = N_VGetArrayPointer(y)!
        for i in 0..<n { yp[i] = problem.initialState[i] }
        if !context.swiftVectors {
            absTol = N_VNew_Serial(sunindextype(n), ctx)
            guard let absTol else { throw fail("could not allocate N_Vectors") }
            let ap = N_VGetArrayPointer(absTol)!
            for i in 0..<n { ap[i] = tol[i] }
        }
        memory = CVodeCreate(options.method == .bdf ? CV_BDF : CV_ADAMS, ctx)
        guard let mem = memory else { throw fail("CVodeCreate failed") }
        let user = Unmanaged.passUnretained(context).toOpaque()
        try check(CVodeSetErrHandlerFn(mem, errorHandler, user), "CVodeSetErrHandlerFn")
        try check(CVodeInit(mem, rightHandSide, problem.startTime, y), "CVodeInit")
        try check(CVodeSetUserData(mem, user), "CVodeSetUserData")
        // The error weights of CVodeSVtolerances, 1/(rtol |y| + atol), computed in Swift in the same operations
        // (the same numbers bit for bit) instead of by four vector calls through the unoptimised library.
        if context.swiftVectors {
            try check(CVodeWFtolerances(mem, errorWeights), "CVodeWFtolerances")
        } else {
            try check(CVodeSVtolerances(mem, options.relativeTolerance, absTol!), "CVodeSVtolerances")
        }
        try check(CVodeSetMaxNumSteps(mem, options.maxStepsPerOutput), "CVodeSetMaxNumSteps")
        if let h = options.maxStep { try check(CVodeSetMaxStep(mem, h), "CVodeSetMaxStep") }
        try check(CVodeSetStopTime(mem, problem.endTime), "CVodeSetStopTime")

        matrix = SUNDenseMatrix(sunindextype(n), sunindextype(n), ctx)
        guard let A = matrix else { throw fail("SUNDenseMatrix failed") }
        switch options.linearSolver {
        case .structured:
            guard let S = SUNLinSolNewEmpty(ctx) else { throw fail("SUNLinSolNewEmpty failed") }
            linearSolver = S
            customSolver = true
            S.pointee.content = user
            S.pointee.ops.pointee.gettype = { _ in SUNLINEARSOLVER_DIRECT }
            S.pointee.ops.pointee.setup = { _, _ in 0 }
            S.pointee.ops.pointee.solve = structuredSolve
            try check(CVodeSetLinearSolver(mem, S, A), "CVodeSetLinearSolver")
            try check(CVodeSetLinSysFn(mem, structuredLinearSystem), "CVodeSetLinSysFn")
            if !options.sundialsNewton {
                guard let iteration = NewtonIteration(context: context, sunContext: ctx, bdf: options.method == .bdf),
                      let nls = iteration.makeSolver(ctx) else { throw fail("could not create the Newton iteration") }
                newtonIteration = iteration
                nonlinearSolver = nls
                try check(CVodeSetNonlinearSolver(mem, nls), "CVodeSetNonlinearSolver")
            }
        case .dense:
            linearSolver = SUNLinSol_Dense(y, A, ctx)
            guard let S = linearSolver else { throw fail("SUNLinSol_Dense failed") }
            try check(CVodeSetLinearSolver(mem, S, A), "CVodeSetLinearSolver")
            try check(CVodeSetJacFn(mem, denseJacobian), "CVodeSetJacFn")
        }
        let k = max(1, options.jacobianRefresh)
        try check(CVodeSetLSetupFrequency(mem, k), "CVodeSetLSetupFrequency")
        try check(CVodeSetJacEvalFrequency(mem, k), "CVodeSetJacEvalFrequency")
        let bounds = options.fixedStepBounds
        try check(CVodeSetEtaFixedStepBounds(mem, bounds.lower, bounds.upper), "CVodeSetEtaFixedStepBounds")
    }

    deinit {
        if memory != nil { CVodeFree(&memory) }
        if let s = nonlinearSolver { s.pointee.content = nil; SUNNonlinSolFreeEmpty(s) }
        if let S = linearSolver {
            if customSolver { S.pointee.content = nil; SUNLinSolFreeEmpty(S) } else { _ = SUNLinSolFree(S) }
        }
        if let A = matrix { SUNMatDestroy(A) }
        if let v = interpolant { N_VDestroy(v) }
        if let v = absTol { N_VDestroy(v) }
        if let v = y { N_VDestroy(v) }
        if sunContext != nil { _ = SUNContext_Free(&sunContext) }
    }

    private func check(_ flag: Int32, _ call: String) throws(SolverError) {
        guard flag >= 0 else {
            throw SolverError(algorithm: name, time: problem.startTime, reason: .other,
                              message: "\(call): \(Self.describe(flag))", statistics: .init())
        }
    }

    func statistics() -> SolverStatistics {
        var s = SolverStatistics()
        guard let mem = memory else { return s }
        var v = 0
        CVodeGetNumSteps(mem, &v); s.steps = v
        CVodeGetNumRhsEvals(mem, &v); s.rhsEvaluations = v + (newtonIteration?.rightHandSideEvaluations ?? 0)
        var lsRhs = 0
        CVodeGetNumLinRhsEvals(mem, &lsRhs); s.rhsEvaluations += lsRhs
        CVodeGetNumJacEvals(mem, &v); s.jacobianEvaluations = max(v, context.jacobianEvaluations)
        CVodeGetNumLinSolvSetups(mem, &v); s.linearSolverSetups = v
        CVodeGetNumErrTestFails(mem, &v); s.errorTestFailures = v
        CVodeGetNumNonlinSolvIters(mem, &v); s.nonlinearIterations = v
        CVodeGetNumNonlinSolvConvFails(mem, &v); s.nonlinearConvergenceFailures = v
        return s
    }

    func run(observer: SampleObserver) throws(SolverError) -> Solution {
        let mem = memory!, y = self.y!
        let n = context.dimension
        let yp = N_VGetArrayPointer(y)!
        var t = problem.startTime
        do {
            try observer(t, UnsafeBufferPointer(start: yp, count: n))
        } catch {
            throw SolverError(algorithm: name, time: t, reason: .observerFailed, message: "\(error)", statistics: statistics())
        }
        for k in 1...problem.outputCount {
            let target = problem.outputTime(k)
            let flag = CVode(mem, target, y, &t, CV_NORMAL)
            if flag < 0 {
                throw failure(flag, at: t)
            }
            do {
                try observer(t, UnsafeBufferPointer(start: yp, count: n))
            } catch {
                throw SolverError(algorithm: name, time: t, reason: .observerFailed, message: "\(error)", statistics: statistics())
            }
        }
        return Solution(algorithm: name, finalTime: t, finalState: Array(UnsafeBufferPointer(start: yp, count: n)),
                        statistics: statistics())
    }

    func failure(_ flag: Int32, at t: Double) -> SolverError {
        var reason: SolverError.Reason
        switch flag {
        case CV_TOO_MUCH_WORK: reason = .tooMuchWork
        case CV_CONV_FAILURE: reason = .convergenceFailure
        case CV_ERR_FAILURE: reason = .errorTestFailure
        case CV_RHSFUNC_FAIL, CV_REPTD_RHSFUNC_ERR, CV_UNREC_RHSFUNC_ERR, CV_FIRST_RHSFUNC_ERR: reason = .rhsFailure
        default: reason = .other
        }
        if context.interrupted {
            return SolverError(algorithm: name, time: t, reason: .interrupted, message: "interrupted at t = \(readableTime(t)) ms",
                               statistics: statistics())
        }
        var message = Self.describe(flag)
        if let (tn, i) = context.nonFiniteRHS {
            reason = .nonFiniteState
            message += "; the right-hand side of \(problem.system.layout.names[i]) was not finite at t = \(readableTime(tn)) ms"
        }
        if let m = context.lastMessage { message += " (CVODE: \(m))" }
        return SolverError(algorithm: name, time: t, reason: reason, message: message, statistics: statistics())
    }

    /// CVODE's return codes in words.
    static func describe(_ flag: Int32) -> String {
        switch flag {
        case CV_TOO_MUCH_WORK: "too much work: the step limit between two outputs was reached"
        case CV_TOO_MUCH_ACC: "too much accuracy requested"
        case CV_ERR_FAILURE: "repeated error-test failures (step size became too small)"
        case CV_CONV_FAILURE: "repeated Newton convergence failures"
        case CV_LSETUP_FAIL: "linear solver setup failed (singular Newton matrix?)"
        case CV_LSOLVE_FAIL: "linear solve failed"
        case CV_RHSFUNC_FAIL: "the right-hand side failed"
        case CV_FIRST_RHSFUNC_ERR: "the right-hand side failed at the first call"
        case CV_REPTD_RHSFUNC_ERR: "the right-hand side failed repeatedly (non-finite values)"
        case CV_UNREC_RHSFUNC_ERR: "the right-hand side failed unrecoverably"
        case CV_ILL_INPUT: "illegal input"
        case CV_MEM_FAIL: "memory allocation failed"
        case CV_TOO_CLOSE: "output time too close to the start time"
        default: "CVODE error \(flag)"
        }
    }
}

// MARK: - C callbacks (capture-free; the Swift context travels in user_data)

/// `body` on the callback's context, borrowed without a retain (the session keeps it alive; the callbacks
/// run several times per step).
@inline(__always)
private func withContext<R>(_ user: UnsafeMutableRawPointer?, _ body: (CallbackContext) -> R) -> R {
    Unmanaged<CallbackContext>.fromOpaque(user!)._withUnsafeGuaranteedRef(body)
}

/// w = 1/(rtol |y| + atol), as SUNDIALS' cvEwtSetSV computes it (|y|, then rtol·|y| + 1·atol, then 1/x).
private let errorWeights: CVEwtFn = { y, ewt, user in
    withContext(user) { c in
        let yp = c.data(y), wp = c.data(ewt), ap = c.absoluteTolerances, rtol = c.relativeTolerance
        for i in 0..<c.dimension { wp[i] = 1 / (rtol * abs(yp[i]) + 1 * ap[i]) }
        return 0
    }
}

private let rightHandSide: CVRhsFn = { t, y, ydot, user in
    withContext(user) { c in c.evaluate(t, c.data(y), c.data(ydot)) }
}

private let errorHandler: CVErrHandlerFn = { code, module, function, message, user in
    guard let user else { return }
    withContext(user) { $0.lastMessage = message.map { String(cString: $0) } }
}

/// Forms and factorises M = I − γJ in Swift (CVODE's linear-system callback).
private let structuredLinearSystem: CVLsLinSysFn = { t, y, fy, A, jok, jcur, gamma, user, _, _, _ in
    withContext(user) { c in
        if jok == 0 {
            c.newton.evaluateJacobian(t, c.data(y))
            c.jacobianEvaluations += 1
            jcur?.pointee = 1
        } else {
            jcur?.pointee = 0
        }
        return c.newton.factor(gamma: gamma) ? 0 : 1
    }
}

/// Solves M x = b with the factorisation from `structuredLinearSystem`.
private let structuredSolve: @convention(c) (SUNLinearSolver?, SUNMatrix?, N_Vector?, N_Vector?, sunrealtype) -> Int32 = {
    S, _, x, b, _ in
    withContext(S!.pointee.content) { c in
        let xp = c.data(x), bp = c.data(b)
        if xp != bp { xp.update(from: bp, count: c.dimension) }
        c.newton.solve(xp)
        return 0
    }
}

/// Writes the exact Jacobian into CVODE's dense (column-major) matrix.
private let denseJacobian: CVLsJacFn = { t, y, _, J, user, _, _, _ in
    withContext(user) { c in
        c.newton.evaluateJacobian(t, N_VGetArrayPointer(y)!)
        c.jacobianEvaluations += 1
        let n = c.dimension
        let data = SUNDenseMatrix_Data(J)!
        for col in 0..<n {
            for row in 0..<n { data[col * n + row] = c.newton.jacobianEntry(row, col) }
        }
        return 0
    }
}
