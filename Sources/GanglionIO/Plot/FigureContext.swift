import Foundation
import GanglionCore

/// What a figure shows beyond its data: the cell and experiment names, the regulation, the protocol events
/// (labelled by what they did) and the targets in force over time — the calcium target Ca_tgt (model units)
/// and the controller's DIC targets g_s*, g_u* (dimensionless, per g_leak). Built from a run's summary.json.
public struct FigureContext: Sendable {
    /// The cell's (model's) name.
    public var model: String
    /// The experiment's name, when the figure is of an experiment.
    public var experiment: String?
    /// The protocol events, in time order.
    public var events: [ProtocolEvent]
    /// Ca_tgt at the start (model units); nil: no homeostasis.
    public var calciumTarget: Double?
    /// g_s*, g_u* at the start (dimensionless); nil: no controller (or that target not set).
    public var gsTarget: Double?, guTarget: Double?
    /// Whether the cell is under homeostasis, and under the neuromodulation controller.
    public var homeostasis = false, controller = false
    /// The run's duration (ms), for the last target segment.
    public var duration: Double?

    /// A context for `model` with `events` and no targets unless given.
    public init(model: String, experiment: String? = nil, events: [ProtocolEvent] = [], calciumTarget: Double? = nil,
                gsTarget: Double? = nil, guTarget: Double? = nil, duration: Double? = nil) {
        self.model = model
        self.experiment = experiment
        self.events = events.sorted { $0.time < $1.time }
        self.calciumTarget = calciumTarget
        self.gsTarget = gsTarget
        self.guTarget = guTarget
        self.homeostasis = calciumTarget != nil
        self.controller = gsTarget != nil || guTarget != nil
        self.duration = duration
    }

    /// The context of a run's summary object (`summary.json` of a cell or of a single-cell experiment): `model`,
    /// `experiment`, `events` (read back from their summaries), `homeostasis.Ca_target`, `neuromodulation.g_s`
    /// and `g_u`, `duration_ms`. Nil when the object names no model.
    public init?(summary o: [String: Any]) {
        guard let model = o["model"] as? String else { return nil }
        let events = (o["events"] as? [[String: Any]] ?? []).compactMap { e -> ProtocolEvent? in
            guard let t = Self.number(e["t_ms"]), let text = e["event"] as? String else { return nil }
            return ProtocolEvent(summary: text, time: t)
        }
        let h = o["homeostasis"] as? [String: Any], n = o["neuromodulation"] as? [String: Any]
        self.init(model: model, experiment: o["experiment"] as? String, events: events, calciumTarget: Self.number(h?["Ca_target"]),
                  gsTarget: Self.number(n?["g_s"]), guTarget: Self.number(n?["g_u"]), duration: Self.number(o["duration_ms"]))
        homeostasis = h != nil
        controller = n != nil
    }

    /// A JSON number as a Double, whether the parser gave an Int, a Double or an NSNumber.
    public static func number(_ value: Any?) -> Double? {
        switch value {
        case let d as Double: d
        case let i as Int: Double(i)
        case let n as NSNumber: n.doubleValue
        default: nil
        }
    }

    /// The context of the summary.json next to a run output file (`DIR/trace.csv` → `DIR/summary.json`).
    public static func beside(_ file: String) -> FigureContext? {
        let summary = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("summary.json").path
        guard let data = FileManager.default.contents(atPath: summary),
              let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return FigureContext(summary: o)
    }

