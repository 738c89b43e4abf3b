import Ganglion

/// How each update is computed: the simulated duration, the analysis window, the integrator and how much of
/// the trace and of the DIC curves is sent to the page.
public struct ExploreSettings: Sendable {
    /// Simulated duration of each update (ms).
    public var duration: Double = 4000
    /// Settling time (ms) left out of the firing analysis: the window is `settling`…`duration`.
    public var settling: Double = 1000
    /// The integrator of every update: exponential Euler at a fixed step (ms), the cheapest that keeps the
    /// firing pattern of the STG models (Docs/explore.md, "Latency").
    public var solver = SolverSettings(method: .expEuler, dt: 0.05)
    /// Time buckets of the drawn trace: at most twice as many points are sent (`TraceEnvelope`).
    public var traceBuckets = 1000
    /// The DIC curves' voltages (mV): from, to, step.
    public var dicVoltages: (from: Double, to: Double, step: Double) = (-80, -30, 0.25)

    public init() {}

    /// The analysis window (ms).
    public var window: ClosedRange<Double> { min(settling, duration / 2)...duration }

    /// Checks the numbers; the problem, or nil.
    public var problem: String? {
        guard duration.isFinite, duration > 0, duration <= 60_000 else { return "duration \(duration) ms: must be in (0, 60000]" }
        guard settling.isFinite, settling >= 0 else { return "settling \(settling) ms: must be ≥ 0" }
        return nil
    }
}
