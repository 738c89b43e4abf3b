import CHDF5
import Foundation
import GanglionIO

/// One recorded quantity, written as an NWB `TimeSeries` in `/acquisition`.
public struct NWBSeries: Sendable, Equatable {
    /// The series name (letters, digits, `_`, `-`).
    public var name: String
    /// What the series holds (NWB `description`).
    public var description: String
    /// The SI unit after `conversion` (e.g. "volts").
    public var unit: String
    /// Multiplies the stored values into `unit` (stored mV → volts: 1e-3).
    public var conversion: Double
    /// Free-text remarks (NWB `comments`; default "no comments").
    public var comments: String

    /// A series named `name` in `unit` after `conversion` (default 1: stored in `unit`).
    public init(name: String, description: String, unit: String, conversion: Double = 1, comments: String = "no comments") {
        self.name = name
        self.description = description
        self.unit = unit
        self.conversion = conversion
        self.comments = comments
    }
}

/// The session-level metadata of an NWB file (NWB 2 `NWBFile` fields).
public struct NWBMetadata: Sendable {
    /// What the session is (NWB `session_description`, required).
    public var sessionDescription: String
    /// A unique identifier of the file (default a fresh lower-case UUID).
    public var identifier = UUID().uuidString.lowercased()
    /// The wall-clock time the run started (written with its UTC offset).
    public var sessionStartTime = Date()
    /// What the experiment is (NWB `experiment_description`); `nil`: left out.
    public var experimentDescription: String?
    /// Free text; Ganglion writes the model here (JSON).
    public var notes: String?
    /// The protocol (JSON).
    public var protocolText: String?
    /// How the data were produced: the solver and its settings (JSON).
    public var dataCollection: String?
    /// The command that produced the file, and the file it read (`source_script` and its `file_name`).
    public var sourceScript: String?
    /// The file `sourceScript` read (`file_name` of `source_script`).
    public var sourceScriptFileName: String?
    /// Search keywords (NWB `keywords`).
    public var keywords: [String] = []
    /// Publications the data relate to (DOIs or references; NWB `related_publications`).
    public var relatedPublications: [String] = []
    /// The subject: for a simulation, the model cell (NWB requires one).
    public var subject = NWBSubject()

    /// Metadata with this session description, a fresh identifier and the start time now.
    public init(sessionDescription: String) { self.sessionDescription = sessionDescription }
}

/// NWB's `Subject` for in-silico data: the model neuron. NWB asks for an identifier, a sex and an age or
/// date of birth; a model cell has no sex ("U", unknown) and comes into being when the run starts (its date of
/// birth is the session start). The species is written only when given: the specification of a model rarely
/// says which animal it stands for.
public struct NWBSubject: Sendable {
    /// The subject's identifier (default "model").
    public var subjectID = "model"
    /// What the subject is (default: a model neuron, not an animal).
    public var description = "In-silico subject: a conductance-based model neuron simulated by Ganglion, not an animal."
    /// NWB's sex field: "U", unknown, for a model cell.
    public var sex = "U"
    /// Latin binomial (e.g. "Cancer borealis") or an NCBI taxonomy IRI; nil leaves it out.
    public var species: String?
    /// A model-cell subject; the species is left out unless given.
    public init(subjectID: String = "model", species: String? = nil) {
        self.subjectID = subjectID
        self.species = species
    }
}

/// Streams samples into an NWB 2 file (HDF5, schema 2.x core): one `TimeSeries` per series in
/// `/acquisition`, data appended block by block (memory does not grow with the run). A regular sample grid
/// is stored as `starting_time` + `rate`; the first irregular sample (e.g. the two rows at a protocol
/// event) switches the file to explicit `timestamps`, shared by every series through a link. The file is
/// written as `<path>.partial` and appears under its name only on `commit()`.
public final class NWBTraceWriter {
    /// The NWB schema version the file declares.
    public static let nwbVersion = "2.7.0"

    /// The final path, where the file appears on `commit()`.
    public let path: String
    /// The series written; each sample has one value per series, in this order.
    public let series: [NWBSeries]
    private let temporaryPath: String
    private let file: HDF5File
    private var groups: [hid_t] = []
    private var datasets: [hid_t] = []
    private var timestamps: hid_t = -1
    private let blockRows: Int
    private var buffer: [Double]
    private var times: [Double]
    private var buffered = 0
    private var flushed = 0
    private var t0 = 0.0, dt = 0.0
    private var regular = true
    private var lastTime = -Double.infinity
    private var finished = false

