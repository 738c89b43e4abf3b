import Foundation
import Ganglion

/// What the page asks for: a model of the menu, its conductances, the applied current, the blocked channels
/// and, while the DIC target sliders are in use, the targets g_s*, g_u* of the compensation.
public struct ExploreState: Sendable, Equatable {
    /// The model's name in the menu (`Explorer.modelNames`).
    public var model: String
    /// ḡ by channel, `leak` included (mS/cm²); channels not given keep the model's value.
    public var conductances: [String: Double]
    /// Applied current I_app (µA/cm²).
    public var current: Double
    /// Channels under complete blockade.
    public var blocked: [String]
    /// Target DICs g_s*, g_u* (per g_leak) solved for with the family's modulated pair; nil: no solve.
    public var targets: (gs: Double, gu: Double)?
    /// The request's number, echoed in the answer so that the page can match them.
    public var sequence: Int

    public init(model: String, conductances: [String: Double] = [:], current: Double = 0, blocked: [String] = [],
                targets: (gs: Double, gu: Double)? = nil, sequence: Int = 0) {
        self.model = model
        self.conductances = conductances
        self.current = current
        self.blocked = blocked
        self.targets = targets
        self.sequence = sequence
    }

    public static func == (a: ExploreState, b: ExploreState) -> Bool {
        a.model == b.model && a.conductances == b.conductances && a.current == b.current && a.blocked == b.blocked
            && a.targets?.gs == b.targets?.gs && a.targets?.gu == b.targets?.gu && a.sequence == b.sequence
    }

    /// Reads a state from the page's JSON: `{"model": "stg-bursting", "conductances": {"H": 0.3, …},
    /// "current": 0, "blocked": ["H"], "targets": {"gs": -8, "gu": 4} or null, "seq": 12}`. Every field but
    /// `model` is optional; unknown fields, wrong types and non-finite numbers are refused.
    public static func parse(_ object: Any) throws(ExploreError) -> ExploreState {
        guard let o = object as? [String: Any] else { throw .badRequest("the state must be a JSON object") }
        let known: Set<String> = ["type", "model", "conductances", "current", "blocked", "targets", "seq"]
        if let extra = o.keys.sorted().first(where: { !known.contains($0) }) {
            throw .badRequest("unknown field '\(extra)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let model = o["model"] as? String else { throw .badRequest("'model' must be a model name (text)") }
        var state = ExploreState(model: model)
        if let g = o["conductances"] {
            guard let g = g as? [String: Any] else { throw .badRequest("'conductances' must be an object of numbers") }
            for (name, value) in g { state.conductances[name] = try number(value, field: "conductances.\(name)") }
        }
        if let i = o["current"] { state.current = try number(i, field: "current") }
        if let b = o["blocked"] {
            guard let b = b as? [Any], b.allSatisfy({ $0 is String }) else { throw .badRequest("'blocked' must be a list of channel names") }
            state.blocked = b.map { $0 as! String }
        }
        if let t = o["targets"], !(t is NSNull) {
            guard let t = t as? [String: Any], Set(t.keys) == ["gs", "gu"] else {
                throw .badRequest("'targets' must be {\"gs\": NUMBER, \"gu\": NUMBER} or null")
            }
            state.targets = (try number(t["gs"]!, field: "targets.gs"), try number(t["gu"]!, field: "targets.gu"))
        }
        if let s = o["seq"] {
            guard let n = s as? NSNumber, let k = Int(exactly: n.doubleValue) else { throw .badRequest("'seq' must be an integer") }
            state.sequence = k
        }
        return state
    }

    /// Reads a state from JSON text.
    public static func parse(json text: String) throws(ExploreError) -> ExploreState {
        try parse(jsonObject(text))
    }

    static func number(_ value: Any, field: String) throws(ExploreError) -> Double {
        // JSON numbers only (not true or false).
        guard type(of: value) != Bool.self, let n = value as? NSNumber, String(cString: n.objCType) != "c" else {
            throw .badRequest("'\(field)' must be a number")
        }
        let x = n.doubleValue
        guard x.isFinite else { throw .badRequest("'\(field)' = \(x): must be a finite number") }
        return x
    }
}

/// Parses JSON text into a value tree, as a bad request when it is not JSON.
func jsonObject(_ text: String) throws(ExploreError) -> Any {
    do { return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) } catch {
        throw .badRequest("not valid JSON (\(text.prefix(60))\(text.count > 60 ? "…" : ""))")
    }
}

/// A request the explorer cannot serve: the page's mistake (`badRequest`, HTTP 400), a file that exists
/// (`conflict`, HTTP 409), or a failure of the computation or of a write (`failed`, HTTP 422/500).
public enum ExploreError: Error, Equatable, CustomStringConvertible {
    case badRequest(String)
    case conflict(String)
    case failed(String)

    public var description: String {
        switch self {
        case .badRequest(let m), .conflict(let m), .failed(let m): m
        }
    }

    /// The HTTP status code of the error.
    public var status: Int {
        switch self {
        case .badRequest: 400
        case .conflict: 409
        case .failed: 422
        }
    }
}
