/// A file's `homeostasis` block as written (`Docs/experiment-files.md`, "Homeostasis"): how each cell's
/// homeostatic controller is to be built. The names of the regulated channels are checked against the cell
/// when the file is resolved.
public struct HomeostasisDeclaration: Sendable {
    /// How the time constants τ_X of the regulated conductances are set.
    public enum Form: Sendable, Equatable {
        /// τ_X = τ_Na ḡ_Na(0)/ḡ_X(0) (the paper's).
        case paper(tauNa: Double)
        /// τ_X given per regulated channel (ms), the general O'Leary et al. form.
        case oleary(tauM: [String: Double])
    }
    /// Where the calcium target Ca_tgt comes from.
    public enum Target: Sendable, Equatable {
        /// A given Ca_tgt (model units).
        case value(Double)
        /// The mean calcium of a reference run of the plain cell, over this window (ms).
        case reference(window: ClosedRange<Double>)
    }
    /// How the τ_X are set (default: the paper's form, τ_Na = 600 ms).
    public var form: Form
    /// `regulate`: the regulated conductances by name; `nil`: not given.
    public var regulated: [String]?
    /// τ_g (ms; default 100).
    public var tauG: Double
    /// The calcium target.
    public var target: Target
    /// `allow_negative`; `nil`: not given (the profile decides).
    public var allowsNegativeConductance: Bool?

    /// The block at `homeostasis` of a file (`nil` if absent). Throws `ModelFileError` naming the field at fault.
    public static func parse(_ value: Any?, _ f: FieldReader) throws(ModelFileError) -> HomeostasisDeclaration? {
        guard let h = try f.object(value, "homeostasis",
                                   allowed: ["Ca_target", "tau_g", "tau_Na", "regulate", "form", "tau_m", "reference_window_ms", "allow_negative"]) else {
            return nil
        }
        let target: Target
        switch h["Ca_target"] {
        case nil: throw f.fail("homeostasis.Ca_target", "missing (a number, or \"reference\")")
        case let s as String:
            guard s == "reference" else { throw f.fail("homeostasis.Ca_target", "must be a number or \"reference\", got '\(s)'") }
            target = .reference(window: try f.window(h["reference_window_ms"], "homeostasis.reference_window_ms") ?? 3000...15000)
        default:
            target = .value(try f.number(h["Ca_target"], "homeostasis.Ca_target")!)
            if h["reference_window_ms"] != nil { throw f.fail("homeostasis.reference_window_ms", "only with \"Ca_target\": \"reference\"") }
        }
        let regulate = try f.strings(h["regulate"], "homeostasis.regulate")
        let form: Form
        switch try f.string(h["form"], "homeostasis.form") ?? "paper" {
        case "paper":
            if h["tau_m"] != nil { throw f.fail("homeostasis.tau_m", "only with \"form\": \"oleary\" (the paper's form derives τ_X from τ_Na)") }
            form = .paper(tauNa: try f.positive(h["tau_Na"], "homeostasis.tau_Na") ?? 600)
        case "oleary":
            if h["tau_Na"] != nil { throw f.fail("homeostasis.tau_Na", "only with \"form\": \"paper\"; give tau_m per channel") }
            guard let t = try f.object(h["tau_m"], "homeostasis.tau_m"), !t.isEmpty else {
                throw f.fail("homeostasis.tau_m", "missing: the O'Leary form needs τ_m (ms) for every regulated channel")
            }
            var taus: [String: Double] = [:]
            for k in t.keys.sorted() { taus[k] = try f.positive(t[k], "homeostasis.tau_m.\(k)")! }
            if let regulate, Set(regulate) != Set(taus.keys) {
                throw f.fail("homeostasis.regulate", "must name the same channels as tau_m (\(taus.keys.sorted().joined(separator: ", ")))")
            }
            form = .oleary(tauM: taus)
        case let other: throw f.fail("homeostasis.form", "unknown form '\(other)' (known: paper, oleary)")
        }
        return HomeostasisDeclaration(form: form, regulated: regulate, tauG: try f.positive(h["tau_g"], "homeostasis.tau_g") ?? 100,
                                      target: target, allowsNegativeConductance: try f.bool(h["allow_negative"], "homeostasis.allow_negative"))
    }
}