    /// A model's name with what its file says was done to it: a model written by `ganglion compensate` (its
    /// `source` names the command) is `stg-spiking, CaS and A set for g_s* = −8, g_u* = 4`.
    public static func modelName(_ name: String, source: String?) -> String {
        guard let source, source.contains("compensate") else { return name }
        let words = source.split(separator: " ").map(String.init)
        func value(_ option: String) -> String? { words.firstIndex(of: option).flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil } }
        var what: [String] = []
        if let targets = value("--target") {
            what = targets.split(separator: ",").compactMap { pair in
                let kv = pair.split(separator: "=")
                guard kv.count == 2, let v = Double(kv[1]) else { return nil }
                let symbol = kv[0] == "gs" ? "g_s*" : kv[0] == "gu" ? "g_u*" : kv[0] == "gf" ? "g_f*" : String(kv[0])
                return "\(symbol) = \(Axis.label(v))"
            }
        }
        guard !what.isEmpty else { return name + ", compensated" }
        let unknowns = value("--unknowns").map { $0.split(separator: ",").joined(separator: " and ") }
        return name + ", " + (unknowns.map { "\($0) set for " } ?? "modulated to ") + what.joined(separator: ", ")
    }

    /// Markers for the events at (time in ms, label); events at one time share one marker.
    public var markers: [(Double, String)] {
        var out: [(Double, String)] = []
        var gs = gsTarget, gu = guTarget, ca = calciumTarget
        for e in events {
            let label = e.label(gs: gs, gu: gu, calciumTarget: ca)
            if case let .dicTargets(s, u) = e.action { gs = s ?? gs; gu = u ?? gu }
            if case let .calciumTarget(v) = e.action { ca = v }
            if let last = out.last, last.0 == e.time { out[out.count - 1].1 += ", " + label } else { out.append((e.time, label)) }
        }
        return out
    }

    /// The title of a figure of `what` (`membrane potential`): the cell, the experiment, the regulation and the
    /// events with their times (`V2 (v2-controlled): conductances; homeostasis + controller; g_s* 5 → −8 at 150 s`).
    public func title(_ what: String) -> String {
        var name = model
        if let experiment, experiment != model { name += " (\(experiment))" }
        var parts = ["\(name): \(what)"]
        let regulation = [homeostasis ? "homeostasis" : nil, controller ? "controller" : nil].compactMap { $0 }
        if !regulation.isEmpty { parts.append(regulation.joined(separator: " + ")) }
        let events = markers.map { "\($0.1) at \(Axis.label($0.0 / 1000)) s" }
        if !events.isEmpty { parts.append(events.joined(separator: ", ")) }
        return parts.joined(separator: "; ")
    }

    /// The title of a population figure of `cells` cells of the experiment (`controlled: 20 cells; homeostasis +
    /// controller; g_s* 5 → −8 at 150 s`).
    public func populationTitle(cells: Int, _ what: String? = nil) -> String {
        var parts = ["\(experiment ?? model): \(what.map { "\($0), " } ?? "")\(cells) cells"]
        parts += Array(title("").split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) })
        return parts.joined(separator: "; ")
    }

    /// The piecewise-constant values of a target over time: (start ms, end ms, value) from `initial` and the
    /// events that change it.
    func segments(initial: Double?, change: (ProtocolEvent.Action) -> Double??) -> [(Double, Double, Double)] {
        let end = duration ?? .infinity
        var out: [(Double, Double, Double)] = []
        var start = 0.0, value = initial
        for e in events {
            guard let new = change(e.action) else { continue }
            let next = new ?? value
            guard next != value else { continue }
            if let v = value, e.time > start { out.append((start, e.time, v)) }
            start = e.time
            value = next
        }
        if let v = value { out.append((start, end, v)) }
        return out
    }

    /// Reference lines of Ca_tgt over time (x in `timeScale` units per ms: 1e-3 for seconds).
    public func calciumReferences(timeScale: Double = 1e-3) -> [ReferenceLine] {
        segments(initial: calciumTarget) { if case let .calciumTarget(v) = $0 { return .some(v) } else { return nil } }
            .map { ReferenceLine(value: $0.2, label: "Ca_tgt = \(Axis.label($0.2))", span: $0.0 * timeScale...$0.1 * timeScale) }
    }

    /// Reference lines of g_s* and g_u* over time (x in `timeScale` units per ms).
    public func dicReferences(timeScale: Double = 1e-3) -> [ReferenceLine] {
        let s = segments(initial: gsTarget) { if case let .dicTargets(v, _) = $0 { return .some(v) } else { return nil } }
            .map { ReferenceLine(value: $0.2, label: "g_s* = \(Axis.label($0.2))", span: $0.0 * timeScale...$0.1 * timeScale) }
        let u = segments(initial: guTarget) { if case let .dicTargets(_, v) = $0 { return .some(v) } else { return nil } }
            .map { ReferenceLine(value: $0.2, label: "g_u* = \(Axis.label($0.2))", span: $0.0 * timeScale...$0.1 * timeScale) }
        return s + u
    }
}

