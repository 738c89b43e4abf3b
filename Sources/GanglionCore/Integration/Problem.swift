/// An initial-value problem: a compiled system, its initial state, a time span and an output grid.
/// Immutable; `remake` returns a modified copy.
public struct ODEProblem: Sendable {
    /// The compiled system.
    public let system: any ODESystem
    /// The state at t₀, in the system's layout order.
    public let initialState: [Double]
    /// Start time t₀ (ms).
    public let startTime: Double
    /// End time t₁ (ms).
    public let endTime: Double
    /// Spacing of the output samples (ms). Samples are taken at t₀, at every origin + k·Δ inside (t₀, t₁),
    /// and at t₁.
    public let outputInterval: Double
    /// Origin of the output grid (ms); t₀ unless a run is split into segments (protocol events) that
    /// must share one grid.
    public let outputOrigin: Double
    /// Index k of the first grid point origin + k·Δ after t₀.
    let firstGridIndex: Int
    /// Number of output samples after t₀.
    public let outputCount: Int
    /// Polled by the integrators between output samples too (every `RunLimits.stepsBetweenStopPolls` fixed
    /// steps, every CVODE step); returning true stops the integration with `SolverError.Reason.interrupted`.
    public var shouldStop: (@Sendable () -> Bool)?

    /// A problem on `system` from `initialState` at `startTime` to `endTime` (ms), sampled every
    /// `outputInterval` ms on a grid from `outputOrigin` (`nil`: t₀). Throws `ProblemError` if the state does
    /// not fit the layout or is not finite, or the span or interval is not positive.
    public init(system: any ODESystem, initialState: [Double], startTime: Double = 0, endTime: Double,
                outputInterval: Double = 0.1, outputOrigin: Double? = nil) throws(ProblemError) {
        guard initialState.count == system.layout.count else {
            throw .invalid(field: "initial state", value: "\(initialState.count) entries",
                           reason: "the system has \(system.layout.count) states")
        }
        if let i = initialState.firstIndex(where: { !$0.isFinite }) {
            throw .invalid(field: "initial state \(system.layout.names[i])", value: "\(initialState[i])", reason: "must be finite")
        }
        guard startTime.isFinite, endTime.isFinite, endTime > startTime else {
            throw .invalid(field: "duration", value: "\(endTime - startTime) ms", reason: "must be finite and > 0")
        }
        guard outputInterval.isFinite, outputInterval > 0 else {
            throw .invalid(field: "dt-out", value: "\(outputInterval) ms", reason: "must be finite and > 0")
        }
        self.system = system
        self.initialState = initialState
        self.startTime = startTime
        self.endTime = endTime
        self.outputInterval = outputInterval
        let origin = outputOrigin ?? startTime
        self.outputOrigin = origin
        // Grid points closer than 1e-9·Δ to t₀ or t₁ coincide with them.
        let eps = 1e-9 * outputInterval
        let samples = (endTime - startTime) / outputInterval
        guard samples <= RunLimits.maxOutputSamples,
              let firstIndex = Int(checking: ((startTime - origin) / outputInterval).rounded(.down)),
              let last = Int(checking: ((endTime - origin) / outputInterval).rounded(.down)), firstIndex < Int.max - 2 else {
            throw .invalid(field: "dt-out", value: "\(outputInterval) ms",
                           reason: "\(endTime - startTime) ms sampled this often would be \(samples) output samples, more than the limit of \(RunLimits.maxOutputSamples)")
        }
        let first = firstIndex + 1
        let adjustedFirst = origin + Double(first) * outputInterval <= startTime + eps ? first + 1 : first
        let adjustedLast = origin + Double(last) * outputInterval >= endTime - eps ? last - 1 : last
        firstGridIndex = adjustedFirst
        outputCount = max(0, adjustedLast - adjustedFirst + 1) + 1
    }

    /// A copy with some fields replaced (the system too: a parameter change makes a new problem).
    public func remake(system: (any ODESystem)? = nil, initialState: [Double]? = nil, startTime: Double? = nil,
                       endTime: Double? = nil, outputInterval: Double? = nil) throws(ProblemError) -> ODEProblem {
        var copy = try ODEProblem(system: system ?? self.system, initialState: initialState ?? self.initialState,
                                  startTime: startTime ?? self.startTime, endTime: endTime ?? self.endTime,
                                  outputInterval: outputInterval ?? self.outputInterval, outputOrigin: outputOrigin)
        copy.shouldStop = shouldStop
        return copy
    }

    /// The time of output sample k (1 … outputCount); the last is t₁.
    public func outputTime(_ k: Int) -> Double {
        k == outputCount ? endTime : outputOrigin + Double(firstGridIndex + k - 1) * outputInterval
    }
}

/// A problem that cannot be solved as posed.
public enum ProblemError: Error, Equatable, CustomStringConvertible {
    /// A field with a value that cannot be used, and why.
    case invalid(field: String, value: String, reason: String)
    /// The field, its value and the reason, as `field = value: reason`.
    public var description: String {
        switch self {
        case let .invalid(field, value, reason): "\(field) = \(value): \(reason)"
        }
    }
}

/// Receives each output sample (time in ms, state) as the integrator produces it. Throwing stops the run.
public typealias SampleObserver = (Double, UnsafeBufferPointer<Double>) throws -> Void
