import CHDF5
import Foundation
import GanglionIO

/// One `TimeSeries` of an NWB file (found in `/acquisition`, `/stimulus/presentation` or a processing module).
public struct NWBSeriesInfo: Sendable, Equatable {
    /// The path in the file, e.g. `/acquisition/V`.
    public var path: String
    public var name: String
    /// `neurodata_type` (TimeSeries, CurrentClampSeries, …).
    public var type: String
    public var description: String
    /// The unit of `data × conversion + offset` (e.g. "volts").
    public var unit: String
    public var conversion: Double
    public var offset: Double
    /// Number of samples.
    public var count: Int
    /// Start (s) and sampling rate (Hz) of a regular series; nil when it has timestamps.
    public var startingTime: Double?
    public var rate: Double?

    /// The CSV column this series came from when Ganglion wrote it (its description says "column 'X'"), else
    /// a column name with the unit Ganglion uses: `<name>.V_mV` for a voltage, `<name>` otherwise.
    public var columnName: String {
        if let r = description.range(of: "column '"), let end = description[r.upperBound...].firstIndex(of: "'") {
            return String(description[r.upperBound..<end])
        }
        return unit == "volts" || unit == "V" ? "\(name).V_mV" : name
    }

    /// Whether Ganglion wrote this series from a trace column (its description names the column).
    public var isGanglionColumn: Bool { description.contains("column '") }

    /// Factor and offset from the stored values to the CSV column's unit: volts are written in mV.
    var toColumnUnit: (scale: Double, offset: Double) {
        if columnName.hasSuffix("V_mV"), unit == "volts" || unit == "V" { return (conversion * 1000, offset * 1000) }
        if isGanglionColumn { return (1, 0) }   // Ganglion's own column: stored in its unit
        return (conversion, offset)
    }
}

/// Reads NWB 2 files: lists their time series and writes chosen ones as a Ganglion trace CSV (`t_ms`, then
/// one column per series), so `ganglion plot` and `ganglion analyze` work on NWB files from Ganglion or from
/// other tools and recordings.
public enum NWBReader {
    private static let groupsToSearch = ["/acquisition", "/stimulus/presentation", "/processing", "/analysis"]

    /// Every time series in the file's acquisition, stimulus, processing and analysis groups.
    public static func series(in path: String) throws(NWBError) -> [NWBSeriesInfo] {
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        let file = try HDF5Reader(path: path)
        var found: [NWBSeriesInfo] = []
        for g in groupsToSearch where file.exists(g) {
            file.walk(g) { objectPath in
                guard file.exists(objectPath + "/data"), let type = file.stringAttribute("neurodata_type", of: objectPath),
                      type.hasSuffix("Series") else { return false }
                let data = objectPath + "/data"
                let count = file.length(data) ?? 0
                let name = String(objectPath.split(separator: "/").last ?? "")
                var info = NWBSeriesInfo(path: objectPath, name: name, type: type,
                                         description: file.stringAttribute("description", of: objectPath) ?? "",
                                         unit: file.stringAttribute("unit", of: data) ?? "", conversion: file.doubleAttribute("conversion", of: data) ?? 1,
                                         offset: file.doubleAttribute("offset", of: data) ?? 0, count: count)
                if !file.exists(objectPath + "/timestamps"), file.exists(objectPath + "/starting_time") {
                    info.startingTime = file.readDoubles(objectPath + "/starting_time", from: 0, count: 1)?.first
                    info.rate = file.doubleAttribute("rate", of: objectPath + "/starting_time")
                }
                found.append(info)
                return true
            }
        }
        return found
    }

    /// Writes the series `names` (default: every voltage series, else every series) as a trace CSV at
    /// `csv`: `t_ms` and one column per series (`columnName`), voltages in mV. The series must share one
    /// time base. Returns the columns written.
    @discardableResult
    public static func writeCSV(nwb path: String, to csv: String, series names: [String]? = nil) throws(NWBError) -> [String] {
        let all = try series(in: path)
        guard !all.isEmpty else { throw NWBError(file: path, message: "no time series in /acquisition, /stimulus, /processing or /analysis") }
        var chosen: [NWBSeriesInfo]
        if let names {
            chosen = try names.map { n throws(NWBError) in
                guard let s = all.first(where: { $0.name == n || $0.columnName == n || $0.path == n }) else {
                    throw NWBError(file: path, message: "no series '\(n)' (series: \(all.map(\.name).joined(separator: ", ")))")
                }
                return s
            }
        } else {
            let volts = all.filter { $0.unit == "volts" || $0.unit == "V" }
            chosen = volts.isEmpty ? all : volts
            // Ganglion's own files: every series (calcium, gates, …) shares the time base.
            if chosen.count < all.count, all.allSatisfy(\.isGanglionColumn) { chosen = all }
        }
        let n = chosen[0].count
        for s in chosen where s.count != n || s.rate != chosen[0].rate || s.startingTime != chosen[0].startingTime {
            throw NWBError(file: path, message: "series '\(s.name)' (\(s.count) samples) and '\(chosen[0].name)' (\(n)) do not share a time base; choose one with --columns")
        }
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        let file = try HDF5Reader(path: path)
        let first = chosen[0]
        let timestamps: String? = first.rate == nil ? first.path + "/timestamps" : nil
        if let timestamps, !file.exists(timestamps) {
            throw NWBError(file: path, message: "series '\(first.name)' has neither timestamps nor starting_time and rate")
        }
        if let rate = first.rate, !(rate > 0 && rate.isFinite) { throw NWBError(file: path, message: "series '\(first.name)': rate \(rate) Hz") }
        let columns = chosen.map(\.columnName)
        let writer: CSVTraceWriter
        do { writer = try CSVTraceWriter(path: csv, columns: ["t_ms"] + columns) } catch {
            throw NWBError(file: csv, message: "\(error)")
        }
        let block = 65536
        var row = [Double](repeating: 0, count: chosen.count)
        let scales = chosen.map(\.toColumnUnit)
        var start = 0
        while start < n {
            let k = min(block, n - start)
            let times: [Double]
            if let timestamps {
                guard let t = file.readDoubles(timestamps, from: start, count: k) else { throw NWBError(file: path, message: "cannot read \(timestamps)") }
                times = t.map { $0 * 1000 }
            } else {
                let t0 = (first.startingTime ?? 0) * 1000, dt = 1000 / first.rate!
                times = (0..<k).map { t0 + Double(start + $0) * dt }
            }
            var columnsData: [[Double]] = []
            for s in chosen {
                guard let d = file.readDoubles(s.path + "/data", from: start, count: k) else {
                    throw NWBError(file: path, message: "cannot read \(s.path)/data as numbers (one-dimensional series only)")
                }
                columnsData.append(d)
            }
            do {
                for i in 0..<k {
                    for j in chosen.indices { row[j] = columnsData[j][i] * scales[j].scale + scales[j].offset }
                    try row.withUnsafeBufferPointer { try writer.write(time: times[i], values: $0) }
                }
            } catch {
                if let kept = try? writer.keepPartial() { unlink(kept) }
                throw NWBError(file: csv, message: "\(error)")
            }
            start += k
        }
        do { try writer.commit() } catch { throw NWBError(file: csv, message: "\(error)") }
        return columns
    }
}
