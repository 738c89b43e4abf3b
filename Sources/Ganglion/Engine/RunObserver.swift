import Foundation

/// Something that watches a run (`RunEngine`): the trace and conductance sinks, the firing analyses, the
/// calcium average, the fold monitor, the snapshots. It sees every output sample, every boundary after the
/// events there, the end of the run and a failure. An observer whose state must survive a kill saves it in
/// the run's checkpoint under its `key`.
protocol RunObserver: AnyObject {
    /// The observer's name in checkpoints (unique within a run).
    var key: String { get }
    /// Whether `sample` does anything (observers that act only at boundaries are not called per sample).
    var watchesSamples: Bool { get }
    /// One output sample: time t (ms) and the state y of the whole system (in its layout order).
    func sample(_ t: Double, _ y: UnsafeBufferPointer<Double>) throws
    /// The subject's system was compiled again (after events, at the start, on resume): its layout may differ.
    func systemChanged() throws
    /// A boundary of the run at t (ms), after the events there and `systemChanged`; `changed`: whether an event acted.
    func boundary(_ t: Double, changed: Bool) throws
    /// The run reached its end: commit outputs (the checkpoint with the outputs' final positions is written).
    func finish(_ outcome: RunEngine.Outcome) throws
    /// The run failed: outputs are kept as `.partial`; returns the path kept when this observer writes the trace.
    func abandon() -> String?
    /// Prepares for a checkpoint at time t (ms): outputs flushed to disk; returns the state to save, nil for none.
    func save(at t: Double) throws -> String?
    /// On resume: takes the state saved in a checkpoint (the text from `save`, nil if none was saved) back,
    /// and reopens outputs at their saved positions.
    func restore(_ saved: String?) throws
}

extension RunObserver {
    var watchesSamples: Bool { true }
    func systemChanged() throws {}
    func boundary(_ t: Double, changed: Bool) throws {}
    func finish(_ outcome: RunEngine.Outcome) throws {}
    func abandon() -> String? { nil }
    func save(at t: Double) throws -> String? { nil }
    func restore(_ saved: String?) throws {}
}

/// The JSON text of an observer's or subject's checkpoint state.
func checkpointText<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
}

/// The state saved by `checkpointText`; an error names `what` when it is missing or unreadable.
func checkpointValue<T: Decodable>(_ type: T.Type, from text: String?, what: String) throws(SimulationError) -> T {
    guard let text else { throw SimulationError(message: "the checkpoint has no \(what)") }
    do { return try JSONInput.decode(T.self, from: Data(text.utf8)) } catch {
        throw SimulationError(message: "the checkpoint's \(what) cannot be read (\(error))")
    }
}
