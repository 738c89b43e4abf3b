import CHDF5
import Foundation
import GanglionIO

/// One time series of an NWB file (found in `/acquisition`, `/stimulus/presentation`, `/processing` or
/// `/analysis`).
public struct NWBSeriesInfo: Sendable, Equatable {
    /// The path in the file, e.g. `/acquisition/V`.
    public var path: String
    public var name: String
    /// `neurodata_type` (TimeSeries, CurrentClampSeries, …).
    public var type: String
    public var description: String
    /// The trace column this series was written from, when Ganglion wrote it (its `comments` say
    /// `ganglion-column: <name>`); nil for other files.
    public var ganglionColumn: String?
    /// The unit of `data × conversion + offset` (e.g. "volts").
    public var unit: String
    public var conversion: Double
    public var offset: Double
    /// Number of samples (0 when the data are not one-dimensional).
    public var count: Int
    /// Dimensions of `data` (1 for a one-dimensional series).
    public var rank: Int
    /// Start (s) and sampling rate (Hz) of a regular series; nil when it has timestamps.
    public var startingTime: Double?
    public var rate: Double?
    /// The path of its timestamps dataset, if it has one.
    public var timestampsPath: String?

    /// Whether the series is a membrane potential (unit volts).
    public var isVoltage: Bool { ["volts", "volt", "V"].contains(unit) }

    /// Its column in a trace CSV: Ganglion's own column name, else `<name>.V_mV` for a voltage and `<name>`
    /// otherwise.
    public var columnName: String { ganglionColumn ?? (isVoltage ? "\(name).V_mV" : name) }

    /// Factor and offset from the stored values to the CSV column's unit: Ganglion's columns are stored in
    /// their own unit; other voltages are written in mV, anything else in its SI unit.
    var toColumnUnit: (scale: Double, offset: Double) {
        if ganglionColumn != nil { return (1, 0) }
        if isVoltage { return (conversion * 1000, offset * 1000) }
        return (conversion, offset)
    }

    /// Whether `name` designates this series (its name, its column name or its path).
    public func matches(_ name: String) -> Bool { self.name == name || columnName == name || path == name }
}

/// Reads NWB 2 files: lists their time series and writes chosen ones as a Ganglion trace CSV (`t_ms`, then
/// one column per series), so `ganglion plot` and `ganglion analyze` work on NWB files from Ganglion or from
/// other tools and recordings.
public enum NWBReader {
    private static let groupsToSearch = ["/acquisition", "/stimulus/presentation", "/processing", "/analysis"]

    /// Every time series in the file's acquisition, stimulus, processing and analysis groups.
    public static func series(in path: String) throws(NWBError) -> [NWBSeriesInfo] {
        try series(in: path, asInput: true)
    }

    /// The time series of the file; `asInput`: the file is the command's input (never replaced by an output).
    static func series(in path: String, asInput: Bool) throws(NWBError) -> [NWBSeriesInfo] {
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        let file = try HDF5Reader(path: path, asInput: asInput)
        var found: [NWBSeriesInfo] = []
        for g in groupsToSearch where file.exists(g) {
            file.walk(g) { objectPath in
                guard file.exists(objectPath + "/data"), let type = file.stringAttribute("neurodata_type", of: objectPath),
                      type.hasSuffix("Series") else { return false }
                let data = objectPath + "/data"
                let shape = file.shape(data) ?? []
                let name = String(objectPath.split(separator: "/").last ?? "")
                let comments = file.stringAttribute("comments", of: objectPath) ?? ""
                let marker = "ganglion-column: "
                var info = NWBSeriesInfo(path: objectPath, name: name, type: type,
                                         description: file.stringAttribute("description", of: objectPath) ?? "",
                                         ganglionColumn: comments.hasPrefix(marker) ? String(comments.dropFirst(marker.count)) : nil,
                                         unit: file.stringAttribute("unit", of: data) ?? "", conversion: file.doubleAttribute("conversion", of: data) ?? 1,
                                         offset: file.doubleAttribute("offset", of: data) ?? 0,
                                         count: shape.count == 1 ? shape[0] : 0, rank: shape.count)
                if file.exists(objectPath + "/timestamps") {
                    info.timestampsPath = objectPath + "/timestamps"
                } else if file.exists(objectPath + "/starting_time") {
                    info.startingTime = file.readDoubles(objectPath + "/starting_time", from: 0, count: 1)?.first
                    info.rate = file.doubleAttribute("rate", of: objectPath + "/starting_time")
                }
                found.append(info)
                return true
            }
        }
        return found
    }

    /// The series `analyze` reads, as paths: the membrane potential — `column` (a series or column name),
    /// else Ganglion's `V_mV` (or the first `<cell>.V_mV`), else the first series in volts — then, when the
    /// file has it on the same time base, the calcium of the same cell. Throws if there is no such series.
    public static func analysisSeries(in path: String, column: String?) throws(NWBError) -> [String] {
        let all = try series(in: path)
        let voltage: NWBSeriesInfo
        if let column {
            guard let s = all.first(where: { $0.matches(column) }) else {
                throw NWBError(file: path, message: "no series '\(column)' (series: \(all.map(\.name).joined(separator: ", ")))")
            }
            voltage = s
        } else {
            guard let s = all.first(where: { $0.ganglionColumn == "V_mV" }) ?? all.first(where: { $0.ganglionColumn?.hasSuffix(".V_mV") == true })
                    ?? all.first(where: { $0.ganglionColumn == "V" }) ?? all.first(where: \.isVoltage) else {
                throw NWBError(file: path, message: "no voltage series (unit volts, or Ganglion's V_mV); name one with --column (series: "
                               + all.map { "\($0.name) [\($0.unit)]" }.joined(separator: ", ") + ")")
            }
            voltage = s
        }
        let cell = voltage.columnName.hasSuffix(".V_mV") ? String(voltage.columnName.dropLast(5)) : ""
        guard let calcium = all.first(where: { $0.ganglionColumn == cell + TraceColumns.calcium })
                ?? all.first(where: { $0.ganglionColumn == cell + TraceColumns.legacyCalcium }), calcium.count == voltage.count,
              calcium.rate == voltage.rate, calcium.startingTime == voltage.startingTime else { return [voltage.path] }
        return [voltage.path, calcium.path]
    }

