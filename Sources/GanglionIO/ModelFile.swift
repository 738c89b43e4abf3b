import Foundation
import GanglionCore
import GanglionModels

/// An input file (model, experiment, network, population) that cannot be used. The description names the
/// file, the line and column of the value when known, the field and the value:
/// `m.json:4:15: field 'conductances.Na': must be a number, got "x"`.
public struct ModelFileError: Error, CustomStringConvertible, Equatable {
    /// The file's path.
    public var file: String
    /// The field at fault (`conductances.Na`, `protocol[2].t`), or `nil` for the file as a whole.
    public var field: String?
    /// What is wrong.
    public var message: String
    /// Where in the file (the field's value, or its enclosing object when the field is missing).
    public var location: JSONLocation?
    /// An error in `file`, at `field` if given.
    public init(file: String, field: String?, message: String, location: JSONLocation? = nil) {
        self.file = file
        self.field = field
        self.message = message
        self.location = location
    }
    /// The file, the place and the field if known, and the message.
    public var description: String {
        let place = location.map { "\(file):\($0)" } ?? file
        if let field { return "\(place): field '\(field)': \(message)" }
        return "\(place): \(message)" 
    }

    /// This error with its location looked up in `document` (when it is about `file` and has none yet).
    public func located(in document: JSONDocument, file: String) -> ModelFileError {
        guard location == nil, self.file == file, let field else { return self }
        var e = self
        e.location = document.location(of: field)
        return e
    }

    /// The contents of the input file at `path`, which this process then never writes
    /// (`OutputPolicy.protectInput`); an error naming the file if it cannot be read.
    public static func readInput(_ path: String) throws(ModelFileError) -> Data {
        OutputPolicy.protectInput(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(file: path, field: nil, message: "cannot read the file (does it exist?)")
        }
        return data
    }

    /// The JSON document of `data`, or the error naming the place of the syntax error.
    public static func document(_ data: Data, file: String) throws(ModelFileError) -> JSONDocument {
        do { return try JSONInput.document(data) } catch {
            throw ModelFileError(file: file, field: error.field, message: error.field == nil ? "not valid JSON: \(error.message)" : error.message,
                                 location: error.location)
        }
    }

    /// Parses `data` with `body` and gives every field error of `file` its line and column.
    public static func parsing<T>(_ data: Data, file: String, _ body: (JSONDocument) throws(ModelFileError) -> T) throws(ModelFileError) -> T {
        let document = try document(data, file: file)
        do { return try body(document) } catch { throw error.located(in: document, file: file) }
    }
}

/// A JSON value's type and text, for messages: `the string "x"`, `the number 3`, `an object`.
public func describeJSON(_ value: Any) -> String {
    switch value {
    case is NSNull: return "null"
    case let b as Bool: return b ? "true" : "false"
    case let d as Double: return "the number \(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)")"
    case let s as String: return "the string \"\(s.count > 60 ? s.prefix(60) + "…" : Substring(s))\""
    case let a as [Any]:
        // Short lists of numbers, strings, booleans and nulls are shown; anything else by its length.
        guard a.count <= 8, a.allSatisfy({ $0 is Double || $0 is Bool || $0 is NSNull || ($0 as? String)?.count ?? 99 <= 20 }) else {
            return "a list of \(a.count)"
        }
        return "the list \(JSONOutput.string(a))"
    case is [String: Any]: return "an object"
    default: return "\(value)"
    }
}

/// Reads neuron model files (JSON; the format is documented in `Docs/model-files.md`).
///
/// Minimal form: `{"kind": "stg", "conductances": {"Na": 4000, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110,
/// "Kd": 137, "H": 0.3, "leak": 0.01}}`; every other field defaults to the spec.
public enum ModelFile {
    /// Keys allowed at the top level.
    static let topKeys: Set<String> = ["kind", "family", "name", "source", "conductances", "capacitance", "reversal",
                                       "calcium", "initial", "applied_current", "tau_scale", "notes", "Mg", "Vth"]
    /// Loads the model at `path`, or the built-in named model `path` (e.g. `stg-bursting`) if no such
    /// file exists and the name is known.
    public static func load(_ path: String) throws(ModelFileError) -> NeuronDescription {
        if !FileManager.default.fileExists(atPath: path), let named = NamedModel.named(path) {
            do { return try named.neuron() } catch {
                throw ModelFileError(file: path, field: nil, message: "\(error)")
            }
        }
        let data = try ModelFileError.readInput(path)
        let defaultName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(data, file: path, defaultName: defaultName)
    }

