import GanglionCore

/// A network file's `outputs` block (`Docs/network-files.md`, "Outputs"), with the format's defaults for what
/// is not given.
public struct NetworkOutputs: Sendable {
    /// Trace file name inside the output folder; `nil`: no trace.
    public var traceName: String? = "trace.csv"
    /// The trace's window (ms); `nil`: the whole run.
    public var traceWindow: ClosedRange<Double>?
    /// Output sample spacing (ms).
    public var outputInterval = 0.1
    /// Extra quantities traced (`CELL.STATE`, …).
    public var record: [String] = []
    /// Analysis windows (ms); `nil`: the run's default.
    public var windows: [ClosedRange<Double>]?
    /// Index of the cell the phases refer to; `nil`: the first.
    public var referenceCell: Int?
    /// `burst_onset_isi_ms`: the minimum gap (ms) before a burst onset; `nil`: the half-range rule.
    public var burstOnsetGap: Double?
    /// Conductance sampling interval (ms); `nil`: no conductances file.
    public var conductanceInterval: Double?
    /// Snapshot times (ms), in the file's order.
    public var snapshotTimes: [Double] = []
    /// Duration of each snapshot rerun (ms) and its analysis window (ms); `nil`: no `snapshot` block.
    public var snapshot: (duration: Double, window: ClosedRange<Double>)?
    /// `checkpoint_every_ms` as given (0: no checkpoints); `nil`: not given.
    public var checkpointInterval: Double?

    /// The defaults: a trace `trace.csv` every 0.1 ms.
    public init() {}

    /// The block at `outputs` of a network of `duration` ms; `cellIndex` finds a cell by name.
    static func parse(_ value: Any?, duration: Double, _ f: FieldReader,
                      cellIndex: (Any?, String) throws(ModelFileError) -> Int) throws(ModelFileError) -> NetworkOutputs {
        var out = NetworkOutputs()
        guard let o = try f.object(value, "outputs", allowed: ["trace", "trace_window_ms", "dt_out_ms", "record", "windows_ms",
                                                               "reference_cell", "burst_onset_isi_ms", "conductances_every_ms",
                                                               "checkpoint_every_ms", "snapshots_ms", "snapshot"]) else { return out }
        if let t = o["trace"] {
            if let b = t as? Bool, !b { out.traceName = nil } else {
                let t = try f.string(t, "outputs.trace")!
                // A file name inside the run's folder, never a path out of it.
                if let problem = FileName.problem(t) { throw f.fail("outputs.trace", "'\(t.debugDescription.dropFirst().dropLast())' \(problem)") }
                out.traceName = t
            }
        }
        out.traceWindow = try f.window(o["trace_window_ms"], "outputs.trace_window_ms")
        if let w = out.traceWindow, w.upperBound > duration { throw f.fail("outputs.trace_window_ms", "ends after the run (\(duration) ms)") }
        out.outputInterval = try f.positive(o["dt_out_ms"], "outputs.dt_out_ms") ?? 0.1
        out.record = try f.strings(o["record"], "outputs.record") ?? []
        if let ws = o["windows_ms"] {
            guard let l = ws as? [Any], !l.isEmpty else { throw f.fail("outputs.windows_ms", "must be a non-empty list of [START, END], got \(describeJSON(ws))") }
            var windows: [ClosedRange<Double>] = []
            for (k, w) in l.enumerated() {
                let r = try f.window(w, "outputs.windows_ms[\(k)]")!
                guard r.upperBound <= duration else { throw f.fail("outputs.windows_ms[\(k)]", "ends after the run (\(duration) ms)") }
                windows.append(r)
            }
            out.windows = windows
        }
        if let r = o["reference_cell"] { out.referenceCell = try cellIndex(r, "outputs.reference_cell") }
        out.burstOnsetGap = try f.positive(o["burst_onset_isi_ms"], "outputs.burst_onset_isi_ms")
        out.conductanceInterval = try f.positive(o["conductances_every_ms"], "outputs.conductances_every_ms")
        if let list = o["snapshots_ms"] {
            guard let a = list as? [Any] else { throw f.fail("outputs.snapshots_ms", "must be a list of times (ms), got \(describeJSON(list))") }
            for (k, x) in a.enumerated() {
                let t = try f.number(x, "outputs.snapshots_ms[\(k)]")!
                guard t >= 0, t <= duration else { throw f.fail("outputs.snapshots_ms[\(k)]", "\(t) ms is outside the run (0–\(duration) ms)") }
                out.snapshotTimes.append(t)
            }
        }
        if let s = try f.object(o["snapshot"], "outputs.snapshot", allowed: ["duration_ms", "window_ms"]) {
            let d = try f.positive(s["duration_ms"], "outputs.snapshot.duration_ms") ?? 15000
            if let why = RunLimits.violation(duration: d, outputInterval: 0.1) {
                throw f.fail("outputs.snapshot.duration_ms", why)
            }
            let window = try f.window(s["window_ms"], "outputs.snapshot.window_ms") ?? (d > 3000 ? 3000...d : 0...d)
            guard window.upperBound <= d else {
                throw f.fail("outputs.snapshot.window_ms", "ends after the snapshot run (\(d) ms)")
            }
            out.snapshot = (d, window)
        }
        if let c = try f.number(o["checkpoint_every_ms"], "outputs.checkpoint_every_ms") {
            guard c >= 0, c.isFinite else { throw f.fail("outputs.checkpoint_every_ms", "must be ≥ 0 ms (0: no checkpoints), got \(c)") }
            out.checkpointInterval = c
        }
        return out
    }
}
