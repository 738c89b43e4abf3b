import CHDF5
import Foundation
import GanglionIO

/// Streams samples into an NWB 2 file (HDF5, schema 2.x core): one `TimeSeries` per series in
/// `/acquisition`, data appended block by block (memory does not grow with the run). A regular sample grid
/// is stored as `starting_time` + `rate`; the first irregular sample (e.g. the two rows at a protocol
/// event) switches the file to explicit `timestamps`, shared by every series through a link, in which the
/// samples before it keep their grid times.
///
/// The file is written under a temporary name — a unique scratch name, or `<path>.partial` (for
/// `NWBTraceSink`), created exclusively and never through a symbolic link — and appears under its name only on
/// `commit()`. The time base (`starting_time` and `rate`, or the links to the timestamps) and
/// `general/data_collection` are written on commit; a `.partial` reopened at a position
/// (`init(resuming:…)`) has them removed again and its datasets cut to the position's rows.
public final class NWBTraceWriter {
    /// The NWB schema version the file declares.
    public static let nwbVersion = "2.7.0"

    /// The final path, where the file appears on `commit()`.
    public let path: String
    /// The series written; each sample has one value per series, in this order.
    public let series: [NWBSeries]
    /// Where the file is written until `commit()`.
    let temporaryPath: String
    /// Whether the temporary file is `<path>.partial`, kept when the writer is not committed (a scratch file
    /// is removed).
    let isPartial: Bool
    private let file: HDF5File
    private var groups: [hid_t] = []
    private var datasets: [hid_t] = []
    private var general: hid_t = -1
    private var timestamps: hid_t = -1
    private let blockRows: Int
    /// The rows not yet in the file: series j's values at j · blockRows, the times (s) after the last series.
    private let buffer: UnsafeMutablePointer<Double>
    private var buffered = 0
    private var flushed = 0
    private var t0 = 0.0, dt = 0.0
    private var regular = true
    private var lastTime = -Double.infinity
    private var finished = false
    /// What `general/data_collection` says (the solver, JSON), written on commit; nil leaves it out.
    var dataCollection: String?

    /// Creates a scratch file next to `path` with the session metadata and empty series.
    public convenience init(path: String, metadata: NWBMetadata, series: [NWBSeries]) throws(NWBError) {
        try self.init(path: path, metadata: metadata, series: series, partial: false, replacingPartial: false)
    }

    /// Creates the file with the session metadata and empty series: `<path>.partial` if `partial` (an existing
    /// `.partial`, an interrupted run's, is refused unless `replacingPartial`), else a unique scratch file.
    init(path: String, metadata: NWBMetadata, series: [NWBSeries], partial: Bool, replacingPartial: Bool) throws(NWBError) {
        try Self.validate(series, path: path)
        let folder = PathParts.folder(of: path)
        // Like Ganglion's other outputs, the file's folder is created if missing.
        do { try OutputFolder.createFolders(folder, for: path) } catch { throw NWBError(file: error.file, message: error.message) }
        let temporary: String
        if partial {
            temporary = path + ".partial"
            var st = stat()
            if replacingPartial { unlink(temporary) } else if lstat(temporary, &st) == 0 {
                let e = AtomicFileWriter.partialExists(temporary)
                throw NWBError(file: e.file, message: e.message)
            }
        } else {
            temporary = (folder.isEmpty ? "" : folder + "/") + ".\(PathParts.name(of: path)).\(getpid())-\(UUID().uuidString.prefix(8).lowercased()).tmp"
        }
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        file = try HDF5File(creating: temporary, flushOnly: partial)
        self.path = path
        self.series = series
        temporaryPath = temporary
        isPartial = partial
        blockRows = Self.blockRows(series: series.count)
        buffer = .allocate(capacity: (series.count + 1) * blockRows)
        dataCollection = metadata.dataCollection
        do {
            general = try file.writeNWBSession(metadata)
            let acquisition = try file.group("acquisition", in: file.root)
            for s in series {
                let g = try file.group(s.name, in: acquisition)
                try file.attribute("namespace", "core", on: g)
                try file.attribute("neurodata_type", "TimeSeries", on: g)
                try file.attribute("object_id", UUID().uuidString.lowercased(), on: g)
                try file.attribute("description", s.description, on: g)
                try file.attribute("comments", s.comments, on: g)
                let d = try file.extendibleDoubles("data", chunk: blockRows, deflate: 0, in: g)
                try file.attribute("unit", s.unit, on: d)
                try file.attribute("conversion", s.conversion, on: d)
                try file.attribute("resolution", -1.0, on: d)
                try file.attribute("offset", 0.0, on: d)
                groups.append(g)
                datasets.append(d)
            }
            // A resumable file is whole on disk from the start.
            if partial { try file.flush() }
        } catch {
            finished = true
            try? file.close()
            unlink(temporary)
            throw error
        }
    }