extension ProtocolEvent {
    /// A short label of what the event did (`block H`, `g_s* 5 → −8`), given the targets in force before it.
    public func label(gs: Double? = nil, gu: Double? = nil, calciumTarget: Double? = nil) -> String {
        func n(_ x: Double) -> String { Axis.label(x) }
        func change(_ name: String, _ old: Double?, _ new: Double) -> String {
            old.map { "\(name) \(n($0)) → \(n(new))" } ?? "\(name) → \(n(new))"
        }
        switch action {
        case let .block(c, f): return f == 0 ? "block \(c)" : "block \(c) to \(n(100 * f)) %"
        case let .unblock(c): return "unblock \(c)"
        case let .appliedCurrent(i): return "I_app → \(n(i)) µA/cm²"
        case let .ramp(to, end): return "I_app ramp → \(n(to)) µA/cm² at \(n(end / 1000)) s"
        case let .setConductance(c, v): return "ḡ_\(c) → \(n(v)) mS/cm²"
        case let .scaleConductance(c, f): return "ḡ_\(c) × \(n(f))"
        case let .calciumTarget(v): return change("Ca_tgt", calciumTarget, v)
        case let .sharp(s):
            let targets = [s.gs.map { "g_s* = \(n($0))" }, s.gu.map { "g_u* = \(n($0))" }].compactMap { $0 }.joined(separator: ", ")
            return "sharp: \(s.conductances.joined(separator: ", ")) set for \(targets)"
        case let .dicTargets(s, u):
            var parts: [String] = []
            if let s, s != gs { parts.append(change("g_s*", gs, s)) }
            if let u, u != gu { parts.append(change("g_u*", gu, u)) }
            return parts.isEmpty ? "DIC targets kept" : parts.joined(separator: ", ")
        case let .clamp(v): return "clamp at \(n(v)) mV"
        case .releaseClamp: return "release clamp"
        }
    }

    /// The event whose `summary` is `text`, at `time` (ms); nil when the text is not an event summary.
    public init?(summary text: String, time: Double) {
        func number(_ s: Substring) -> Double? { Double(s.trimmingCharacters(in: .whitespaces)) }
        func targets(_ s: Substring) -> (Double?, Double?) {
            var gs: Double?, gu: Double?
            for part in s.split(separator: ",") {
                let kv = part.split(separator: "=")
                guard kv.count == 2 else { continue }
                let key = kv[0].trimmingCharacters(in: .whitespaces)
                if key == "g_s" { gs = number(kv[1]) } else if key == "g_u" { gu = number(kv[1]) }
            }
            return (gs, gu)
        }
        let t = Substring(text)
        let action: Action
        if t.hasPrefix("unblock ") {
            action = .unblock(channel: String(t.dropFirst(8)))
        } else if t.hasPrefix("block "), let r = t.range(of: " to ", options: .backwards), let f = number(t[r.upperBound...]) {
            action = .block(channel: String(t[t.index(t.startIndex, offsetBy: 6)..<r.lowerBound]), fraction: f)
        } else if t.hasPrefix("applied current "), t.hasSuffix(" µA/cm²"), let i = number(t.dropFirst(16).dropLast(7)) {
            action = .appliedCurrent(i)
        } else if t.hasPrefix("ramp the applied current to "), let r = t.range(of: " µA/cm² at "), t.hasSuffix(" ms"),
                  let to = number(t[t.index(t.startIndex, offsetBy: 28)..<r.lowerBound]), let end = number(t[r.upperBound...].dropLast(3)) {
            action = .ramp(to: to, end: end)
        } else if t.hasPrefix("set "), t.hasSuffix(" mS/cm²"), let r = t.range(of: " to ", options: .backwards),
                  let v = number(t[r.upperBound...].dropLast(7)) {
            action = .setConductance(channel: String(t[t.index(t.startIndex, offsetBy: 4)..<r.lowerBound]), value: v)
        } else if t.hasPrefix("scale "), let r = t.range(of: " by ", options: .backwards), let f = number(t[r.upperBound...]) {
            action = .scaleConductance(channel: String(t[t.index(t.startIndex, offsetBy: 6)..<r.lowerBound]), factor: f)
        } else if t.hasPrefix("calcium target "), let v = number(t.dropFirst(15)) {
            action = .calciumTarget(v)
        } else if t.hasPrefix("DIC targets ") {
            let (gs, gu) = targets(t.dropFirst(12))
            action = .dicTargets(gs: gs, gu: gu)
        } else if t.hasPrefix("sharp neuromodulation of "), let r = t.range(of: " to g_") {
            let names = t[t.index(t.startIndex, offsetBy: 25)..<r.lowerBound].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let (gs, gu) = targets(t[t.index(r.lowerBound, offsetBy: 4)...])
            action = .sharp(SharpNeuromodulation(gs: gs, gu: gu, conductances: names))
        } else if t.hasPrefix("clamp V at "), t.hasSuffix(" mV"), let v = number(t.dropFirst(11).dropLast(3)) {
            action = .clamp(v)
        } else if t == "release the clamp" {
            action = .releaseClamp
        } else {
            return nil
        }
        self.init(time: time, action: action)
    }
}