    /// Checks that a series can be read as a column: one-dimensional, not empty, with a usable time base.
    static func checkReadable(_ s: NWBSeriesInfo, in path: String) throws(NWBError) {
        guard s.rank == 1 else {
            throw NWBError(file: path, message: "series '\(s.name)': \(s.rank)-dimensional data; only one-dimensional series can be read")
        }
        guard s.count > 0 else { throw NWBError(file: path, message: "series '\(s.name)' has no samples") }
        if s.timestampsPath == nil {
            guard let rate = s.rate, rate.isFinite, rate > 0 else {
                throw NWBError(file: path, message: "series '\(s.name)': rate \(s.rate.map { "\($0)" } ?? "missing") Hz; it needs a finite rate > 0 or timestamps")
            }
            guard let t0 = s.startingTime, t0.isFinite else {
                throw NWBError(file: path, message: "series '\(s.name)': starting_time \(s.startingTime.map { "\($0)" } ?? "missing") s is not a finite number")
            }
        }
    }

    /// Writes the series `names` (default: all of a Ganglion file, else every voltage series, else every
    /// series) as a trace CSV at `csv`: `t_ms` and one column per series (`columnName`), voltages in mV. The
    /// series must share one time base (equal rate and start, or equal timestamps). Returns the columns written.
    @discardableResult
    public static func writeCSV(nwb path: String, to csv: String, series names: [String]? = nil) throws(NWBError) -> [String] {
        let all = try series(in: path)
        guard !all.isEmpty else { throw NWBError(file: path, message: "no time series in /acquisition, /stimulus, /processing or /analysis") }
        var chosen: [NWBSeriesInfo]
        if let names {
            chosen = try names.map { n throws(NWBError) in
                guard let s = all.first(where: { $0.matches(n) }) else {
                    throw NWBError(file: path, message: "no series '\(n)' (series: \(all.map(\.name).joined(separator: ", ")))")
                }
                return s
            }
        } else if all.allSatisfy({ $0.ganglionColumn != nil }) {
            chosen = all
        } else {
            let volts = all.filter(\.isVoltage)
            chosen = volts.isEmpty ? all : volts
        }
        for s in chosen { try checkReadable(s, in: path) }
        let first = chosen[0]
        for s in chosen.dropFirst() where s.count != first.count || (s.timestampsPath == nil) != (first.timestampsPath == nil)
            || (s.timestampsPath == nil && (s.rate != first.rate || s.startingTime != first.startingTime)) {
            throw NWBError(file: path, message: "series '\(s.name)' and '\(first.name)' do not share a time base (\(s.count) and \(first.count) samples, "
                + "\(s.rate.map { "\($0) Hz" } ?? "timestamps") and \(first.rate.map { "\($0) Hz" } ?? "timestamps")); read one at a time")
        }
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        let file = try HDF5Reader(path: path)
        let columns = chosen.map(\.columnName)
        guard Set(columns).count == columns.count else {
            throw NWBError(file: path, message: "two chosen series have the same column name (\(columns.joined(separator: ", ")))")
        }
        let writer: CSVTraceWriter
        do { writer = try CSVTraceWriter(path: csv, columns: ["t_ms"] + columns) } catch {
            throw NWBError(file: csv, message: "\(error)")
        }
        func discard() { if let kept = try? writer.keepPartial() { unlink(kept) } }
        let block = 65536, n = first.count
        var row = [Double](repeating: 0, count: chosen.count)
        let scales = chosen.map(\.toColumnUnit)
        var start = 0
        while start < n {
            let k = min(block, n - start)
            var times: [Double]
            if let ts = first.timestampsPath {
                guard let t = file.readDoubles(ts, from: start, count: k) else { discard(); throw NWBError(file: path, message: "cannot read \(ts) as numbers") }
                times = t
                for s in chosen.dropFirst() {
                    guard let other = s.timestampsPath, other == ts || file.readDoubles(other, from: start, count: k) == t else {
                        discard()
                        throw NWBError(file: path, message: "series '\(s.name)' and '\(first.name)' have different timestamps; read one at a time")
                    }
                }
                times = times.map { $0 * 1000 }
            } else {
                let t0 = first.startingTime! * 1000, dt = 1000 / first.rate!
                times = (0..<k).map { t0 + Double(start + $0) * dt }
            }
            var columnsData: [[Double]] = []
            for s in chosen {
                guard let d = file.readDoubles(s.path + "/data", from: start, count: k) else {
                    discard()
                    throw NWBError(file: path, message: "cannot read \(s.path)/data as numbers")
                }
                columnsData.append(d)
            }
            do {
                for i in 0..<k {
                    for j in chosen.indices { row[j] = columnsData[j][i] * scales[j].scale + scales[j].offset }
                    try row.withUnsafeBufferPointer { try writer.write(time: times[i], values: $0) }
                }
            } catch {
                discard()
                throw NWBError(file: csv, message: "\(error)")
            }
            start += k
        }
        do { try writer.commit() } catch { throw NWBError(file: csv, message: "\(error)") }
        return columns
    }
}
