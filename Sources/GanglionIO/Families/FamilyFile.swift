import Foundation
import GanglionCore
import GanglionModels
import Synchronization

/// Reads family files: a model family declared in JSON — its channels (channel files or inline), reversal
/// potentials (fixed or Nernst), calcium pool, capacitance, initial conditions, DIC reference time
/// constants, modulated pair, threshold rule and named models (the format is documented in
/// `Docs/write-a-family.md`).
public enum FamilyFile {
    static let topKeys: Set<String> = ["family", "source", "notes", "channels", "required", "reversal", "leak_reversal", "capacitance",
                                       "calcium", "initial", "dic_references", "threshold", "modulated_pair", "bursting_targets", "models"]

    /// Families read in this process, by absolute path.
    private static let loaded = Mutex<[String: NeuronKind]>([:])

    /// The family in the file at `path`, read once per process and registered under its name
    /// (`NeuronKind.register`), so models, experiments and networks find it by name. A different family of
    /// the same name is an error.
    public static func loadRegistered(_ path: String) throws(ModelFileError) -> NeuronKind {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if let kind = loaded.withLock({ $0[absolute] }) { return kind }
        var kind = try load(absolute)
        kind.file = absolute
        if let existing = NeuronKind.named(kind.name) {
            guard existing.file == absolute else {
                let origin = existing.file.map { "the family file \($0)" } ?? "a built-in family"
                throw ModelFileError(file: path, field: "family", message: "a family named \"\(kind.name)\" already exists (\(origin)); give this one another name")
            }
            return existing
        }
        NeuronKind.register(kind)
        loaded.withLock { $0[absolute] = kind }
        return kind
    }

    /// Reads the family file at `path` (not registered).
    public static func load(_ path: String) throws(ModelFileError) -> NeuronKind {
        let data = try ModelFileError.readInput(path)
        return try parse(data, file: path)
    }

    /// Parses family-file JSON; channel files are found relative to `file`'s folder.
    public static func parse(_ data: Data, file: String) throws(ModelFileError) -> NeuronKind {
        try ModelFileError.parsing(data, file: file) { document throws(ModelFileError) in
            try parse(value: document.value, file: file)
        }
    }

    static func parse(value: Any, file: String) throws(ModelFileError) -> NeuronKind {
        let r = FieldReader(file: file, prefix: nil)
        let folder = (file as NSString).deletingLastPathComponent
        let root = try r.object(value, "", allowed: topKeys)!
        guard let name = try r.string(root["family"], "family") else { throw r.fail("family", "missing (the family's name)") }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw r.fail("family", "'\(name)' is not a name (letters, digits, - and _)")
        }
        let source = try r.string(root["source"], "source") ?? file
        _ = try r.string(root["notes"], "notes")

        // Channels: paths of channel files (relative to this file) or inline channel objects, in model order.
        guard let list = root["channels"] as? [Any], !list.isEmpty else {
            throw r.fail("channels", "missing or empty (a list of channel files or channel objects)")
        }
        var channels: [any ChannelKinetics] = []
        for (i, entry) in list.enumerated() {
            let field = "channels[\(i)]"
            let channel: DeclaredChannel
            switch entry {
            case let path as String:
                let full = path.hasPrefix("/") || folder.isEmpty ? path : folder + "/" + path
                guard FileManager.default.fileExists(atPath: full) else { throw r.fail(field, "no channel file at \(full)") }
                channel = try ChannelFile.load(full)
            case is [String: Any]:
                channel = try ChannelFile.parse(value: entry, file: file, field: field)
            default:
                throw r.fail(field, "must be a channel file's path or a channel object, got \(describeJSON(entry))")
            }
            if channels.contains(where: { $0.name == channel.name }) || channel.name == "leak" {
                throw r.fail(field, "a second channel named \"\(channel.name)\"")
            }
            channels.append(channel)
        }
        let channelNames = channels.map(\.name)
        func channelName(_ v: Any?, _ field: String) throws(ModelFileError) -> String? {
            guard let s = try r.string(v, field) else { return nil }
            guard channelNames.contains(s) else { throw r.fail(field, "no channel \"\(s)\" in this family (channels: \(channelNames.joined(separator: ", ")))") }
            return s
        }
        var required: Set<String> = []
        if let v = root["required"] {
            guard let names = v as? [Any] else { throw r.fail("required", "must be a list of channel names, got \(describeJSON(v))") }
            for (i, n) in names.enumerated() { required.insert(try channelName(n, "required[\(i)]")!) }
        }