    /// Reopens `<path>.partial` to go on after its first `rows` samples, whose times `clock` gives (from a
    /// checkpoint's `SinkPosition`): the time base and `general/data_collection` written by a commit or
    /// `keepPartial()` are removed, and every dataset is cut to `rows`. A symbolic link, a file that is not
    /// this trace's, or one with fewer samples than `rows` is refused and left as it is.
    init(resuming path: String, series: [NWBSeries], rows: Int, clock: SampleClock?) throws(NWBError) {
        let temporary = path + ".partial"
        try Self.validate(series, path: path)
        guard rows >= 0, (rows == 0) == (clock == nil) else {
            throw NWBError(file: temporary, message: "the checkpoint's position (\(rows) rows) does not give their times: cannot resume")
        }
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        file = try HDF5File(opening: temporary)
        self.path = path
        self.series = series
        temporaryPath = temporary
        isPartial = true
        blockRows = Self.blockRows(series: series.count)
        buffer = .allocate(capacity: (series.count + 1) * blockRows)
        do throws(NWBError) {
            guard file.hasLink("acquisition", in: file.root), file.hasLink("general", in: file.root) else {
                throw NWBError(file: temporary, message: "is not an NWB file Ganglion wrote: cannot resume")
            }
            let acquisition = try file.openGroup("/acquisition")
            for s in series {
                guard file.hasLink(s.name, in: acquisition) else {
                    throw NWBError(file: temporary, message: "has no series '\(s.name)': not this run's trace; cannot resume")
                }
                let g = try file.openGroup("/acquisition/" + s.name)
                let d = try file.openDataset("data", in: g)
                guard let n = file.length(of: d), n >= rows else {
                    throw NWBError(file: temporary, message: "series '\(s.name)' holds fewer samples than at the checkpoint (\(rows)): cannot resume")
                }
                groups.append(g)
                datasets.append(d)
            }
            general = try file.openGroup("/general")
            if file.hasLink("data_collection", in: general) { try file.deleteLink("data_collection", in: general) }
            for g in groups where file.hasLink("starting_time", in: g) { try file.deleteLink("starting_time", in: g) }
            for g in groups.dropFirst() where file.hasLink("timestamps", in: g) { try file.deleteLink("timestamps", in: g) }
            let hasTimestamps = file.hasLink("timestamps", in: groups[0])
            if clock?.explicit == true {
                guard hasTimestamps else {
                    throw NWBError(file: temporary, message: "has no timestamps, which it had at the checkpoint: cannot resume")
                }
                timestamps = try file.openDataset("timestamps", in: groups[0])
                guard let n = file.length(of: timestamps), n >= rows else {
                    throw NWBError(file: temporary, message: "holds fewer timestamps than samples at the checkpoint (\(rows)): cannot resume")
                }
                try file.setLength(timestamps, rows, name: "timestamps")
            } else if hasTimestamps {
                // The samples fell off the grid after the checkpoint: they are written again.
                try file.deleteLink("timestamps", in: groups[0])
            }
            for (d, s) in zip(datasets, series) { try file.setLength(d, rows, name: s.name + "/data") }
            // On disk at once, before any new data could be written where the removed objects were.
            try file.flush()
        } catch {
            finished = true
            try? file.close()
            throw error
        }
        flushed = rows
        if let clock {
            (t0, dt, lastTime, regular) = (clock.first, clock.interval, clock.last, !clock.explicit)
        }
    }

    deinit {
        if !finished {
            if isPartial { close() } else { abandon() }
        }
        buffer.deallocate()
    }

