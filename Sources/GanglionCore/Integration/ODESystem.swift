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
}

/// A system that the exponential (Rush–Larsen) integrator can advance: each state obeys a
/// (conditionally) linear equation dx/dt = (x∞ − x)/τ with x∞ and τ depending on the other states.
///
/// The states are advanced in stages (for a neuron: first the gates, then V and Ca with the gates
/// already at t + Δt, as xolotl does); a stage's x∞ and τ are evaluated on the state as updated by
/// the earlier stages.
public protocol ConditionallyLinearSystem: ODESystem {
    /// The state indices advanced by each stage, in order; together they cover every state once.
    var linearStages: [Range<Int>] { get }
    /// Writes x∞ and τ (ms) of the states of `stage` at (t, y), at their indices in the output buffers.
    /// τ = +∞ means the state moves at the constant rate written as x∞ (dx/dt = x∞) over the step.
    func linearForm(stage: Int, _ t: Double, _ y: UnsafePointer<Double>,
                    steadyState: UnsafeMutablePointer<Double>, timeConstant: UnsafeMutablePointer<Double>)
}
