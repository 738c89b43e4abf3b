/// The largest runs Ganglion accepts. A run whose duration, output spacing, fixed step or checkpoint interval
/// would exceed one of these is refused before it starts, with the numbers (`RunLimits.check`), instead of
/// exhausting memory, disk or patience.
public enum RunLimits {
    /// Output samples (trace rows) of one run: 10⁹ (a CSV of V and Ca alone would take about 30 GB).
    public static let maxOutputSamples = 1e9
    /// Fixed steps (exp-euler, rk4) of one run: 10¹¹ (days of computing for one cell).
    public static let maxFixedSteps = 1e11
    /// Checkpoints of one run: 10⁶.
    public static let maxCheckpoints = 1e6
    /// Steps a fixed-step method takes between two polls of the stop request (Ctrl-C, SIGTERM): a few
    /// milliseconds of computing.
    public static let stepsBetweenStopPolls = 4096

    /// Why a run of `duration` ms sampled every `outputInterval` ms (with fixed step `step` ms and a checkpoint
    /// every `checkpointInterval` ms, when given) is too large, or nil when it is within the limits.
    public static func violation(duration: Double, outputInterval: Double, step: Double? = nil,
                                 checkpointInterval: Double? = nil) -> String? {
        let samples = duration / outputInterval
        if !(samples <= maxOutputSamples) {
            return "\(readable(duration)) ms sampled every \(readable(outputInterval)) ms would be \(readable(samples)) output samples, more than the limit of \(readable(maxOutputSamples))"
        }
        if let step {
            let steps = duration / step
            if !(steps <= maxFixedSteps) {
                return "\(readable(duration)) ms in fixed steps of \(readable(step)) ms would be \(readable(steps)) steps, more than the limit of \(readable(maxFixedSteps))"
            }
        }
        if let c = checkpointInterval {
            let count = duration / c
            if !(count <= maxCheckpoints) {
                return "\(readable(duration)) ms with a checkpoint every \(readable(c)) ms would be \(readable(count)) checkpoints, more than the limit of \(readable(maxCheckpoints))"
            }
        }
        return nil
    }

    static func readable(_ x: Double) -> String {
        if !x.isFinite { return "more than 1e308" }
        return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
    }
}

extension Int {
    /// `value` rounded toward zero, or nil when it is not finite or lies outside `Int`'s range (where
    /// `Int(_:)` traps). Every conversion of a number from an input or a ratio of inputs goes through this.
    @inlinable
    public init?(checking value: Double) {
        // 2⁶³ is exactly representable; every finite double below it in magnitude converts.
        guard value.isFinite, value > -9.223372036854775808e18, value < 9.223372036854775808e18 else { return nil }
        self.init(value)
    }
}