    /// Parses model-file JSON. `file` is used in error messages (with the line and column of the field).
    public static func parse(_ data: Data, file: String, defaultName: String = "model") throws(ModelFileError) -> NeuronDescription {
        try ModelFileError.parsing(data, file: file) { document throws(ModelFileError) in
            try parse(value: document.value, file: file, defaultName: defaultName)
        }
    }

    /// Parses a model given as a JSON value inside `file` at `field` (`cells[3]`, `cell`; `nil`: the whole
    /// file). Errors name fields by their path in `file`.
    public static func parse(value: Any, file: String, field prefix: String? = nil, defaultName: String = "model") throws(ModelFileError) -> NeuronDescription {
        guard let prefix else { return try parseModel(value, file: file, defaultName: defaultName) }
        do { return try parseModel(value, file: file, defaultName: defaultName) } catch {
            var e = error
            e.field = e.field.map { prefix + "." + $0 } ?? prefix
            throw e
        }
    }

    static func parseModel(_ parsed: Any, file: String, defaultName: String) throws(ModelFileError) -> NeuronDescription {
        func fail(_ field: String?, _ message: String) -> ModelFileError {
            ModelFileError(file: file, field: field, message: message)
        }
        guard let root = parsed as? [String: Any] else { throw fail(nil, "must be a JSON object (a model), got \(describeJSON(parsed))") }
        for key in root.keys.sorted() where !topKeys.contains(key) {
            throw fail(key, "unknown key (allowed: \(topKeys.sorted().joined(separator: ", ")))")
        }
        let family: NeuronKind
        switch (root["kind"], root["family"]) {
        case (nil, nil): throw fail("kind", "missing (a built-in family such as \"stg\", or \"family\": the path of a family file)")
        case (.some, .some): throw fail("family", "give either \"kind\" (a built-in family) or \"family\" (a family file), not both")
        case (nil, let path?):
            guard let path = path as? String else { throw fail("family", "must be a path string, got \(describeJSON(path))") }
            let folder = (file as NSString).deletingLastPathComponent
            family = try FamilyFile.loadRegistered(path.hasPrefix("/") || folder.isEmpty ? path : folder + "/" + path)
        case (let kind?, nil):
            guard let kindString = kind as? String else { throw fail("kind", "must be a string, got \(describeJSON(kind))") }
            guard let f = NeuronKind.named(kindString) else {
                throw fail("kind", "unknown model kind \"\(kindString)\" (known: \(NeuronKind.all.map(\.name).joined(separator: ", ")))")
            }
            family = f
        }
        func string(_ key: String) throws(ModelFileError) -> String? {
            guard let v = root[key] else { return nil }
            guard let s = v as? String else { throw fail(key, "must be a string, got \(describeJSON(v))") }
            return s
        }
        func number(_ value: Any, _ field: String) throws(ModelFileError) -> Double {
            guard !(value is Bool), let x = value as? Double else {
                throw fail(field, "must be a number, got \(describeJSON(value))")
            }
            guard x.isFinite else { throw fail(field, "must be finite, got \(x)") }
            return x
        }
        func object(_ key: String, allowed: Set<String>?) throws(ModelFileError) -> [String: Double]? {
            guard let v = root[key] else { return nil }
            guard let dict = v as? [String: Any] else { throw fail(key, "must be an object, got \(describeJSON(v))") }
            var out: [String: Double] = [:]
            for k in dict.keys.sorted() {
                if let allowed, !allowed.contains(k) {
                    throw fail("\(key).\(k)", "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
                }
                out[k] = try number(dict[k]!, "\(key).\(k)")
            }
            return out
        }
        let names = family.requiredConductanceNames
        guard let g = try object("conductances", allowed: Set(family.conductanceNames)) else {
            throw fail("conductances", "missing (needs \(names.joined(separator: ", ")))")
        }
        for name in names where g[name] == nil { throw fail("conductances.\(name)", "missing") }
        for (name, value) in g.sorted(by: { $0.key < $1.key }) where value < 0 {
            throw fail("conductances.\(name)", "negative conductance \(value) mS/cm²")
        }
        let reversals = try object("reversal", allowed: Set(family.reversalKeys.map(\.key) + ["leak"])) ?? [:]
        var calcium = family.calcium
        if let c = try object("calcium", allowed: ["tau", "rest", "influx"]) {
            if let v = c["tau"] { guard v > 0 else { throw fail("calcium.tau", "must be > 0 ms, got \(v)") }; calcium.tau = v }
            if let v = c["rest"] { guard v >= 0 else { throw fail("calcium.rest", "must be ≥ 0, got \(v)") }; calcium.rest = v }
            if let v = c["influx"] { guard v >= 0 else { throw fail("calcium.influx", "must be ≥ 0, got \(v)") }; calcium.influx = v }
        }
        let initial = try object("initial", allowed: ["V", "Ca"]) ?? [:]
        if let ca = initial["Ca"], ca < 0 { throw fail("initial.Ca", "must be ≥ 0, got \(ca)") }
        func scalar(_ key: String) throws(ModelFileError) -> Double? {
            try root[key].map { v throws(ModelFileError) in try number(v, key) }
        }
        let capacitance = try scalar("capacitance") ?? family.capacitance
        guard capacitance > 0 else { throw fail("capacitance", "must be > 0 µF/cm², got \(capacitance)") }
        let iApp = try scalar("applied_current") ?? 0
        let tauScales = try object("tau_scale", allowed: Set(family.channels.map { $0.name })) ?? [:]
        for (k, v) in tauScales where v <= 0 { throw fail("tau_scale.\(k)", "must be > 0, got \(v)") }
        let hasNMDA = family.channels.contains { $0.name == "NMDA" }
        let mg = try scalar("Mg")
        if mg != nil, !hasNMDA { throw fail("Mg", "the \(family.name) family has no Mg-blocked channel") }
        if let mg, mg <= 0 { throw fail("Mg", "must be > 0 mM, got \(mg)") }
        let vth = try scalar("Vth")
        if let vth, !(vth > -150 && vth < 100) { throw fail("Vth", "threshold \(vth) mV is outside −150…100 mV") }
        _ = try string("source")
        _ = try string("notes")
        let name = try string("name") ?? defaultName
        do {
            return try family.neuron(name: name, conductances: g, reversals: reversals, capacitance: capacitance,
                                     calcium: calcium, appliedCurrent: iApp, initialVoltage: initial["V"],
                                     initialCalcium: initial["Ca"], tauScales: tauScales, magnesium: mg ?? 1.4,
                                     threshold: vth)
        } catch {
            throw ModelFileError(file: file, field: nil, message: "\(error)")
        }
    }
}

extension ModelFile {
    /// The model-file JSON object of a neuron (every field explicit), readable back by `parse`.
    public static func jsonObject(_ n: NeuronDescription, source: String? = nil) -> [String: Any] {
        var o: [String: Any] = ["kind": n.kind, "name": n.name]
        if let file = NeuronKind.named(n.kind)?.file {
            o["kind"] = nil
            o["family"] = file
        }
        if let source { o["source"] = source }
        o["conductances"] = conductanceObject(n)
        if let family = NeuronKind.named(n.kind) {
            var r: [String: Any] = ["leak": n.leakReversal]
            for (key, ion, _) in family.reversalKeys {
                // A reversal that follows the calcium pool is the family's; a number here would fix it.
                if let c = n.conductances.first(where: { $0.channel.ion == ion }), c.nernst == nil { r[key] = c.reversal }
            }
            o["reversal"] = r
            if family.channels.contains(where: { $0.name == "NMDA" }) {
                o["Mg"] = n.conductances.first { $0.name == "NMDA" }?.context.magnesium ?? 1.4
            }
            if n.fixedThreshold != family.fixedThreshold, let v = n.fixedThreshold { o["Vth"] = v }
        }
        o["capacitance"] = n.capacitance
        o["calcium"] = ["tau": n.calcium.tau, "rest": n.calcium.rest, "influx": n.calcium.influx]
        o["initial"] = ["V": n.initialVoltage, "Ca": n.initialCalcium]
        o["applied_current"] = n.appliedCurrent
        let scales = n.conductances.filter { $0.tauScale != 1 }
        if !scales.isEmpty { o["tau_scale"] = Dictionary(uniqueKeysWithValues: scales.map { ($0.name, $0.tauScale as Any) }) }
        return o
    }

    /// The `conductances` object of a model file: ḡ by channel name, and `leak`.
    public static func conductanceObject(_ n: NeuronDescription) -> [String: Any] {
        var g: [String: Any] = ["leak": n.leakConductance]
        for c in n.conductances { g[c.name] = c.gbar }
        return g
    }

    /// Writes a neuron as a model file (atomically).
    public static func write(_ n: NeuronDescription, to path: String, source: String? = nil) throws {
        let w = try AtomicFileWriter(path: path)
        try w.write(JSONOutput.string(jsonObject(n, source: source), pretty: true) + "\n")
        try w.commit()
    }
}
