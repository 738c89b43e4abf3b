import Foundation
import GanglionIO

/// The format a run writes its trace in, chosen once (from the output's name or `--format`) and held by the
/// run's request: it creates the sink for a path when the run starts, and reopens it at a checkpoint's
/// `SinkPosition` when the run is resumed. See Docs/nwb.md and Docs/files.md.
///
///     let format = TraceSinkFormat(path: out, nwb: NWBTraceOptions(metadata: m))
///     let sink = try format.makeSink(path: out, columns: ["t_ms", "V_mV", "Ca_au"])
///     …  try sink.write(time: t, values: row)          // every sample
///     …  checkpoint.trace = try sink.position()        // at each checkpoint
///     sink.describeSolver(solverJSON); try sink.commit()
///     // on resume:
///     let again = try format.reopenSink(path: out, columns: columns, at: checkpoint.trace)
public enum TraceSinkFormat: Sendable {
    /// CSV text (`CSVTraceWriter`): a header of column names with units, one line per sample.
    case csv
    /// NWB 2 (`NWBTraceSink`), with the session's metadata.
    case nwb(NWBTraceOptions)

    /// NWB for a path ending in `.nwb` (any case), with `options`; CSV otherwise.
    public init(path: String, nwb options: @autoclosure () -> NWBTraceOptions) {
        self = path.lowercased().hasSuffix(".nwb") ? .nwb(options()) : .csv
    }

    /// The file name extension of the format (`csv`, `nwb`).
    public var fileExtension: String {
        switch self {
        case .csv: "csv"
        case .nwb: "nwb"
        }
    }

    /// Starts the trace at `path` (written as `<path>.partial` until committed) with these columns, `t_ms` first.
    /// An existing `<path>.partial` is refused unless `replacingPartial`.
    public func makeSink(path: String, columns: [String], replacingPartial: Bool = OutputPolicy.replacesForeignFiles) throws -> any TraceSink {
        switch self {
        case .csv: try CSVTraceWriter(path: path, columns: columns, replacingPartial: replacingPartial)
        case let .nwb(options): try NWBTraceSink(path: path, columns: columns, options: options, replacingPartial: replacingPartial)
        }
    }

    /// Reopens `<path>.partial` at `position` (from the sink's `position()` at a checkpoint) to go on writing it;
    /// whatever was written after that position is dropped.
    public func reopenSink(path: String, columns: [String], at position: SinkPosition) throws -> any TraceSink {
        switch self {
        case .csv: try CSVTraceWriter(resuming: path, columns: columns, at: position)
        case let .nwb(options): try NWBTraceSink(resuming: path, columns: columns, options: options, at: position)
        }
    }

    /// Whether `path` holds this format's committed trace of exactly `position` (a run killed after its last
    /// checkpoint, while or after committing its outputs): for CSV the file's size, for NWB its row count.
    public func isCommitted(path: String, at position: SinkPosition) -> Bool {
        switch self {
        case .csv:
            var st = stat()
            return position.bytes != nil && stat(path, &st) == 0 && Int(st.st_size) == position.bytes
        case .nwb:
            guard FileManager.default.fileExists(atPath: path), let all = try? NWBReader.series(in: path, asInput: false), !all.isEmpty else { return false }
            return all.allSatisfy { $0.count == position.rows }
        }
    }
}
