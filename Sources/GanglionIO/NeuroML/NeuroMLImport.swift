import Foundation
import GanglionCore

/// Writes an imported NeuroML cell as Ganglion files: one channel file per gated channel
/// (`channels/<name>.json`), a family file (`family.json`: reversal potentials, leak, capacitance,
/// calcium pool, initial conditions) and a model file (`<cell>.json`: the densities as ḡ in mS/cm²).
public enum NeuroMLImport {
    /// The files of an import, by path relative to the output folder, with their text.
    public struct Output {
        public var files: [(path: String, text: String)]
        /// The model file's relative path.
        public var model: String
        /// The NeuroML file imported.
        public var input: String
    }

    /// The family's reversal key for each of Ganglion's ions.
    static let reversalKey = ["sodium": "Na", "potassium": "K", "calcium": "Ca", "nonspecific": "NS"]

    /// A JSON object with its keys in the given order (values written by `JSONOutput`), one key a line.
    static func object(_ pairs: [(String, Any)], indent: String = "") -> String {
        let inner = pairs.map { "\(indent)  \(JSONOutput.string($0.0)): \(($0.1 as? RawJSON)?.text ?? JSONOutput.string($0.1))" }
        return "{\n" + inner.joined(separator: ",\n") + "\n\(indent)}"
    }
    /// A value already written as JSON.
    struct RawJSON { let text: String }
    /// A one-line JSON object with its keys in the given order.
    static func line(_ pairs: [(String, Any)]) -> String {
        "{" + pairs.map { "\(JSONOutput.string($0.0)): \(JSONOutput.string($0.1))" }.joined(separator: ", ") + "}"
    }

    /// The files for `cell`; `input` names the NeuroML file in their `source`.
    public static func output(_ cell: NeuroMLCell, input: String) -> Output {
        let inputName = PathParts.name(of: input)
        // The family's reversal for each ion is that of its first channel; a channel of another reversal fixes its own.
        var reversals: [(key: String, ion: String, E: Double)] = []
        for ch in cell.channels where !reversals.contains(where: { $0.ion == ch.ion }) {
            reversals.append((reversalKey[ch.ion]!, ch.ion, ch.reversal))
        }
        var files: [(String, String)] = []
        for ch in cell.channels {
            var pairs: [(String, Any)] = [("channel", ch.name), ("source", "\(ch.source), imported by ganglion import"), ("ion", ch.ion)]
            if let family = reversals.first(where: { $0.ion == ch.ion }), family.E != ch.reversal { pairs.append(("reversal", ch.reversal)) }
            let gateNotes = zip(["m", "h"], ch.gates).map { "\($0) = NeuroML gate \"\($1.id)\" (\($1.kind), instances \($1.exponent))" }
            pairs.append(("notes", "NeuroML ion \"\(ch.neuromlIon)\"; " + gateNotes.joined(separator: ", ") + "; V in mV, rates in 1/ms, time constants in ms"))
            for (key, g) in zip(["m", "h"], ch.gates) {
                switch g.kinetics {
                case let .rates(alpha, beta): pairs.append((key, RawJSON(text: line([("exponent", g.exponent), ("alpha", alpha), ("beta", beta)]))))
                case let .steadyState(inf, tau): pairs.append((key, RawJSON(text: line([("exponent", g.exponent), ("inf", inf), ("tau", tau)]))))
                }
            }
            files.append(("channels/\(ch.name).json", object(pairs) + "\n"))
        }

        let hasCalcium = cell.channels.contains { $0.ion == "calcium" }
        var family: [(String, Any)] = [
            ("family", "neuroml-" + String(cell.id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })),
            ("source", "NeuroML cell \"\(cell.id)\" of \(inputName), imported by ganglion import"),
            ("notes", "membrane area \(JSONOutput.string(cell.area)) cm² (\(cell.areaShape)): 1 nA = \(JSONOutput.string(cell.density(ofCurrent: 1))) µA/cm²"
                + (cell.leak.ids.count > 1 ? "; the leak combines the passive channels \(cell.leak.ids.joined(separator: ", ")) (E_leak their conductance-weighted mean reversal)" : "")
                + (cell.temperature.map { "; q10 factors at \($0) °C" } ?? "")),
            ("channels", RawJSON(text: "[" + cell.channels.map { JSONOutput.string("channels/\($0.name).json") }.joined(separator: ", ") + "]")),
        ]
        if !reversals.isEmpty {
            family.append(("reversal", RawJSON(text: object(reversals.map { ($0.key, RawJSON(text: line([("ion", $0.ion), ("E", $0.E)]))) }, indent: "  "))))
        }
        family.append(("leak_reversal", cell.leak.reversal))
        family.append(("capacitance", cell.capacitance))
        if let pool = cell.calcium {
            family.append(("calcium", RawJSON(text: line([("tau", pool.tau), ("rest", pool.rest), ("influx", pool.influx),
                ("units", "Ca in µM; influx f = rho·τ·1e-2 µM per µA/cm² (NeuroML fixedFactorConcentrationModel \"\(pool.id)\": rho = \(JSONOutput.string(pool.rho)) mol/(m·A·s), τ = \(JSONOutput.string(pool.tau)) ms)")]))))
            family.append(("initial", RawJSON(text: line([("V", cell.initialVoltage), ("Ca", pool.initial)]))))
        } else if hasCalcium {
            family.append(("calcium", RawJSON(text: line([("tau", 1), ("rest", 0), ("influx", 0),
                ("units", "no calcium pool in the NeuroML cell: the calcium current changes no concentration")]))))
            family.append(("initial", RawJSON(text: line([("V", cell.initialVoltage)]))))
        } else {
            family.append(("initial", RawJSON(text: line([("V", cell.initialVoltage)]))))
        }
        files.append(("family.json", object(family) + "\n"))

