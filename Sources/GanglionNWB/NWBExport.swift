import Foundation
import GanglionIO

/// Converts trace tables (Ganglion's CSV: `t_ms`, then one column per quantity) into NWB files.
public enum NWBExport {
    /// The NWB series for a trace column, its unit read from the column name: `…V_mV` (and a bare `V`, in mV
    /// as `ganglion analyze` reads it) → volts (×1e-3), `dVdt_mV_ms` → volts/second (×1, mV/ms = V/s),
    /// `…_uA_cm2` (`I_clamp_uA_cm2` injected, positive into the cell) → A/m² (×1e-2), `…_mS_cm2` and the
    /// homeostasis and controller conductances (`homeostasis.X.gbar`, `homeostasis.X.m`,
    /// `neuromodulation.X.gbar`/`.pool`) → S/m² (×10), the controller integrator `neuromodulation.X.z` →
    /// S·s/m² (×1e-2), calcium in the model's units, gates (`X.m`, `X.h`) dimensionless, anything else
    /// "unknown". A column `<cell>.<quantity>` of a network trace names its cell when `cells` lists it.
    /// `source` says where the data come from, for the description.
    public static func series(forColumn column: String, cells: Set<String> = [], source: String) -> NWBSeries {
        var quantity = Substring(column)
        var owner = ""
        if column.hasPrefix("syn."), let arrow = column.range(of: "->"), let dot = column[arrow.upperBound...].firstIndex(of: ".") {
            owner = " of synapse \(column[column.index(column.startIndex, offsetBy: 4)..<dot])"
            quantity = column[column.index(after: dot)...]
        } else if let dot = column.firstIndex(of: "."), cells.contains(String(column[..<dot])) {
            owner = " of cell \(column[..<dot])"
            quantity = column[column.index(after: dot)...]
        }
        var base = column
        let parts = quantity.split(separator: ".")
        let (unit, conversion, what): (String, Double, String)
        if quantity == "dVdt_mV_ms" {
            base = String(column.dropLast(6))
            (unit, conversion, what) = ("volts/second", 1, "dV/dt from the cell's right-hand side")
        } else if quantity == "I_clamp_uA_cm2" {
            base = String(column.dropLast(7))
            (unit, conversion, what) = ("A/m^2", 1e-2, "current density injected by the voltage clamp (positive into the cell)")
        } else if quantity.hasSuffix("_mV") {
            base = String(column.dropLast(3))
            (unit, conversion, what) = ("volts", 1e-3, quantity == "V_mV" ? "membrane potential" : String(quantity.dropLast(3)))
        } else if quantity == "V" {
            (unit, conversion, what) = ("volts", 1e-3, "membrane potential (column 'V', read as mV)")
        } else if quantity.hasSuffix("_uA_cm2") {
            base = String(column.dropLast(7))
            (unit, conversion, what) = ("A/m^2", 1e-2, "current density \(quantity.dropLast(7)) (outward positive)")
        } else if quantity.hasSuffix("_mS_cm2") {
            base = String(column.dropLast(7))
            (unit, conversion, what) = ("S/m^2", 10, "conductance density \(quantity.dropLast(7))")
        } else if parts.count == 3, parts[0] == "homeostasis" || parts[0] == "neuromodulation", parts[2] != "z" {
            let role = ["gbar": "maximal conductance", "m": "mRNA (homeostasis integrator)", "pool": "intracellular pool"][String(parts[2])] ?? String(parts[2])
            (unit, conversion, what) = ("S/m^2", 10, "\(parts[0]) state: \(parts[1]) \(role)")
        } else if parts.count == 3, parts[0] == "neuromodulation", parts[2] == "z" {
            (unit, conversion, what) = ("S*s/m^2", 1e-2, "neuromodulation controller integrator of \(parts[1])")
        } else if quantity == "Ca" || quantity.hasPrefix("Ca_") {
            if quantity.hasSuffix("_au") { base = String(column.dropLast(3)) }
            (unit, conversion, what) = ("model calcium units", 1, "intracellular calcium (model units)")
        } else if parts.count == 2, ["m", "h"].contains(parts[1]) {
            (unit, conversion, what) = ("dimensionless", 1, "gate \(parts[1]) of \(parts[0])")
        } else {
            (unit, conversion, what) = ("unknown", 1, "column \(quantity)")
        }
        let name = String(base.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" })
        return NWBSeries(name: name, description: "\(what)\(owner) (\(source); stored in the trace's units, × conversion gives \(unit))",
                         unit: unit, conversion: conversion, comments: "ganglion-column: \(column)")
    }

    /// The NWB series of trace columns (the time column left out), one per column as `series(forColumn:)`
    /// gives them. Two columns that become one series name are an error naming both (`file`: the trace).
    public static func series(forColumns columns: [String], cells: Set<String> = [], source: String,
                              file: String) throws(NWBError) -> [NWBSeries] {
        let all = columns.map { series(forColumn: $0, cells: cells, source: source) }
        var first: [String: String] = [:]
        for (c, s) in zip(columns, all) {
            if let other = first[s.name] {
                throw NWBError(file: file, message: "the columns '\(other)' and '\(c)' both become the NWB series '\(s.name)' "
                               + "(NWB names allow letters, digits, '_' and '-'); rename one")
            }
            first[s.name] = c
        }
        return all
    }

    /// Converts the trace table `csv` to the NWB file `path` (written, then renamed), keeping `columns` (all
    /// but the time column by default); `cells` are a network's cell names (for the descriptions) and
    /// `source` says where the data come from. Time and voltage columns are read in the units of their
    /// names (`t_ms`, `t_s`, `V_mV`, `V_V`) or of `units` (`--units`), and stored in ms and mV. Returns the
    /// number of samples. Memory does not grow with the trace.
    @discardableResult
    public static func convert(csv: String, to path: String, metadata: NWBMetadata, columns: [String]? = nil,
                               cells: Set<String> = [], source: String? = nil, units: TraceUnits? = nil) throws(NWBError) -> Int {
        let names: [String]
        do { names = try CSVTable.header(csv) } catch { throw NWBError(file: csv, message: error.message) }
        let tIndex = names.firstIndex { TraceUnits.isTime(TraceUnits.split(column: $0).quantity) } ?? 0
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
        guard !chosen.isEmpty else { throw NWBError(file: csv, message: "no data columns besides the time column '\(names[tIndex])'") }
        let layout: TraceLayout
        do {
            layout = try TraceLayout(names: names, file: csv, voltages: chosen.filter { TraceUnits.isVoltage(TraceUnits.split(column: names[$0]).quantity) },
                                     units: units)
        } catch { throw NWBError(file: csv, message: error.message) }
        let tScale = layout.timeScale
        let scales = chosen.map { layout.voltageScales[$0] ?? 1 }
        // A voltage column is stored in mV, named as Ganglion names it (`V_mV`, `<cell>.V_mV`).
        let seriesNames = chosen.map { layout.voltageScales[$0] == nil ? names[$0] : TraceUnits.split(column: names[$0]).quantity + "_mV" }
        let origin = source ?? "from \(URL(fileURLWithPath: csv).lastPathComponent)"
        let writer = try NWBTraceWriter(path: path, metadata: metadata,
                                        series: series(forColumns: seriesNames, cells: cells, source: origin, file: csv))
        let row = UnsafeMutableBufferPointer<Double>.allocate(capacity: chosen.count)
        defer { row.deallocate() }
        var failure: NWBError?
        do throws(IOError) {
            try CSVTable.rows(csv, count: names.count) { v in
                guard failure == nil else { return }
                for (j, i) in chosen.enumerated() { row[j] = v[i] * scales[j] }
                do throws(NWBError) { try writer.append(time: v[tIndex] * tScale, values: UnsafeBufferPointer(row)) } catch { failure = error }
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
