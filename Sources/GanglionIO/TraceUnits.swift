import Foundation

/// The units of a trace table's time and voltage columns, as `--units TIME,VOLTAGE` gives them
/// (`s,V`, `ms,mV`, `s,mV`, `ms,V`).
public struct TraceUnits: Equatable, Sendable, CustomStringConvertible {
    /// A unit of time.
    public enum Time: String, Sendable, CaseIterable {
        case s, ms
        /// Milliseconds per unit.
        public var milliseconds: Double { self == .s ? 1000 : 1 }
    }
    /// A unit of voltage.
    public enum Voltage: String, Sendable, CaseIterable {
        case V, mV
        /// Millivolts per unit.
        public var millivolts: Double { self == .V ? 1000 : 1 }
    }
    public var time: Time
    public var voltage: Voltage

    public init(time: Time, voltage: Voltage) {
        self.time = time
        self.voltage = voltage
    }

    /// Reads `TIME,VOLTAGE` (`s,V`); `nil` with a message when it is not two known units.
    public init?(argument: String) {
        let parts = argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let t = Time(rawValue: parts[0]), let v = Voltage(rawValue: parts[1]) else { return nil }
        self.init(time: t, voltage: v)
    }

    /// What `--units` accepts, for messages.
    public static let accepted = "TIME,VOLTAGE with TIME s or ms and VOLTAGE V or mV, e.g. --units s,V"

    /// `TIME,VOLTAGE`.
    public var description: String { "\(time.rawValue),\(voltage.rawValue)" }

    /// A column name split into its quantity and its unit: `t_ms` → (`t`, `ms`), `V (mV)` and `V [mV]` →
    /// (`V`, `mV`), `n1.V_mV` → (`n1.V`, `mV`), `V_V` → (`V`, `V`). Only the units of time (`s`, `ms`) and
    /// voltage (`V`, `mV`) are recognised; anything else has no unit (`g_Na_mS_cm2` → itself, nil).
    public static func split(column name: String) -> (quantity: String, unit: String?) {
        let known: Set<String> = ["s", "ms", "V", "mV"]
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        for (open, close) in [("(", ")"), ("[", "]")] where trimmed.hasSuffix(close) {
            if let o = trimmed.lastIndex(of: Character(open)) {
                let unit = trimmed[trimmed.index(after: o)..<trimmed.index(before: trimmed.endIndex)].trimmingCharacters(in: .whitespaces)
                if known.contains(unit) { return (trimmed[..<o].trimmingCharacters(in: .whitespaces), unit) }
            }
        }
        if let u = trimmed.lastIndex(of: "_"), u != trimmed.startIndex {
            let unit = String(trimmed[trimmed.index(after: u)...])
            if known.contains(unit) { return (String(trimmed[..<u]), unit) }
        }
        return (trimmed, nil)
    }

    /// Whether a column's quantity is time (`t`, `time`, any case).
    public static func isTime(_ quantity: String) -> Bool { ["t", "time"].contains(quantity.lowercased()) }
    /// Whether a column's quantity is a membrane potential (`V`, `Vm`, `v`, `<cell>.V`).
    public static func isVoltage(_ quantity: String) -> Bool {
        let q = quantity.split(separator: ".").last.map(String.init) ?? quantity
        return ["v", "vm", "v_m", "voltage"].contains(q.lowercased())
    }
}

/// Where a trace table's time and voltages are and how to read them in ms and mV: from the header's units
/// (`t_ms`, `t_s`, `V_mV`, `V_V`, `V (mV)`), or from `--units`. A column without a unit and no `--units` is
/// refused, and so is `--units` that contradicts the header.
public struct TraceLayout: Sendable {
    /// The header's column names.
    public var names: [String]
    /// The time column: the first named `t` or `time` (with any unit), else the first column.
    public var time: Int
    /// Milliseconds per unit of the time column.
    public var timeScale: Double
    /// Millivolts per unit of each voltage column asked for, by column index.
    public var voltageScales: [Int: Double]

    /// Resolves the units of the time column and of `voltages` (column indices) of the table `file`.
    public init(names: [String], file: String, voltages: [Int], units: TraceUnits?) throws(IOError) {
        self.names = names
        time = names.firstIndex { TraceUnits.isTime(TraceUnits.split(column: $0).quantity) } ?? 0
        func unit(_ i: Int, what: String, given: String?, known: [String]) throws(IOError) -> String {
            let header = TraceUnits.split(column: names[i]).unit
            if let header, !known.contains(header) {
                throw IOError(file: file, message: "column \(i + 1) ('\(names[i])'): its unit \(header) is not a unit of \(what) (\(known.joined(separator: " or ")))")
            }
            switch (header, given) {
            case let (h?, g?) where h != g:
                throw IOError(file: file, message: "column \(i + 1) ('\(names[i])') is in \(h) by its name, but --units says \(g); drop --units or fix the header")
            case let (h?, _): return h
            case let (nil, g?): return g
            case (nil, nil):
                throw IOError(file: file, message: "column \(i + 1) ('\(names[i])') does not say its unit of \(what); "
                              + "name it with a unit (t_ms or t_s, V_mV or V_V) or pass --units TIME,VOLTAGE (e.g. --units ms,mV or --units s,V)")
            }
        }
        let t = try unit(time, what: "time", given: units?.time.rawValue, known: ["ms", "s"])
        timeScale = TraceUnits.Time(rawValue: t)!.milliseconds
        voltageScales = [:]
        for v in voltages {
            let u = try unit(v, what: "voltage", given: units?.voltage.rawValue, known: ["mV", "V"])
            voltageScales[v] = TraceUnits.Voltage(rawValue: u)!.millivolts
        }
    }

    /// The voltage columns of the header: those whose quantity is a membrane potential (`V_mV`, `V`, `<cell>.V_mV`).
    public static func voltageColumns(_ names: [String]) -> [Int] {
        names.indices.filter { TraceUnits.isVoltage(TraceUnits.split(column: names[$0]).quantity) }
    }
}

/// Checks that a voltage column read as millivolts holds membrane potentials: a column whose every sample
/// lies within ±1 mV is taken to be in volts, one with a sample beyond ±1000 mV (1 V) to be in other units
/// than it says. Both are refused, naming the file, the column and the fix.
public struct VoltageRangeCheck: Sendable {
    public private(set) var largest = 0.0
    public init() {}
    /// Notes one sample (mV).
    public mutating func observe(_ mV: Double) { largest = max(largest, abs(mV)) }
    /// Throws when the samples seen are not millivolts of a membrane potential.
    public func verify(file: String, column: String, scale: Double) throws(IOError) {
        let unit = scale == 1 ? "mV" : "V"
        if largest <= 1 {
            throw IOError(file: file, message: "column '\(column)' read as \(unit): every value lies within ±1 mV, which is no membrane potential"
                          + (scale == 1 ? "; if it is in volts, name it V_V or pass --units TIME,V (e.g. --units s,V)" : "; check its units"))
        }
        if largest > 1000 {
            throw IOError(file: file, message: "column '\(column)' read as \(unit): a value of \(largest) mV (beyond ±1000 mV) is no membrane potential"
                          + (scale == 1 ? "; check its units" : "; if it is in millivolts, name it V_mV or pass --units TIME,mV"))
        }
    }
}
