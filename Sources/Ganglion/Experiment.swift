import Foundation

/// An experiment file (`Docs/experiment-files.md`): a cell, optional homeostasis, a duration, a
/// protocol of timed events and the outputs, read into a `SimulationRequest`.
public struct Experiment: Sendable {
    public var name: String
    public var request: SimulationRequest
    /// Sampling of the trace file (ms), nil: no trace.
    public var traceInterval: Double?

    /// Reads an experiment file. Relative paths inside it are relative to its folder.
    public static func load(_ path: String) throws(ModelFileError) -> Experiment {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(file: path, field: nil, message: "cannot read the file (does it exist?)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(data, file: path, folder: folder)
    }

    public static func parse(_ data: Data, file: String, folder: String) throws(ModelFileError) -> Experiment {
        func fail(_ field: String?, _ message: String) -> ModelFileError { ModelFileError(file: file, field: field, message: message) }
        let parsed: Any
        do { parsed = try JSONInput.parse(data) } catch { throw fail(nil, "not valid JSON (\(error))") }
        guard let root = parsed as? [String: Any] else { throw fail(nil, "the top level must be a JSON object") }
        func object(_ v: Any?, _ field: String, allowed: Set<String>) throws(ModelFileError) -> [String: Any]? {
            guard let v else { return nil }
            guard let o = v as? [String: Any] else { throw fail(field, "must be an object") }
            for k in o.keys.sorted() where !allowed.contains(k) {
                throw fail("\(field.isEmpty ? "" : field + ".")\(k)", "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
            return o
        }
        func number(_ v: Any?, _ field: String) throws(ModelFileError) -> Double? {
            guard let v else { return nil }
            guard !(v is Bool), let x = v as? Double, x.isFinite else { throw fail(field, "must be a finite number, got \(v)") }
            return x
        }
        func string(_ v: Any?, _ field: String) throws(ModelFileError) -> String? {
            guard let v else { return nil }
            guard let s = v as? String else { throw fail(field, "must be a string, got \(v)") }
            return s
        }
        func window(_ v: Any?, _ field: String) throws(ModelFileError) -> ClosedRange<Double>? {
            guard let v else { return nil }
            guard let a = v as? [Any], a.count == 2, let lo = try number(a[0], field), let hi = try number(a[1], field), hi > lo else {
                throw fail(field, "must be [START, END] in ms with END > START")
            }
            return lo...hi
        }
        _ = try object(root, "", allowed: ["name", "notes", "cell", "duration_ms", "solver", "homeostasis", "protocol", "outputs"])

        // The cell.
        var neuron: NeuronDescription
        switch root["cell"] {
        case nil: throw fail("cell", "missing (a model file, a named model, POP.json#INDEX, or an inline model object)")
        case let s as String:
            let resolved = s.hasPrefix("/") || NamedModel.named(s) != nil ? s : folder + "/" + s
            neuron = try ModelFile.loadAny(resolved)
        case let o as [String: Any]:
            neuron = try ModelFile.parse(Data(JSONOutput.string(o).utf8), file: "\(file) (cell)", defaultName: "cell")
        default: throw fail("cell", "must be a path string or a model object")
        }
        guard let duration = try number(root["duration_ms"], "duration_ms") else { throw fail("duration_ms", "missing") }
        guard duration > 0 else { throw fail("duration_ms", "must be > 0 ms, got \(duration)") }

        // Homeostasis.
        if let h = try object(root["homeostasis"], "homeostasis", allowed: ["Ca_target", "tau_g", "tau_Na", "regulate"]) {
            guard let target = try number(h["Ca_target"], "homeostasis.Ca_target") else { throw fail("homeostasis.Ca_target", "missing") }
            var regulate: [String]?
            if let r = h["regulate"] {
                guard let list = r as? [String] else { throw fail("homeostasis.regulate", "must be a list of conductance names") }
                regulate = list
            }
            do {
                neuron.homeostasis = try Homeostasis.paper(neuron, regulated: regulate, tauNa: try number(h["tau_Na"], "homeostasis.tau_Na") ?? 600,
                                                           tauG: try number(h["tau_g"], "homeostasis.tau_g") ?? 100, calciumTarget: target)
                try neuron.validate()
            } catch let e as ModelError { throw fail("homeostasis", e.description) } catch let e as ModelFileError { throw e } catch {
                throw fail("homeostasis", "\(error)")
            }
        }
        var request = SimulationRequest(neuron: neuron, duration: duration)

        // Solver.
        if let s = try object(root["solver"], "solver", allowed: ["name", "rtol", "atol", "dt"]) {
            if let n = try string(s["name"], "solver.name") {
                guard let c = SolverChoice(rawValue: n) else {
                    throw fail("solver.name", "unknown solver '\(n)' (known: \(SolverChoice.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                request.solver = c
            }
            if let r = try number(s["rtol"], "solver.rtol") {
                guard r > 0, r < 1 else { throw fail("solver.rtol", "must be in (0, 1), got \(r)") }
                request.rtol = r
            }
            if let a = try number(s["atol"], "solver.atol") {
                guard a > 0 else { throw fail("solver.atol", "must be > 0, got \(a)") }
                request.atol = a
            }
            if let d = try number(s["dt"], "solver.dt") {
                guard d > 0 else { throw fail("solver.dt", "must be > 0 ms, got \(d)") }
                request.dt = d
            }
        }

        // Protocol.
        if let p = root["protocol"] {
            guard let list = p as? [Any] else { throw fail("protocol", "must be a list of events") }
            var events: [ProtocolEvent] = []
            for (i, item) in list.enumerated() {
                let field = "protocol[\(i)]"
                guard let e = try object(item, field, allowed: ["t", "block", "fraction", "unblock", "current", "set", "value", "Ca_target"]) else { continue }
                guard let t = try number(e["t"], "\(field).t") else { throw fail("\(field).t", "missing") }
                let actions = ["block", "unblock", "current", "set", "Ca_target"].filter { e[$0] != nil }
                guard actions.count == 1 else {
                    throw fail(field, "needs exactly one of block, unblock, current, set, Ca_target (has \(actions.isEmpty ? "none" : actions.joined(separator: ", ")))")
                }
                switch actions[0] {
                case "block":
                    events.append(ProtocolEvent(time: t, action: .block(channel: try string(e["block"], "\(field).block")!,
                                                                        fraction: try number(e["fraction"], "\(field).fraction") ?? 0)))
                case "unblock":
                    events.append(ProtocolEvent(time: t, action: .unblock(channel: try string(e["unblock"], "\(field).unblock")!)))
                case "current":
                    events.append(ProtocolEvent(time: t, action: .appliedCurrent(try number(e["current"], "\(field).current")!)))
                case "Ca_target":
                    events.append(ProtocolEvent(time: t, action: .calciumTarget(try number(e["Ca_target"], "\(field).Ca_target")!)))
                default:
                    guard let v = try number(e["value"], "\(field).value") else { throw fail("\(field).value", "missing (mS/cm²)") }
                    events.append(ProtocolEvent(time: t, action: .setConductance(channel: try string(e["set"], "\(field).set")!, value: v)))
                }
            }
            do { try ProtocolState.validate(events, for: neuron, duration: duration) } catch {
                throw fail("protocol[\(error.index)]", error.reason)
            }
            request.events = events
        }

        // Outputs.
        var traceInterval: Double?
        if let o = try object(root["outputs"], "outputs", allowed: ["trace", "windows_ms"]) {
            if let t = try object(o["trace"], "outputs.trace", allowed: ["dt_ms", "window_ms", "record"]) {
                let dt = try number(t["dt_ms"], "outputs.trace.dt_ms") ?? 0.1
                guard dt > 0 else { throw fail("outputs.trace.dt_ms", "must be > 0 ms, got \(dt)") }
                traceInterval = dt
                request.traceWindow = try window(t["window_ms"], "outputs.trace.window_ms")
                if let r = t["record"] {
                    guard let list = r as? [String] else { throw fail("outputs.trace.record", "must be a list of names") }
                    request.record = list.flatMap { RecordItem.parseList($0) }
                }
            }
            if let w = o["windows_ms"] {
                guard let list = w as? [Any] else { throw fail("outputs.windows_ms", "must be a list of [START, END]") }
                for (i, item) in list.enumerated() {
                    let range = try window(item, "outputs.windows_ms[\(i)]")!
                    guard range.lowerBound >= 0, range.upperBound <= duration else {
                        throw fail("outputs.windows_ms[\(i)]", "[\(range.lowerBound), \(range.upperBound)] ms is outside the run (0–\(duration) ms)")
                    }
                    request.extraWindows.append(range)
                }
            }
        }
        if let dt = traceInterval { request.outputInterval = dt }
        let name = try string(root["name"], "name") ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return Experiment(name: name, request: request, traceInterval: traceInterval)
    }
}