    /// Checks the series names (letters, digits, `_`, `-`; each once) and conversions.
    private static func validate(_ series: [NWBSeries], path: String) throws(NWBError) {
        guard !series.isEmpty else { throw NWBError(file: path, message: "no series to write") }
        var seen = Set<String>()
        for s in series {
            guard !s.name.isEmpty, s.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw NWBError(file: path, message: "series name '\(s.name)': use letters, digits, '_' and '-'")
            }
            guard seen.insert(s.name).inserted else { throw NWBError(file: path, message: "series name '\(s.name)' appears twice") }
            guard s.conversion.isFinite, s.conversion != 0 else {
                throw NWBError(file: path, message: "series '\(s.name)': conversion \(s.conversion) must be finite and non-zero")
            }
        }
    }

    /// Rows per block and per chunk: about 16 MB of buffer, between 1024 and 65 536 rows.
    private static func blockRows(series: Int) -> Int { max(1024, min(65536, (1 << 21) / series)) }

    /// Appends one sample: the time (ms, non-decreasing) and one value per series, in series order.
    public func append(time: Double, values: UnsafeBufferPointer<Double>) throws(NWBError) {
        guard values.count == series.count else {
            throw NWBError(file: path, message: "a sample has \(values.count) values for \(series.count) series")
        }
        guard time.isFinite, time >= lastTime else {
            throw NWBError(file: path, message: "sample time \(time) ms is not finite or decreases (previous \(lastTime) ms)")
        }
        let k = flushed + buffered
        if k == 0 { t0 = time } else if k == 1 {
            dt = time - t0
            if !(dt > 0) { try materializeTimestamps() }
        } else if regular, abs(time - (t0 + Double(k) * dt)) > 1e-6 * dt {
            try materializeTimestamps()
        }
        lastTime = time
        let n = series.count
        buffer[n * blockRows + buffered] = time / 1000
        for j in 0..<n { buffer[j * blockRows + buffered] = values[j] }
        buffered += 1
        if buffered == blockRows { try flush() }
    }

    /// From here on the file keeps explicit timestamps; the samples so far are stored at their grid times
    /// (those in the file and those buffered alike, so the file does not depend on when blocks were written).
    private func materializeTimestamps() throws(NWBError) {
        regular = false
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        timestamps = try file.extendibleDoubles("timestamps", chunk: blockRows, deflate: 0, in: groups[0])
        try file.attribute("interval", Int32(1), on: timestamps)
        try file.attribute("unit", "seconds", on: timestamps)
        var done = 0
        var block = [Double](repeating: 0, count: blockRows)
        while done < flushed {
            let n = min(blockRows, flushed - done)
            for i in 0..<n { block[i] = (t0 + Double(done + i) * dt) / 1000 }
            try block.withUnsafeBufferPointer { p throws(NWBError) in
                try file.append(UnsafeBufferPointer(rebasing: p[0..<n]), to: timestamps, count: done, name: "timestamps")
            }
            done += n
        }
        let times = buffer + series.count * blockRows
        for i in 0..<buffered { times[i] = (t0 + Double(flushed + i) * dt) / 1000 }
        // A new object: on disk at once in a resumable file, so that no later write lands where the old
        // metadata the file on disk still names was.
        if isPartial { try file.flush() }
    }

    private func flush() throws(NWBError) {
        guard buffered > 0 else { return }
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        for j in series.indices {
            try file.append(UnsafeBufferPointer(start: buffer + j * blockRows, count: buffered),
                            to: datasets[j], count: flushed, name: series[j].name + "/data")
        }
        if !regular {
            try file.append(UnsafeBufferPointer(start: buffer + series.count * blockRows, count: buffered),
                            to: timestamps, count: flushed, name: "timestamps")
        }
        flushed += buffered
        buffered = 0
    }

    /// The number of samples appended so far.
    public var count: Int { flushed + buffered }

    /// The sample times so far, as the file stores them (nil before the first sample).
    var clock: SampleClock? {
        count == 0 ? nil : SampleClock(first: t0, interval: dt, last: lastTime, explicit: !regular)
    }

    /// Writes every sample so far and the file's metadata to the file (for a checkpoint).
    func synchronize() throws(NWBError) {
        try flush()
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        try file.flush()
    }

    /// Writes the buffered samples, the time base and `general/data_collection`.
    private func finish() throws(NWBError) {
        if regular && count < 2 { try materializeTimestamps() }
        try flush()
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        if regular {
            let rate = 1000 * Double(count - 1) / (lastTime - t0)
            for g in groups {
                let d = try file.scalar("starting_time", t0 / 1000, in: g)
                try file.attribute("rate", rate, on: d)
                try file.attribute("unit", "seconds", on: d)
            }
        } else {
            for g in groups.dropFirst() {
                try file.softLink("timestamps", to: "/acquisition/\(series[0].name)/timestamps", in: g)
            }
        }
        if let dataCollection { try file.strings("data_collection", [dataCollection], array: false, in: general) }
    }

    /// Writes the time base, closes the file and moves it to `path`. On failure a scratch file is removed and
    /// a `.partial` kept.
    public func commit() throws(NWBError) {
        guard !finished else { return }
        do throws(NWBError) {
            guard count > 0 else { throw NWBError(file: path, message: "no samples to write") }
            try finish()
            hdf5Lock.lock()
            defer { hdf5Lock.unlock() }
            try file.close()
        } catch {
            if isPartial { close() } else { abandon() }
            throw error
        }
        finished = true
        do { try OutputPolicy.place(temporaryPath, at: path) } catch {
            if !isPartial { unlink(temporaryPath) }
            throw NWBError(file: path, message: error.message)
        }
    }

    /// Completes the `.partial` file as a readable NWB file of the samples so far (when there are any), closes
    /// it and returns its path.
    func keepPartial() -> String {
        if !finished, count > 0 { try? finish() }
        close()
        return temporaryPath
    }

    /// Closes the file as it is: the samples given so far are written, the time base is not.
    func close() {
        guard !finished else { return }
        finished = true
        try? flush()
        hdf5Lock.lock()
        try? file.close()
        hdf5Lock.unlock()
    }

    /// Ends the use of the file as a killed process would (`HDF5File.closeAsIfKilled`): the file stays as its
    /// last flush left it. For tests of resuming.
    func closeAsIfKilled() {
        guard !finished else { return }
        finished = true
        hdf5Lock.lock()
        file.closeAsIfKilled()
        hdf5Lock.unlock()
    }

    /// Closes and deletes the temporary file.
    public func abandon() {
        guard !finished else { return }
        finished = true
        hdf5Lock.lock()
        try? file.close()
        hdf5Lock.unlock()
        unlink(temporaryPath)
    }
}
