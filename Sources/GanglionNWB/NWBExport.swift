import Foundation
import GanglionIO

/// Converts trace tables (Ganglion's CSV: `t_ms`, then one column per quantity) into NWB files.
public enum NWBExport {
    /// The NWB series for a trace column, its unit read from the column name: `…V_mV` → volts (×1e-3),
    /// `…_uA_cm2` → A/m² (×1e-2), `…_mS_cm2` → S/m² (×10), calcium in the model's units, anything else
    /// dimensionless. A network column `<cell>.<quantity>` names its cell in the description.
    public static func series(forColumn column: String, source: String) -> NWBSeries {
        var quantity = Substring(column)
        var owner: Substring?
        if let dot = column.lastIndex(of: ".") {
            owner = column[..<dot]
            quantity = column[column.index(after: dot)...]
        }
        let of = owner.map { $0.hasPrefix("syn.") ? " of synapse \($0.dropFirst(4))" : " of cell \($0)" } ?? ""
        var base = column
        let (unit, conversion, what): (String, Double, String)
        if quantity.hasSuffix("_mV") {
            base = String(column.dropLast(3))
            (unit, conversion, what) = ("volts", 1e-3, quantity == "V_mV" ? "membrane potential" : String(quantity.dropLast(3)))
        } else if quantity.hasSuffix("_uA_cm2") {
            base = String(column.dropLast(7))
            (unit, conversion, what) = ("A/m^2", 1e-2, "current density \(quantity.dropLast(7)) (outward positive)")
        } else if quantity.hasSuffix("_mS_cm2") {
            base = String(column.dropLast(7))
            (unit, conversion, what) = ("S/m^2", 10, "conductance density \(quantity.dropLast(7))")
        } else if quantity == "Ca" || quantity.hasPrefix("Ca_") {
            (unit, conversion, what) = ("model calcium units", 1, "intracellular calcium (model units)")
        } else {
            (unit, conversion, what) = ("dimensionless", 1, "state \(quantity)")
        }
        let name = String(base.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" })
        return NWBSeries(name: name, description: "\(what)\(of), simulated (\(source) column '\(column)', stored in its units; × conversion gives \(unit))",
                         unit: unit, conversion: conversion)
    }

    /// Converts the trace table `csv` to the NWB file `path` (written, then renamed), keeping `columns` (all
    /// but the time column by default). Returns the number of samples. Memory does not grow with the trace.
    @discardableResult
    public static func convert(csv: String, to path: String, metadata: NWBMetadata, columns: [String]? = nil) throws(NWBError) -> Int {
        let names: [String]
        do { names = try CSVTable.header(csv) } catch { throw NWBError(file: csv, message: error.message) }
        guard let tIndex = names.firstIndex(of: "t_ms") else {
            throw NWBError(file: csv, message: "no time column 't_ms' (columns: \(names.joined(separator: ", ")))")
        }
        let chosen: [Int]
        if let columns {
            chosen = try columns.map { c throws(NWBError) in
                guard let i = names.firstIndex(of: c), i != tIndex else {
                    throw NWBError(file: csv, message: "no column '\(c)' (columns: \(names.joined(separator: ", ")))")
                }
                return i
            }
        } else {
            chosen = names.indices.filter { $0 != tIndex }
        }
        guard !chosen.isEmpty else { throw NWBError(file: csv, message: "no data columns besides 't_ms'") }
        let file = URL(fileURLWithPath: csv).lastPathComponent
        let writer = try NWBTraceWriter(path: path, metadata: metadata,
                                        series: chosen.map { series(forColumn: names[$0], source: file) })
        let row = UnsafeMutableBufferPointer<Double>.allocate(capacity: chosen.count)
        defer { row.deallocate() }
        var failure: NWBError?
        do throws(IOError) {
            try CSVTable.rows(csv, count: names.count) { v in
                guard failure == nil else { return }
                for (j, i) in chosen.enumerated() { row[j] = v[i] }
                do throws(NWBError) { try writer.append(time: v[tIndex], values: UnsafeBufferPointer(row)) } catch { failure = error }
            }
        } catch {
            writer.abandon()
            throw NWBError(file: csv, message: error.message)
        }
        if let failure { writer.abandon(); throw NWBError(file: csv, message: "\(failure.message) (writing \(path))") }
        try writer.commit()
        return writer.count
    }
}
