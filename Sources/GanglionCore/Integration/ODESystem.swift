/// A compiled right-hand side dy/dt = f(t, y) over contiguous `Double` storage.
///
/// Implementations must not allocate in `rightHandSide` or `jacobian`: they run millions of times.
public protocol ODESystem: AnyObject, Sendable {
    /// Names of the state entries.
    var layout: StateLayout { get }
    /// Writes f(t, y) to `dy`. Units: each state's unit per ms.
    func rightHandSide(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>)
    /// The Jacobian's block structure: the first `coreCount` states are coupled densely, every other
    /// state couples only to itself and to the core.
    var coreCount: Int { get }
    /// Writes the exact Jacobian ∂f/∂y at (t, y) in arrow form.
    func jacobian(_ t: Double, _ y: UnsafePointer<Double>, into J: inout ArrowJacobian)
    /// Absolute tolerance appropriate for each state at a relative tolerance of 1e-6.
    var defaultAbsoluteTolerances: [Double] { get }
    /// A solver for the Newton systems (I − γJ) x = b of implicit integrators that exploits the system's
    /// structure. The default is the arrow solver built on `coreCount` and `jacobian(_:_:into:)`.
    func makeNewtonSolver() -> any NewtonSystemSolver
    /// The right-hand side with the rates read from voltage tables (`GateTable`: interpolation error below
    /// 1e-8), for integrators whose tolerances are far above that error; nil when the system has none.
    func makeTabulatedRightHandSide() -> (any TabulatedRightHandSide)?
}

extension ODESystem {
    /// Default: an `ArrowSystemSolver` on the system's arrow-shaped Jacobian.
    public func makeNewtonSolver() -> any NewtonSystemSolver { ArrowSystemSolver(self) }
    /// Default: none.
    public func makeTabulatedRightHandSide() -> (any TabulatedRightHandSide)? { nil }
}

/// A system's right-hand side evaluated through rate tables, with its own scratch. Not thread-safe: one
/// per integration.
public protocol TabulatedRightHandSide: AnyObject {
    /// Writes f(t, y) to `dy`, as `ODESystem.rightHandSide` up to the tables' interpolation error.
    func evaluate(_ t: Double, _ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>)
}

/// The linear algebra of an implicit integrator's Newton iteration on one system: evaluate the Jacobian,
/// factor M = I − γJ, solve M x = b. Not thread-safe: one per integration.
public protocol NewtonSystemSolver: AnyObject {
    /// Evaluates and keeps the exact Jacobian ∂f/∂y at (t, y).
    func evaluateJacobian(_ t: Double, _ y: UnsafePointer<Double>)
    /// Entry (i, j) of the last evaluated Jacobian (for a dense fallback and for tests).
    func jacobianEntry(_ i: Int, _ j: Int) -> Double
    /// Factorises M = I − γJ with the last Jacobian. Returns false if M is singular.
    func factor(gamma: Double) -> Bool
    /// Solves M x = b in place with the last factorisation.
    func solve(_ b: UnsafeMutablePointer<Double>)
}

/// `NewtonSystemSolver` for a system with an arrow-shaped Jacobian (one cell).
public final class ArrowSystemSolver: NewtonSystemSolver {
    let system: any ODESystem
    /// The arrow-form Jacobian and its factorisation.
    public let newton: ArrowNewtonSolver

    /// A solver for `system`, sized by its `coreCount` and state count.
    public init(_ system: any ODESystem) {
        self.system = system
        newton = ArrowNewtonSolver(coreCount: system.coreCount, gateCount: system.layout.count - system.coreCount)
    }
    /// Writes the system's Jacobian at (t, y) into `newton`.
    public func evaluateJacobian(_ t: Double, _ y: UnsafePointer<Double>) { system.jacobian(t, y, into: &newton.jacobian) }
    /// Entry (i, j) of the last evaluated Jacobian.
    public func jacobianEntry(_ i: Int, _ j: Int) -> Double { newton.jacobian.entry(i, j) }
    /// Factorises I − γJ; false if it is singular.
    public func factor(gamma: Double) -> Bool { newton.factor(gamma: gamma) }
    /// Solves (I − γJ) x = b in place.
    public func solve(_ b: UnsafeMutablePointer<Double>) { newton.solve(b) }
}

/// A system that the exponential (Rush–Larsen) integrator can advance: each state obeys a
/// (conditionally) linear equation dx/dt = (x∞ − x)/τ with x∞ and τ depending on the other states.
///
/// The states are advanced in stages (for a neuron: first the gates, then V and Ca with the gates
/// already at t + Δt, as xolotl does); a stage's x∞ and τ are evaluated on the state as updated by
/// the earlier stages.
public protocol ConditionallyLinearSystem: ODESystem {
    /// The state indices advanced by each stage, in order; together they cover every state once.
    var linearStages: [[Range<Int>]] { get }
    /// Writes x∞ and τ (ms) of the states of `stage` at (t, y), at their indices in the output buffers.
    /// τ = +∞ means the state moves at the constant rate written as x∞ (dx/dt = x∞) over the step.
    func linearForm(stage: Int, _ t: Double, _ y: UnsafePointer<Double>,
                    steadyState: UnsafeMutablePointer<Double>, timeConstant: UnsafeMutablePointer<Double>)
    /// Tables that let `advance` skip rate functions for steps of h ms (`GateTable`); nil (the default)
    /// when the system has none.
    func makeRateTables(step h: Double) -> RateTables?
    /// Advances every state by one Rush–Larsen step h in place (every stage, in order), with `tables` made
    /// for h. Must agree with the stages of `linearForm` up to the tables' interpolation error. `work`:
    /// 2·dimension + tables.scratch doubles. Default: from `linearForm`.
    func rushLarsenStep(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, tables: RateTables,
                        work: UnsafeMutablePointer<Double>)
    /// `count` steps h from t (what `rushLarsenStep` does `count` times; a system may run them in one loop).
    func rushLarsenSteps(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, count: Int, tables: RateTables,
                         work: UnsafeMutablePointer<Double>)
}

extension ConditionallyLinearSystem {
    /// Default: no tables.
    public func makeRateTables(step h: Double) -> RateTables? { nil }
    /// Default: `rushLarsenStep` `count` times.
    public func rushLarsenSteps(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, count: Int, tables: RateTables,
                                work: UnsafeMutablePointer<Double>) {
        for j in 0..<count { rushLarsenStep(t + Double(j) * h, y, step: h, tables: tables, work: work) }
    }
    /// Default: every stage from `linearForm`.
    public func rushLarsenStep(_ t: Double, _ y: UnsafeMutablePointer<Double>, step h: Double, tables: RateTables,
                               work: UnsafeMutablePointer<Double>) {
        for (stage, ranges) in linearStages.enumerated() { advanceGenerically(stage: stage, ranges: ranges, t, y, step: h, work: work) }
    }

    /// One Rush–Larsen step of `stage` from `linearForm`: x∞ and τ at (t, y), then every state of `ranges`
    /// updated. `work`: 2·dimension doubles.
    @inline(__always)
    public func advanceGenerically(stage: Int, ranges: [Range<Int>], _ t: Double, _ y: UnsafeMutablePointer<Double>,
                                   step h: Double, work: UnsafeMutablePointer<Double>) {
        let inf = work, tau = work + layout.count
        linearForm(stage: stage, t, y, steadyState: inf, timeConstant: tau)
        for range in ranges { for i in range {
            y[i] = rushLarsen(y[i], steadyState: inf[i], timeConstant: tau[i], step: h)
        } }
    }
}
