import GanglionCore

/// One event of a file's `protocol` as written (`Docs/experiment-files.md`, "Protocol"): its time and its
/// single-cell action. Every event kind a file can name is read here.
public struct ProtocolEventDeclaration: Sendable, Equatable {
    /// What the event does, as written.
    public enum Action: Sendable, Equatable {
        /// An action complete as written (block, unblock, current, ramp, set, scale, Ca_target, dic_targets, clamp, release).
        case exact(ProtocolEvent.Action)
        /// Sharp neuromodulation to these DIC targets (dimensionless); `conductances`: the pair solved for
        /// (`nil`: the cell family's), `voltage`: where (mV; `nil`: the cell's threshold). The compensation
        /// variant and the restart follow the profile.
        case sharp(gs: Double?, gu: Double?, conductances: [String]?, voltage: Double?)
    }
    /// Time (ms).
    public var time: Double
    /// What the event does.
    public var action: Action

    /// An event doing `action` at `time` (ms).
    public init(time: Double, action: Action) {
        self.time = time
        self.action = action
    }

    /// The keys naming an event's action; an event has exactly one.
    public static let actionKeys = ["block", "unblock", "current", "ramp", "set", "scale", "Ca_target", "sharp", "dic_targets", "clamp", "release"]
    /// The keys that go with one action (besides `t`), by action.
    static let extras: [String: Set<String>] = ["block": ["fraction"], "set": ["value"], "scale": ["factor"], "ramp": ["until"],
                                                "sharp": ["conductances", "V"]]
    static let extraKeys = ["fraction", "value", "factor", "until", "conductances", "V"]

    /// Reads the event `value` at `field` (`protocol[2]`): `t`, one action key and the keys that go with it.
    /// Throws `ModelFileError` naming the field at fault.
    public static func parse(_ value: Any, field: String, _ f: FieldReader) throws(ModelFileError) -> ProtocolEventDeclaration {
        let e = try f.object(value, field, allowed: Set(actionKeys + ["t"] + extraKeys))!
        guard let t = try f.number(e["t"], "\(field).t") else { throw f.fail("\(field).t", "missing") }
        let actions = actionKeys.filter { e[$0] != nil }
        guard actions.count == 1 else {
            throw f.fail(field, "needs exactly one of \(actionKeys.joined(separator: ", ")) (has \(actions.isEmpty ? "none" : actions.joined(separator: ", ")))")
        }
        for k in extraKeys where e[k] != nil && !(extras[actions[0]]?.contains(k) ?? false) {
            throw f.fail("\(field).\(k)", "does not go with '\(actions[0])'")
        }
        func targets(_ v: Any?, _ key: String) throws(ModelFileError) -> (Double?, Double?) {
            guard let o = try f.object(v, key, allowed: ["g_s", "g_u"]) else { return (nil, nil) }
            let r = (try f.number(o["g_s"], "\(key).g_s"), try f.number(o["g_u"], "\(key).g_u"))
            guard r.0 != nil || r.1 != nil else { throw f.fail(key, "give g_s, g_u or both") }
            return r
        }
        let action: ProtocolEvent.Action
        switch actions[0] {
        case "block": action = .block(channel: try f.string(e["block"], "\(field).block")!, fraction: try f.number(e["fraction"], "\(field).fraction") ?? 0)
        case "unblock": action = .unblock(channel: try f.string(e["unblock"], "\(field).unblock")!)
        case "current": action = .appliedCurrent(try f.number(e["current"], "\(field).current")!)
        case "ramp":
            guard let until = try f.number(e["until"], "\(field).until") else { throw f.fail("\(field).until", "missing (the ramp's end time, ms)") }
            action = .ramp(to: try f.number(e["ramp"], "\(field).ramp")!, end: until)
        case "Ca_target": action = .calciumTarget(try f.number(e["Ca_target"], "\(field).Ca_target")!)
        case "scale":
            guard let factor = try f.number(e["factor"], "\(field).factor") else { throw f.fail("\(field).factor", "missing (the factor ḡ is multiplied by)") }
            action = .scaleConductance(channel: try f.string(e["scale"], "\(field).scale")!, factor: factor)
        case "sharp":
            let (gs, gu) = try targets(e["sharp"], "\(field).sharp")
            return ProtocolEventDeclaration(time: t, action: .sharp(gs: gs, gu: gu, conductances: try f.strings(e["conductances"], "\(field).conductances"),
                                                                    voltage: try f.number(e["V"], "\(field).V")))
        case "dic_targets":
            let (gs, gu) = try targets(e["dic_targets"], "\(field).dic_targets")
            action = .dicTargets(gs: gs, gu: gu)
        case "clamp": action = .clamp(try f.number(e["clamp"], "\(field).clamp")!)
        case "release":
            guard try f.bool(e["release"], "\(field).release") == true else { throw f.fail("\(field).release", "must be true (releases the voltage clamp)") }
            action = .releaseClamp
        default:
            guard let v = try f.number(e["value"], "\(field).value") else { throw f.fail("\(field).value", "missing (mS/cm²)") }
            action = .setConductance(channel: try f.string(e["set"], "\(field).set")!, value: v)
        }
        return ProtocolEventDeclaration(time: t, action: .exact(action))
    }
}