    /// Creates `<path>.partial` with the session metadata and empty series.
    public init(path: String, metadata: NWBMetadata, series: [NWBSeries]) throws(NWBError) {
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
        self.path = path
        self.series = series
        // A unique scratch name in the same folder, created exclusively (never through a symbolic link).
        let folderPart = PathParts.folder(of: path)
        temporaryPath = (folderPart.isEmpty ? "" : folderPart + "/")
            + ".\(PathParts.name(of: path)).\(getpid())-\(UUID().uuidString.prefix(8).lowercased()).tmp"
        blockRows = max(1024, min(65536, (1 << 21) / series.count))
        buffer = [Double](repeating: 0, count: blockRows * series.count)
        times = [Double](repeating: 0, count: blockRows)
        // Like Ganglion's other outputs, the file's folder is created if missing.
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw NWBError(file: path, message: "cannot create the folder \(folder) (\(error.localizedDescription))")
        }
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        file = try HDF5File(creating: temporaryPath)
        do {
            try writeSession(metadata)
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
        } catch {
            try? file.close()
            unlink(temporaryPath)
            throw error
        }
    }

    deinit {
        if !finished { abandon() }
    }

    private func writeSession(_ m: NWBMetadata) throws(NWBError) {
        let root = file.root
        try file.attribute("namespace", "core", on: root)
        try file.attribute("neurodata_type", "NWBFile", on: root)
        try file.attribute("nwb_version", Self.nwbVersion, on: root)
        try file.attribute("object_id", UUID().uuidString.lowercased(), on: root)
        let start = Self.iso8601(m.sessionStartTime)
        try file.strings("session_description", [m.sessionDescription], array: false, in: root)
        try file.strings("identifier", [m.identifier], array: false, in: root)
        try file.strings("session_start_time", [start], array: false, in: root)
        try file.strings("timestamps_reference_time", [start], array: false, in: root)
        try file.strings("file_create_date", [Self.iso8601(Date())], array: true, in: root)
        _ = try file.group("analysis", in: root)
        _ = try file.group("processing", in: root)
        let stimulus = try file.group("stimulus", in: root)
        _ = try file.group("presentation", in: stimulus)
        _ = try file.group("templates", in: stimulus)
        let general = try file.group("general", in: root)
        if let s = m.experimentDescription { try file.strings("experiment_description", [s], array: false, in: general) }
        if let s = m.notes { try file.strings("notes", [s], array: false, in: general) }
        if let s = m.protocolText { try file.strings("protocol", [s], array: false, in: general) }
        if let s = m.dataCollection { try file.strings("data_collection", [s], array: false, in: general) }
        if let s = m.sourceScript {
            let d = try file.strings("source_script", [s], array: false, in: general)
            try file.attribute("file_name", m.sourceScriptFileName ?? "", on: d)
        }
        let subject = try file.group("subject", in: general)
        try file.attribute("namespace", "core", on: subject)
        try file.attribute("neurodata_type", "Subject", on: subject)
        try file.attribute("object_id", UUID().uuidString.lowercased(), on: subject)
        try file.strings("subject_id", [m.subject.subjectID], array: false, in: subject)
        try file.strings("description", [m.subject.description], array: false, in: subject)
        try file.strings("sex", [m.subject.sex], array: false, in: subject)
        try file.strings("date_of_birth", [start], array: false, in: subject)
        if let species = m.subject.species { try file.strings("species", [species], array: false, in: subject) }
        if !m.keywords.isEmpty { try file.strings("keywords", m.keywords, array: true, in: general) }
        if !m.relatedPublications.isEmpty {
            try file.strings("related_publications", m.relatedPublications, array: true, in: general)
        }
    }

    /// ISO 8601 with milliseconds and the UTC offset (NWB requires a time zone).
    static func iso8601(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(secondsFromGMT: 0)
        return f.string(from: date)
    }

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
        times[buffered] = time / 1000
        for (j, v) in values.enumerated() { buffer[j * blockRows + buffered] = v }
        buffered += 1
        if buffered == blockRows { try flush() }
    }

    /// From here on the file keeps explicit timestamps; the rows already flushed were on the regular grid.
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
    }

    private func flush() throws(NWBError) {
        guard buffered > 0 else { return }
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        try buffer.withUnsafeBufferPointer { p throws(NWBError) in
            for j in series.indices {
                try file.append(UnsafeBufferPointer(rebasing: p[(j * blockRows)..<(j * blockRows + buffered)]),
                                to: datasets[j], count: flushed, name: series[j].name + "/data")
            }
        }
        if !regular {
            try times.withUnsafeBufferPointer { p throws(NWBError) in
                try file.append(UnsafeBufferPointer(rebasing: p[0..<buffered]), to: timestamps, count: flushed, name: "timestamps")
            }
        }
        flushed += buffered
        buffered = 0
    }

    /// The number of samples appended so far.
    public var count: Int { flushed + buffered }

    /// Writes the time base, closes the file and moves it to `path`.
    public func commit() throws(NWBError) {
        guard !finished else { return }
        do throws(NWBError) {
            guard count > 0 else { throw NWBError(file: path, message: "no samples to write") }
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
            try file.close()
        } catch {
            abandon()
            throw error
        }
        finished = true
        do { try OutputPolicy.place(temporaryPath, at: path) } catch {
            unlink(temporaryPath)
            throw NWBError(file: path, message: error.message)
        }
    }

    /// Closes and deletes the partial file.
    public func abandon() {
        guard !finished else { return }
        finished = true
        hdf5Lock.lock()
        try? file.close()
        hdf5Lock.unlock()
        unlink(temporaryPath)
    }
}
