import Foundation

/// Reads a single-compartment NeuroML 2 cell with Hodgkin–Huxley channels into a `NeuroMLCell`
/// (Docs/import-neuroml.md says what is supported). `<include href>` files are read relative to the
/// including file. Anything the import does not support — more than one segment, kinetic schemes, custom
/// ComponentTypes, `channelDensityNernst`, … — is an error naming the element and its line.
public final class NeuroMLReader {
    /// A top-level element and the file it is in.
    struct Entry { let node: XMLElementNode, file: String }
    private var entries: [Entry] = []
    private var byID: [String: Entry] = [:]
    private var current: String
    /// The simulation temperature (°C) for q10ExpTemp: given, or a network's `temperature`.
    public internal(set) var temperature: Double?
    /// Whether a gate used the temperature.
    var usedTemperature = false
    let mainFile: String

    /// Reads `path` and the files it includes. `temperature` (°C) overrides a network's.
    public init(path: String, temperature: Double? = nil) throws(NeuroMLError) {
        mainFile = path
        current = path
        try load(path)
        if let temperature { self.temperature = temperature }
    }

    /// The files read so far (absolute paths): each is read once, however often it is included.
    private var read: Set<String> = []

    private func load(_ path: String) throws(NeuroMLError) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard read.insert(absolute).inserted else { return }
        OutputPolicy.protectInput(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NeuroMLError(file: path, line: nil, element: nil, message: "cannot read the file (does it exist?)")
        }
        let root = try XMLElementTree.parse(data, file: path)
        guard root.name == "neuroml" else {
            throw NeuroMLError(path, root, "the root element must be <neuroml> (a NeuroML 2 document)")
        }
        for e in root.children {
            if e.name == "include" {
                guard let href = e.attributes["href"] else { throw NeuroMLError(path, e, "needs an href") }
                try load(href.hasPrefix("/") ? href : PathParts.folder(of: path) + "/" + href)
                continue
            }
            if e.name == "network", temperature == nil, let t = e.attributes["temperature"] {
                current = path
                temperature = try quantity(e, "temperature", "temperature")
            }
            let entry = Entry(node: e, file: path)
            entries.append(entry)
            if let id = e.attributes["id"] {
                if let other = byID[id], other.node.name != "network" {
                    throw NeuroMLError(path, e, "a second element with id \"\(id)\" (the first is at \(other.file):\(other.node.line))")
                }
                byID[id] = entry
            }
        }
    }

    /// The file of the element being read (errors name it).
    var currentFile: String { current }

    /// The attribute `name` of `e` as a quantity of `dimension` in Ganglion's unit.
    func quantity(_ e: XMLElementNode, _ name: String, _ dimension: String) throws(NeuroMLError) -> Double {
        guard let text = e.attributes[name] else { throw NeuroMLError(current, e, "missing the attribute \(name)") }
        switch NeuroMLUnits.convert(text, to: dimension) {
        case .success(let x): return x
        case .failure(let why): throw NeuroMLError(current, e, "\(name) \(why.text)")
        }
    }

    /// The cell `id`, or the document's only cell.
    public func cell(_ id: String? = nil) throws(NeuroMLError) -> NeuroMLCell {
        let cells = entries.filter { $0.node.name == "cell" }
        let chosen: Entry
        if let id {
            guard let c = cells.first(where: { $0.node.attributes["id"] == id }) else {
                throw NeuroMLError(file: mainFile, line: nil, element: nil, message: "no cell \"\(id)\" (cells: \(cells.compactMap { $0.node.attributes["id"] }.joined(separator: ", ")))")
            }
            chosen = c
        } else {
            guard let c = cells.first else {
                let other = entries.first { ["izhikevich2007Cell", "iafCell", "cell2CaPools", "adExIaFCell", "izhikevichCell"].contains($0.node.name) }
                throw NeuroMLError(file: mainFile, line: other?.node.line, element: other?.node.label,
                                   message: other == nil ? "no <cell> in the document" : "only a <cell> with Hodgkin–Huxley channels can be imported")
            }
            guard cells.count == 1 else {
                throw NeuroMLError(file: mainFile, line: nil, element: nil, message: "\(cells.count) cells in the document (\(cells.compactMap { $0.node.attributes["id"] }.joined(separator: ", "))): choose one with --cell")
            }
            chosen = c
        }
        return try cell(from: chosen)
    }

    private func referenced(_ id: String, from e: XMLElementNode, _ what: String) throws(NeuroMLError) -> Entry {
        guard let r = byID[id] else { throw NeuroMLError(current, e, "no \(what) \"\(id)\" in the document or its includes") }
        return r
    }

    private func cell(from entry: Entry) throws(NeuroMLError) -> NeuroMLCell {
        let cell = entry.node
        current = entry.file
        let cellFile = entry.file
        let id = cell.attributes["id"] ?? "cell"
        for c in cell.children where !["morphology", "biophysicalProperties", "notes", "annotation", "property"].contains(c.name) {
            throw NeuroMLError(cellFile, c, "is not supported in a cell")
        }
        // Morphology: one segment (inline or referenced).
        var morphology = cell.child("morphology")
        if morphology == nil, let ref = cell.attributes["morphology"] { current = cellFile; morphology = try referenced(ref, from: cell, "morphology").node }
        guard let morphology else { throw NeuroMLError(cellFile, cell, "needs a <morphology> (one segment) for its area") }
        let segments = morphology.children("segment")
        guard segments.count == 1 else {
            throw NeuroMLError(cellFile, segments.count > 1 ? segments[1] : morphology,
                               "a multi-compartment morphology (\(segments.count) segments): only single-compartment cells can be imported")
        }
        let segment = segments[0]
        guard let distal = segment.child("distal") else { throw NeuroMLError(cellFile, segment, "needs <proximal> and <distal>") }
        let proximal = segment.child("proximal") ?? distal
        func point(_ p: XMLElementNode) throws(NeuroMLError) -> (x: Double, y: Double, z: Double, d: Double) {
            func n(_ k: String) throws(NeuroMLError) -> Double {
                guard let t = p.attributes[k], let x = Double(t.trimmingCharacters(in: .whitespaces)), x.isFinite else {
                    throw NeuroMLError(cellFile, p, "\(k) must be a number (µm)")
                }
                return x
            }
            return (try n("x"), try n("y"), try n("z"), try n("diameter"))
        }
        let a = try point(proximal), b = try point(distal)
        guard a.d > 0, b.d > 0 else { throw NeuroMLError(cellFile, segment, "diameters must be > 0 µm") }
        let length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y) + (b.z - a.z) * (b.z - a.z)).squareRoot()
        let areaUM2: Double, shape: String
        if length == 0 {
            guard a.d == b.d else { throw NeuroMLError(cellFile, segment, "a sphere (proximal = distal) needs one diameter") }
            areaUM2 = Double.pi * a.d * a.d
            shape = "sphere of diameter \(JSONOutput.string(a.d)) µm"
        } else {
            let (r1, r2) = (a.d / 2, b.d / 2)
            areaUM2 = Double.pi * (r1 + r2) * ((r1 - r2) * (r1 - r2) + length * length).squareRoot()
            let (d1, d2, l) = (JSONOutput.string(a.d), JSONOutput.string(b.d), JSONOutput.string(length))
            shape = a.d == b.d ? "cylinder of diameter \(d1) µm and length \(l) µm, side without ends"
                               : "truncated cone of diameters \(d1) and \(d2) µm and length \(l) µm, side without ends"
        }

        var bio = cell.child("biophysicalProperties")
        if bio == nil, let ref = cell.attributes["biophysicalProperties"] { bio = try referenced(ref, from: cell, "biophysicalProperties").node }
        guard let bio else { throw NeuroMLError(cellFile, cell, "needs <biophysicalProperties>") }
        for c in bio.children where !["membraneProperties", "intracellularProperties", "extracellularProperties", "notes", "annotation"].contains(c.name) {
            throw NeuroMLError(cellFile, c, "is not supported in biophysicalProperties")
        }
        guard let membrane = bio.child("membraneProperties") else { throw NeuroMLError(cellFile, bio, "needs <membraneProperties>") }

        var capacitance: Double?, initialV: Double?
        var densities: [(node: XMLElementNode, channel: Entry)] = []
        for m in membrane.children {
            current = cellFile
            switch m.name {
            case "channelDensity":
                for c in m.children where !["notes", "annotation"].contains(c.name) {
                    throw NeuroMLError(cellFile, c, "is not supported (a channelDensity with \(c.name))")
                }
                guard let ref = m.attributes["ionChannel"] else { throw NeuroMLError(cellFile, m, "needs an ionChannel") }
                densities.append((m, try referenced(ref, from: m, "ion channel")))
            case "specificCapacitance":
                guard capacitance == nil else { throw NeuroMLError(cellFile, m, "a second specificCapacitance (one value per cell)") }
                capacitance = try quantity(m, "value", "specificCapacitance")
            case "initMembPotential":
                guard initialV == nil else { throw NeuroMLError(cellFile, m, "a second initMembPotential") }
                initialV = try quantity(m, "value", "voltage")
            case "spikeThresh", "notes", "annotation": break
            default:
                throw NeuroMLError(cellFile, m, "is not supported (supported: channelDensity, specificCapacitance, initMembPotential, spikeThresh)")
            }
        }
        guard let capacitance, capacitance > 0 else { throw NeuroMLError(cellFile, membrane, "needs a specificCapacitance > 0") }
        guard let initialV else { throw NeuroMLError(cellFile, membrane, "needs an initMembPotential") }

        // Channels.
        var channels: [NeuroMLCell.Channel] = []
        var passive: [(g: Double, e: Double, id: String)] = []
        for (density, entry) in densities {
            current = cellFile
            let g = try quantity(density, "condDensity", "conductanceDensity")
            guard g >= 0 else { throw NeuroMLError(cellFile, density, "condDensity must be ≥ 0") }
            let erev = try quantity(density, "erev", "voltage")
            guard let ionText = density.attributes["ion"] else { throw NeuroMLError(cellFile, density, "needs an ion") }
            let channel = entry.node
            current = entry.file
            let channelID = channel.attributes["id"]!
            let kindName = channel.attributes["type"] ?? channel.name
            guard ["ionChannelHH", "ionChannel", "ionChannelPassive"].contains(channel.name),
                  ["ionChannelHH", "ionChannel", "ionChannelPassive"].contains(kindName) else {
                throw NeuroMLError(entry.file, channel, "\(kindName == channel.name ? channel.name : "type \"\(kindName)\"") is not supported: only Hodgkin–Huxley channels (ionChannelHH, ionChannel, ionChannelPassive), no kinetic schemes or custom ComponentTypes")
            }
            var gates: [NeuroMLCell.Gate] = []
            for c in channel.children {
                switch c.name {
                case "notes", "annotation": continue
                case "gate":
                    let kind = c.attributes["type"] ?? ""
                    guard NeuroMLGates.gateKinds.contains(kind) else {
                        throw NeuroMLError(entry.file, c, "gate type \"\(kind)\" is not supported (supported: \(NeuroMLGates.gateKinds.sorted().joined(separator: ", ")))")
                    }
                    gates.append(try NeuroMLGates.gate(c, gateKind: kind, reader: self))
                case let kind where NeuroMLGates.gateKinds.contains(kind):
                    gates.append(try NeuroMLGates.gate(c, gateKind: kind, reader: self))
                case "gateKS": throw NeuroMLError(entry.file, c, "kinetic-scheme gates are not supported")
                default: throw NeuroMLError(entry.file, c, "is not supported in an ion channel (supported gates: \(NeuroMLGates.gateKinds.sorted().joined(separator: ", ")))")
                }
            }
            if kindName == "ionChannelPassive" || gates.isEmpty {
                passive.append((g, erev, channelID))
                continue
            }
            guard gates.count <= 2 else {
                throw NeuroMLError(entry.file, channel, "\(gates.count) gates: Ganglion's channels have at most two (an activation and an inactivation)")
            }
            let ion: String
            switch ionText {
            case "na": ion = "sodium"
            case "k": ion = "potassium"
            case "ca": ion = "calcium"
            default: ion = "nonspecific"
            }
            var name = String(channelID.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
            if name.first?.isLetter != true { name = "c" + name }
            if name == "leak" { name = "leak_" }
            guard !channels.contains(where: { $0.name == name }) else {
                throw NeuroMLError(cellFile, density, "a second channelDensity of the ion channel \"\(channelID)\"")
            }
            channels.append(.init(name: name, ion: ion, neuromlIon: ionText, gates: gates, density: g, reversal: erev,
                                  source: "NeuroML \(channel.name) \"\(channelID)\" (\(PathParts.name(of: entry.file)):\(channel.line)), channelDensity \"\(density.attributes["id"] ?? "")\""))
        }
        let gLeak = passive.reduce(0) { $0 + $1.g }
        let eLeak = gLeak > 0 ? passive.reduce(0) { $0 + $1.g * $1.e } / gLeak : (passive.first?.e ?? initialV)

        // Calcium: a species of ion ca with a fixedFactorConcentrationModel.
        var pool: NeuroMLCell.CalciumPool?
        if let intra = bio.child("intracellularProperties") {
            for s in intra.children {
                current = cellFile
                switch s.name {
                case "resistivity", "notes", "annotation": continue
                case "species":
                    guard s.attributes["ion"] == "ca" || s.attributes["id"] == "ca" && s.attributes["ion"] == nil else {
                        throw NeuroMLError(cellFile, s, "only a calcium species (ion \"ca\") is supported")
                    }
                    guard pool == nil else { throw NeuroMLError(cellFile, s, "a second calcium species") }
                    guard let ref = s.attributes["concentrationModel"] else { throw NeuroMLError(cellFile, s, "needs a concentrationModel") }
                    let initial = try quantity(s, "initialConcentration", "concentration")
                    let model = try referenced(ref, from: s, "concentration model")
                    current = model.file
                    guard model.node.name == "fixedFactorConcentrationModel" else {
                        throw NeuroMLError(model.file, model.node, "\(model.node.name) is not supported (supported: fixedFactorConcentrationModel)")
                    }
                    let tau = try quantity(model.node, "decayConstant", "time")
                    guard tau > 0 else { throw NeuroMLError(model.file, model.node, "decayConstant must be > 0") }
                    pool = .init(id: ref, tau: tau, rest: try quantity(model.node, "restingConc", "concentration"),
                                 rho: try quantity(model.node, "rho", "rho_factor"), initial: initial)
                    guard pool!.rho >= 0, pool!.rest >= 0, initial >= 0 else {
                        throw NeuroMLError(model.file, model.node, "rho, restingConc and the initial concentration must be ≥ 0")
                    }
                default: throw NeuroMLError(cellFile, s, "is not supported in intracellularProperties")
                }
            }
        }

        var pulses: [NeuroMLCell.Pulse] = []
        for e in entries where e.node.name == "pulseGenerator" {
            current = e.file
            pulses.append(.init(id: e.node.attributes["id"] ?? "", amplitude: try quantity(e.node, "amplitude", "current"),
                                delay: try quantity(e.node, "delay", "time"), duration: try quantity(e.node, "duration", "time")))
        }
        current = cellFile
        return NeuroMLCell(id: id, file: cellFile, channels: channels, leak: (gLeak, eLeak, passive.map(\.id)),
                           capacitance: capacitance, initialVoltage: initialV, calcium: pool, area: areaUM2 * 1e-8, areaShape: shape,
                           pulses: pulses, temperature: usedTemperature ? temperature : nil)
    }
}