        var conductances: [(String, Any)] = cell.channels.map { ($0.name, $0.density) }
        conductances.append(("leak", cell.leak.conductance))
        let modelName = cell.id == "family" || cell.id == "channels" ? "model" : cell.id
        let model: [(String, Any)] = [
            ("family", "family.json"), ("name", cell.id),
            ("source", "NeuroML cell \"\(cell.id)\" of \(inputName), imported by ganglion import"),
            ("conductances", RawJSON(text: line(conductances))),
        ]
        files.append(("\(modelName).json", object(model) + "\n"))
        return Output(files: files, model: "\(modelName).json", input: input)
    }

    /// Checks the channels and the family as Ganglion reads them, then writes `output` into `folder`:
    /// each file atomically, none where `OutputPolicy` forbids (checked for all before any is written).
    /// Returns the paths written.
    public static func write(_ output: Output, to folder: String) throws -> [String] {
        // Every channel and the family must read back: a channel whose gates leave [0, 1] is refused here.
        var inline: [Any] = []
        for (path, text) in output.files where path.hasPrefix("channels/") {
            do { _ = try ChannelFile.parse(Data(text.utf8), file: path) } catch {
                throw NeuroMLError(file: output.input, line: nil, element: nil,
                                   message: "the imported channel does not pass Ganglion's checks: \(error.description)")
            }
            inline.append(try JSONInput.parse(Data(text.utf8)))
        }
        if let (_, familyText) = output.files.first(where: { $0.path == "family.json" }),
           var family = try JSONInput.parse(Data(familyText.utf8)) as? [String: Any] {
            family["channels"] = inline
            _ = try FamilyFile.parse(Data(JSONOutput.string(family).utf8), file: folder + "/family.json")
        }
        let paths = output.files.map { folder + "/" + $0.path }
        for p in paths {
            try OutputFolder.createFolders(PathParts.folder(of: p), for: p)
            try OutputPolicy.check(p)
        }
        for (p, (_, text)) in zip(paths, output.files) { try AtomicFileWriter.write(Data(text.utf8), to: p) }
        return paths
    }
}
