import Foundation

/// Reopens the trace sink of a run resumed from a checkpoint, which recorded it at `position`: its
/// `<path>.partial` goes on from there, in `format`. A checkpoint written at the end of the run (`complete`)
/// may find the trace already committed under its final name at that position: nothing is left to write (nil).
/// Otherwise the run cannot go on, and the error says so without touching any file (the caller adds that every
/// file is left as it is).
func reopenSink(_ format: TraceSinkFormat, path: String, columns: [String], at position: SinkPosition,
                complete: Bool) throws(SimulationError) -> (any TraceSink)? {
    if FileManager.default.fileExists(atPath: path + ".partial") {
        do { return try format.reopenSink(path: path, columns: columns, at: position) } catch {
            throw SimulationError(message: "\(error)")
        }
    }
    if complete, format.isCommitted(path: path, at: position) { return nil }   // committed before the kill
    throw SimulationError(message: "\(path).partial: missing, so the run cannot go on from the checkpoint")
}
