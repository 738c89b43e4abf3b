import Foundation

/// NeuroML 2 quantities (`"120 mS_per_cm2"`, `"-65mV"`) converted to Ganglion's units.
///
/// Each NeuroML unit is a power of ten (times a scale, for minutes and hours; plus an offset, for °C) of its
/// dimension's SI unit, as NeuroML's core dimensions define it. A quantity is converted to the unit Ganglion
/// uses for its dimension:
///
/// | dimension | Ganglion unit | e.g. |
/// |---|---|---|
/// | voltage | mV | 1 V = 1000 mV |
/// | time | ms | 1 s = 1000 ms |
/// | per_time | 1/ms | 1 per_s = 0.001 per_ms |
/// | conductanceDensity | mS/cm² | 1 S_per_m2 = 0.1 mS/cm² |
/// | specificCapacitance | µF/cm² | 1 F_per_m2 = 100 µF/cm² |
/// | length | µm | 1 cm = 10⁴ µm |
/// | current | nA | 1 pA = 0.001 nA |
/// | currentDensity | µA/cm² | 1 A_per_m2 = 0.1 µA/cm² |
/// | concentration | µM | 1 mM = 1 mol_per_m3 = 1000 µM |
/// | rho_factor | mol/(m·A·s) (SI) | 1 mol_per_cm_per_uA_per_ms = 10¹¹ SI |
/// | temperature | °C | 300 K = 26.85 °C |
/// | none | 1 | |
public enum NeuroMLUnits {
    /// A unit: its dimension and its value in the SI unit of that dimension, `scale × 10^power` (+ `offset`).
    struct Unit { let dimension: String, power: Int, scale: Double, offset: Double }

    static func u(_ d: String, _ p: Int, scale: Double = 1, offset: Double = 0) -> Unit { Unit(dimension: d, power: p, scale: scale, offset: offset) }

    /// NeuroML's units (NeuroMLCoreDimensions).
    static let units: [String: Unit] = [
        "s": u("time", 0), "ms": u("time", -3), "min": u("time", 0, scale: 60), "hour": u("time", 0, scale: 3600),
        "per_s": u("per_time", 0), "Hz": u("per_time", 0), "per_ms": u("per_time", 3),
        "per_min": u("per_time", 0, scale: 1 / 60), "per_hour": u("per_time", 0, scale: 1 / 3600),
        "m": u("length", 0), "cm": u("length", -2), "um": u("length", -6),
        "m2": u("area", 0), "cm2": u("area", -4), "um2": u("area", -12),
        "V": u("voltage", 0), "mV": u("voltage", -3),
        "S": u("conductance", 0), "mS": u("conductance", -3), "uS": u("conductance", -6), "nS": u("conductance", -9), "pS": u("conductance", -12),
        "S_per_m2": u("conductanceDensity", 0), "mS_per_cm2": u("conductanceDensity", 1), "S_per_cm2": u("conductanceDensity", 4),
        "uS_per_cm2": u("conductanceDensity", -2),
        "F": u("capacitance", 0), "uF": u("capacitance", -6), "nF": u("capacitance", -9), "pF": u("capacitance", -12),
        "F_per_m2": u("specificCapacitance", 0), "uF_per_cm2": u("specificCapacitance", -2),
        "ohm_m": u("resistivity", 0), "kohm_cm": u("resistivity", 1), "ohm_cm": u("resistivity", -2),
        "A": u("current", 0), "uA": u("current", -6), "nA": u("current", -9), "pA": u("current", -12),
        "A_per_m2": u("currentDensity", 0), "uA_per_cm2": u("currentDensity", -2), "mA_per_cm2": u("currentDensity", 1),
        "mol_per_m3": u("concentration", 0), "mol_per_cm3": u("concentration", 6), "M": u("concentration", 3), "mM": u("concentration", 0),
        "degC": u("temperature", 0, offset: 273.15), "K": u("temperature", 0),
        "mol_per_m_per_A_per_s": u("rho_factor", 0), "mol_per_cm_per_uA_per_ms": u("rho_factor", 11),
        "umol_per_cm_per_nA_per_ms": u("rho_factor", 8),
    ]

    /// The power of ten of Ganglion's unit for each dimension, relative to SI (temperature: °C, below).
    static let ganglionPower: [String: Int] = [
        "time": -3, "per_time": 3, "length": -6, "area": -12, "voltage": -3, "conductance": -3,
        "conductanceDensity": 1, "specificCapacitance": -2, "current": -9, "currentDensity": -2,
        "concentration": -3, "rho_factor": 0, "capacitance": -6, "resistivity": 1,
    ]

    /// Ganglion's unit for a dimension, for messages.
    static let ganglionUnit: [String: String] = [
        "time": "ms", "per_time": "1/ms", "length": "µm", "voltage": "mV", "conductanceDensity": "mS/cm²",
        "specificCapacitance": "µF/cm²", "current": "nA", "currentDensity": "µA/cm²", "concentration": "µM",
        "rho_factor": "mol/(m·A·s)", "temperature": "°C", "none": "",
    ]

    /// Why a text is not a quantity of the dimension asked for.
    struct Problem: Error { let text: String }

    /// Splits `"120 mS_per_cm2"` into its number and unit symbol (empty when none).
    static func split(_ text: String) -> (Double, String)? {
        let t = text.trimmingCharacters(in: .whitespaces)
        var end = t.startIndex
        // The longest prefix that is a number: digits, sign, point, exponent.
        var best: (Double, String.Index)?
        while end < t.endIndex {
            end = t.index(after: end)
            if let x = Double(t[t.startIndex..<end]) { best = (x, end) }
        }
        guard let (x, stop) = best else { return nil }
        return (x, t[stop...].trimmingCharacters(in: .whitespaces))
    }

    /// The value of `text` (a number and a NeuroML unit of `dimension`, or a bare number for `none`) in
    /// Ganglion's unit for that dimension; nil with the reason when it is not such a quantity.
    static func convert(_ text: String, to dimension: String) -> Result<Double, Problem> {
        guard let (x, symbol) = split(text) else { return .failure(Problem(text: "\"\(text)\" is not a number with a unit")) }
        guard x.isFinite else { return .failure(Problem(text: "\"\(text)\" is not a finite number")) }
        if dimension == "none" {
            return symbol.isEmpty ? .success(x) : .failure(Problem(text: "\"\(text)\": expected a plain number, got the unit \(symbol)"))
        }
        guard let unit = units[symbol] else {
            let known = units.filter { $0.value.dimension == dimension }.keys.sorted().joined(separator: ", ")
            return .failure(Problem(text: "\"\(text)\": \(symbol.isEmpty ? "no unit" : "unknown unit '\(symbol)'") (\(dimension) in NeuroML: \(known))"))
        }
        guard unit.dimension == dimension else {
            return .failure(Problem(text: "\"\(text)\": '\(symbol)' is a unit of \(unit.dimension), expected \(dimension)"))
        }
        if dimension == "temperature" { return .success(x * unit.scale + unit.offset - 273.15) }
        let shift = unit.power - ganglionPower[dimension]!
        // Multiplying or dividing by an exact power of ten keeps decimal inputs as short as they were.
        let ten = pow(10.0, Double(abs(shift)))
        return .success((shift >= 0 ? x * ten : x / ten) * unit.scale)
    }
}
