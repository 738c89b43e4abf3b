import Foundation
import GanglionCore

/// A family file's reversal potentials: per key (the name a model file overrides it by, e.g. `K`), the ion
/// it applies to and its value — given in mV, or computed by the Nernst equation
///
///     E = (R T / (z F)) ln(c_out / c_in)       (mV; T = temperature in °C + 273.15)
///
/// with R = 8.314462618 J/(mol K) and F = 96485.33212 C/mol (CODATA 2018): once, from a fixed inside
/// concentration, or — for calcium with `"inside": "Ca"` — at every moment from the calcium pool.
struct ReversalTable {
    struct Entry {
        let key: String, ion: Ion
        /// E (mV); for a reversal that follows the pool, its value at `nernst`'s outside concentration (0 mV).
        let value: Double
        /// The Nernst law of a calcium reversal that follows the pool.
        let nernst: NernstReversal?
    }
    private(set) var entries: [Entry] = []

    /// The Nernst law of the calcium reversal, when it follows the pool.
    var calciumNernst: NernstReversal? { entries.first { $0.ion == .calcium }?.nernst }

    /// E (mV) by the Nernst equation for valence `z`, concentrations inside and outside (same units) and
    /// the temperature in °C.
    static func nernst(valence z: Double, inside: Double, outside: Double, celsius: Double) -> Double {
        NernstReversal.factor(valence: z, celsius: celsius) * log(outside / inside)
    }

    init(_ value: Any?, _ r: FieldReader) throws(ModelFileError) {
        guard let value else { return }
        let o = try r.object(value, "reversal")!
        for key in o.keys.sorted() {
            let field = "reversal.\(key)"
            guard key != "leak" else { throw r.fail(field, "the leak's reversal is \"leak_reversal\"") }
            let e = try r.object(o[key]!, field, allowed: ["ion", "E", "nernst"])!
            guard let ionName = try r.string(e["ion"], "\(field).ion"), let ion = Ion(rawValue: ionName) else {
                throw r.fail("\(field).ion", "missing or unknown (one of \(Ion.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard !entries.contains(where: { $0.ion == ion }) else { throw r.fail("\(field).ion", "a second reversal potential for \(ion.rawValue)") }
            var E: Double
            var law: NernstReversal?
            switch (try r.number(e["E"], "\(field).E"), e["nernst"]) {
            case let (x?, nil): E = x
            case let (nil, n?):
                let n = try r.object(n, "\(field).nernst", allowed: ["valence", "inside", "outside", "temperature"])!
                func positive(_ k: String) throws(ModelFileError) -> Double {
                    guard let x = try r.number(n[k], "\(field).nernst.\(k)") else { throw r.fail("\(field).nernst.\(k)", "missing") }
                    guard x > 0 else { throw r.fail("\(field).nernst.\(k)", "must be > 0, got \(x)") }
                    return x
                }
                guard let z = try r.number(n["valence"], "\(field).nernst.valence"), z != 0, z == z.rounded() else {
                    throw r.fail("\(field).nernst.valence", "missing, zero or not an integer")
                }
                guard let celsius = try r.number(n["temperature"], "\(field).nernst.temperature"), celsius > -273.15 else {
                    throw r.fail("\(field).nernst.temperature", "missing or below absolute zero (°C)")
                }
                if let inside = n["inside"] as? String {
                    guard inside == "Ca" else {
                        throw r.fail("\(field).nernst.inside", "must be a concentration, or \"Ca\" (the calcium pool), got \"\(inside)\"")
                    }
                    guard ion == .calcium else {
                        throw r.fail("\(field).nernst.inside", "\"Ca\" (the calcium pool) applies to the calcium ion only, not \(ion.rawValue)")
                    }
                    law = NernstReversal(factor: NernstReversal.factor(valence: z, celsius: celsius), outside: try positive("outside"))
                    E = 0
                } else {
                    E = Self.nernst(valence: z, inside: try positive("inside"), outside: try positive("outside"), celsius: celsius)
                }
            default: throw r.fail(field, "give either \"E\" (mV) or \"nernst\" {valence, inside, outside, temperature}")
            }
            if law == nil, !(E > -200 && E < 200) { throw r.fail(field, "E = \(E) mV is outside −200…200 mV") }
            entries.append(Entry(key: key, ion: ion, value: E, nernst: law))
        }
    }
}
