/// An initial-value problem: a compiled system, its initial state, a time span and an output grid.
/// Immutable; `remake` returns a modified copy.
public struct ODEProblem: Sendable {
    public let system: any ODESystem
    public let initialState: [Double]
    /// Start time t₀ (ms).
    public let startTime: Double
    /// End time t₁ (ms).
    public let endTime: Double
    /// Spacing of the output samples (ms). Samples are taken at t₀ + k·Δ and at t₁.
    public let outputInterval: Double

    public init(system: any ODESystem, initialState: [Double], startTime: Double = 0, endTime: Double,
                outputInterval: Double = 0.1) throws(ProblemError) {
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
    }

    /// A copy with some fields replaced.
    public func remake(initialState: [Double]? = nil, startTime: Double? = nil, endTime: Double? = nil,
                       outputInterval: Double? = nil) throws(ProblemError) -> ODEProblem {
        try ODEProblem(system: system, initialState: initialState ?? self.initialState,
                       startTime: startTime ?? self.startTime, endTime: endTime ?? self.endTime,
                       outputInterval: outputInterval ?? self.outputInterval)
    }

    /// Number of output samples after t₀.
    public var outputCount: Int {
        let n = ((endTime - startTime) / outputInterval).rounded(.down)
        let last = startTime + n * outputInterval
        return Int(n) + (endTime - last > 1e-9 * max(1, abs(endTime)) ? 1 : 0)
    }

    /// The time of output sample k (1 … outputCount).
    public func outputTime(_ k: Int) -> Double {
        k == outputCount ? endTime : startTime + Double(k) * outputInterval
    }
}

/// A problem that cannot be solved as posed.
public enum ProblemError: Error, Equatable, CustomStringConvertible {
    case invalid(field: String, value: String, reason: String)
    public var description: String {
        switch self {
        case let .invalid(field, value, reason): "\(field) = \(value): \(reason)"
        }
    }
}

/// Receives each output sample (time in ms, state) as the integrator produces it. Throwing stops the run.
public typealias SampleObserver = (Double, UnsafeBufferPointer<Double>) throws -> Void