        let reversals = try ReversalTable(root["reversal"], r)
        for ch in channels where ch.fixedReversal == nil && !reversals.entries.contains(where: { $0.ion == ch.ion }) {
            throw r.fail("reversal", "no reversal potential for the \(ch.ion.rawValue) ion of channel \"\(ch.name)\" (give one, or a fixed \"reversal\" in the channel)")
        }
        guard let leakReversal = try r.number(root["leak_reversal"], "leak_reversal") else {
            throw r.fail("leak_reversal", "missing (the leak's reversal potential, mV)")
        }
        let capacitance = try r.number(root["capacitance"], "capacitance") ?? 1
        guard capacitance > 0 else { throw r.fail("capacitance", "must be > 0 µF/cm², got \(capacitance)") }

        var pool = CalciumPool()
        var calciumCurrents: Set<String>?
        if let v = root["calcium"] {
            let c = try r.object(v, "calcium", allowed: ["tau", "rest", "influx", "units", "currents"])!
            guard let tau = try r.number(c["tau"], "calcium.tau"), tau > 0 else { throw r.fail("calcium.tau", "missing or not > 0 (ms)") }
            guard let rest = try r.number(c["rest"], "calcium.rest"), rest >= 0 else { throw r.fail("calcium.rest", "missing or negative") }
            guard let influx = try r.number(c["influx"], "calcium.influx"), influx >= 0 else {
                throw r.fail("calcium.influx", "missing or negative (calcium units per µA/cm²)")
            }
            _ = try r.string(c["units"], "calcium.units")
            pool = CalciumPool(tau: tau, rest: rest, influx: influx)
            if let v = c["currents"] {
                guard let names = v as? [Any] else { throw r.fail("calcium.currents", "must be a list of channel names, got \(describeJSON(v))") }
                var set: Set<String> = []
                for (i, n) in names.enumerated() {
                    guard set.insert(try channelName(n, "calcium.currents[\(i)]")!).inserted else {
                        throw r.fail("calcium.currents[\(i)]", "\"\(n)\" is listed twice")
                    }
                }
                calciumCurrents = set
            }
        }
        for ch in channels where (calciumCurrents?.contains(ch.name) ?? (ch.ion == .calcium)) && ch.calciumGated {
            throw r.fail(calciumCurrents == nil ? "channels" : "calcium.currents",
                         "channel \"\(ch.name)\" feeds the calcium pool and is gated by calcium; a current that feeds the pool must not depend on it")
        }
        if root["calcium"] == nil, channels.contains(where: { $0.ion == .calcium }) {
            throw r.fail("calcium", "missing: the family has calcium channels, so it needs a calcium pool {\"tau\", \"rest\", \"influx\"}")
        }
        var initialV = -65.0, initialCa = pool.rest
        if let v = root["initial"] {
            let o = try r.object(v, "initial", allowed: ["V", "Ca"])!
            initialV = try r.number(o["V"], "initial.V") ?? initialV
            initialCa = try r.number(o["Ca"], "initial.Ca") ?? initialCa
            guard initialCa >= 0 else { throw r.fail("initial.Ca", "must be ≥ 0, got \(initialCa)") }
        }

