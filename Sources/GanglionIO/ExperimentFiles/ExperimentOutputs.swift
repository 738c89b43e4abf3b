import GanglionCore

/// An experiment file's `outputs` block (`Docs/experiment-files.md`, "Outputs"), with the format's defaults
/// for what is not given.
public struct ExperimentOutputs: Sendable {
    /// Sampling of the trace file (ms); `nil`: no trace.
    public var traceInterval: Double?
    /// The trace's window (ms); `nil`: the whole run.
    public var traceWindow: ClosedRange<Double>?
    /// `trace.record` as written (comma-separated lists of items); `nil`: not given.
    public var record: [String]?
    /// More analysis windows (ms).
    public var windows: [ClosedRange<Double>] = []
    /// Conductance sampling interval (ms); `nil`: none.
    public var conductanceInterval: Double?
    /// Times (ms) of the conductances reported in the summary, sorted.
    public var conductanceTimes: [Double] = []
    /// Window of the calcium moving average (ms); `nil`: the run's default (5000 ms).
    public var calciumAverageWindow: Double?
    /// Snapshot times (ms), sorted.
    public var snapshotTimes: [Double] = []
    /// Duration of each snapshot rerun (ms) and its analysis window (ms); `nil`: no `snapshot` block.
    public var snapshot: (duration: Double, window: ClosedRange<Double>)?
    /// Checkpoint interval (ms); `nil`: none (a run of 60 s or more checkpoints every 30 s unless the file says 0).
    public var checkpointInterval: Double?

    /// No outputs besides the summary.
    public init() {}

    /// The block at `outputs` of an experiment of `duration` ms. Throws `ModelFileError` naming the field at fault.
    public static func parse(_ value: Any?, duration: Double, _ f: FieldReader) throws(ModelFileError) -> ExperimentOutputs {
        var out = ExperimentOutputs()
        guard let o = try f.object(value, "outputs", allowed: ["trace", "windows_ms", "conductances", "snapshots_ms", "snapshot", "checkpoint_every_ms"]) else {
            if duration >= 60000 { out.checkpointInterval = 30000 }
            return out
        }
        if let t = try f.object(o["trace"], "outputs.trace", allowed: ["dt_ms", "window_ms", "record"]) {
            out.traceInterval = try f.positive(t["dt_ms"], "outputs.trace.dt_ms") ?? 0.1
            out.traceWindow = try f.window(t["window_ms"], "outputs.trace.window_ms")
            out.record = try f.strings(t["record"], "outputs.trace.record")
        }
        if let w = o["windows_ms"] {
            guard let list = w as? [Any] else { throw f.fail("outputs.windows_ms", "must be a list of [START, END], got \(describeJSON(w))") }
            for (i, item) in list.enumerated() {
                let range = try f.window(item, "outputs.windows_ms[\(i)]")!
                guard range.upperBound <= duration else {
                    throw f.fail("outputs.windows_ms[\(i)]", "[\(range.lowerBound), \(range.upperBound)] ms is outside the run (0–\(duration) ms)")
                }
                out.windows.append(range)
            }
        }
        if let c = try f.object(o["conductances"], "outputs.conductances", allowed: ["every_ms", "at_ms", "calcium_average_ms"]) {
            out.conductanceInterval = try f.positive(c["every_ms"], "outputs.conductances.every_ms")
            out.conductanceTimes = try f.times(c["at_ms"], "outputs.conductances.at_ms", duration: duration)
            if let w = try f.positive(c["calcium_average_ms"], "outputs.conductances.calcium_average_ms") {
                let every = out.conductanceInterval ?? 1000
                let ratio = w / every
                guard abs(ratio - ratio.rounded()) < 1e-9 else {
                    throw f.fail("outputs.conductances.calcium_average_ms", "must be a multiple of every_ms (\(every) ms), got \(w)")
                }
                out.calciumAverageWindow = w
            } else if let every = out.conductanceInterval, (5000 / every).rounded() != 5000 / every {
                // The default 5 s average needs a whole number of samples; else it spans one sample
                // interval rounded up to a multiple of it.
                out.calciumAverageWindow = every * max(1, (5000 / every).rounded(.up))
            }
        }
        out.snapshotTimes = try f.times(o["snapshots_ms"], "outputs.snapshots_ms", duration: duration)
        if let s = try f.object(o["snapshot"], "outputs.snapshot", allowed: ["duration_ms", "window_ms"]) {
            let d = try f.positive(s["duration_ms"], "outputs.snapshot.duration_ms") ?? 15000
            if let why = RunLimits.violation(duration: d, outputInterval: 0.1) {
                throw f.fail("outputs.snapshot.duration_ms", why)
            }
            // Default: 3 s to the end (at most 15 s), or the whole rerun when it is 3 s or shorter.
            let window = try f.window(s["window_ms"], "outputs.snapshot.window_ms") ?? (d > 3000 ? 3000 : 0)...min(15000, d)
            guard window.upperBound <= d else {
                throw f.fail("outputs.snapshot.window_ms", "must lie inside the snapshot run (0–\(d) ms)")
            }
            out.snapshot = (d, window)
        }
        if let c = try f.number(o["checkpoint_every_ms"], "outputs.checkpoint_every_ms") {
            guard c >= 0 else { throw f.fail("outputs.checkpoint_every_ms", "must be ≥ 0 ms (0: no checkpoints), got \(c)") }
            out.checkpointInterval = c > 0 ? c : nil
        } else if duration >= 60000 {
            out.checkpointInterval = 30000
        }
        return out
    }
}