        func reference(_ v: Any?, _ field: String) throws(ModelFileError) -> TimescaleReference? {
            guard let v else { return nil }
            if let x = v as? Double, !(v is Bool) {
                guard x > 0, x.isFinite else { throw r.fail(field, "a constant reference time constant must be > 0 ms, got \(x)") }
                return .constant(x)
            }
            return .activation(of: try channelName(v, field)!)
        }
        var references = DICReferences(fast: .constant(1), slow: .constant(10), ultraslow: .constant(1000))
        var hasReferences = false
        if let v = root["dic_references"] {
            let o = try r.object(v, "dic_references", allowed: ["fast", "slow", "ultraslow"])!
            for key in ["fast", "slow", "ultraslow"] where o[key] == nil {
                throw r.fail("dic_references.\(key)", "missing (a channel whose τ_m is the reference, or a time constant in ms)")
            }
            references = DICReferences(fast: try reference(o["fast"], "dic_references.fast")!,
                                       slow: try reference(o["slow"], "dic_references.slow")!,
                                       ultraslow: try reference(o["ultraslow"], "dic_references.ultraslow")!)
            hasReferences = true
        }
        var fixedThreshold: Double?
        switch root["threshold"] {
        case nil: break
        case let s as String where s == "dics": break
        case let x as Double:
            guard x > -150, x < 100 else { throw r.fail("threshold", "\(x) mV is outside −150…100 mV") }
            fixedThreshold = x
        case let other?: throw r.fail("threshold", "must be \"dics\" (computed from the DICs) or a voltage in mV, got \(describeJSON(other))")
        }
        if fixedThreshold == nil, !hasReferences, root["threshold"] != nil {
            throw r.fail("dic_references", "missing: a threshold computed from the DICs needs the reference time constants")
        }
        var pair: [String] = []
        if let v = root["modulated_pair"] {
            guard let a = v as? [Any], a.count == 2 else { throw r.fail("modulated_pair", "must be two channel names, got \(describeJSON(v))") }
            pair = [try channelName(a[0], "modulated_pair[0]")!, try channelName(a[1], "modulated_pair[1]")!]
            guard pair[0] != pair[1] else { throw r.fail("modulated_pair", "the two channels must differ") }
        }
        var targets = (gs: -8.0, gu: 4.0)
        if let v = root["bursting_targets"] {
            let o = try r.object(v, "bursting_targets", allowed: ["g_s", "g_u"])!
            guard let gs = try r.number(o["g_s"], "bursting_targets.g_s"), let gu = try r.number(o["g_u"], "bursting_targets.g_u") else {
                throw r.fail("bursting_targets", "needs g_s and g_u")
            }
            targets = (gs, gu)
        }

        if reversals.calciumNernst != nil, !(initialCa > 0) {
            throw r.fail("initial.Ca", "must be > 0: the calcium reversal follows the pool (Nernst), got \(initialCa)")
        }
        let reversalKeys = reversals.entries.map { e in (e.key, e.ion, e.nernst?.potential(calcium: initialCa) ?? e.value) }
        var kind = NeuronKind(name: name, channels: channels, reversalKeys: reversalKeys,
                              leakReversal: leakReversal, initialVoltage: initialV, initialCalcium: initialCa, calcium: pool,
                              dicReferences: references, fixedThreshold: fixedThreshold, modulatedPair: pair,
                              burstingTargets: targets, paperAntiWindup: false, models: [], source: source)
        kind.capacitance = capacitance
        kind.requiredChannels = required
        kind.hasDICReferences = hasReferences
        kind.calciumNernst = reversals.calciumNernst
        kind.calciumCurrents = calciumCurrents

        if let v = root["models"] {
            let o = try r.object(v, "models")!
            for modelName in o.keys.sorted() {
                let field = "models.\(modelName)"
                let g = try r.object(o[modelName]!, field, allowed: Set(kind.conductanceNames))!
                var conductances: [String: Double] = [:]
                for (k, x) in g {
                    guard let x = try r.number(x, "\(field).\(k)"), x >= 0 else { throw r.fail("\(field).\(k)", "must be ≥ 0 mS/cm²") }
                    conductances[k] = x
                }
                for k in kind.requiredConductanceNames where conductances[k] == nil { throw r.fail("\(field).\(k)", "missing") }
                kind.models.append(NamedModel(name: modelName, kind: name, conductances: conductances, source: source, expected: ""))
            }
        }
        return kind
    }
}
