import Foundation
import Ganglion

/// The answers sent to the page, as JSON text. Long number arrays (the trace, the DIC curves) are written
/// directly with a few significant digits — they are drawn, not read back; every other number keeps its full
/// precision (`JSONOutput`).
enum ExploreJSON {
    /// The answer to one update: `{"type": "result", "seq", "model", "conductances", "blocked", "current",
    /// "compensation", "features", "window_ms", "mean_ca", "threshold_mV", "at_threshold", "trace": {"t", "V",
    /// "Ca"}, "dics": {"V", "gf", "gs", "gu", "y_range"}, "compute_ms", "simulation_ms", "solver"}`.
    static func result(_ u: ExploreUpdate) -> String {
        var o: [String: Any] = [
            "type": "result", "seq": u.state.sequence, "model": u.state.model,
            "blocked": u.state.blocked.sorted(), "current": u.neuron.appliedCurrent,
            "features": u.report.features.jsonObject.filter { $0.key != "pattern_rule" },
            "pattern_rule": u.report.features.rule,
            "window_ms": [u.report.window.lowerBound, u.report.window.upperBound],
            "duration_ms": u.report.duration,
            "mean_ca": u.report.meanCalcium as Any,
            "compute_ms": u.computeMilliseconds, "simulation_ms": u.simulationMilliseconds,
            "solver": "\(u.report.solverName)\(u.report.dt.map { ", dt \($0) ms" } ?? "")",
        ]
        var g: [String: Any] = [:]
        for c in u.neuron.conductanceNames { g[c] = u.neuron.gbar(c)! }
        o["conductances"] = g
        if let c = u.compensation {
            o["compensation"] = [
                "V": c.V, "solved": c.solved, "residual": c.residual, "method": c.method,
                "achieved": ["gf": c.achieved.gf, "gs": c.achieved.gs, "gu": c.achieved.gu],
            ] as [String: Any]
        }
        o["threshold_mV"] = u.dics.threshold as Any
        if let d = u.dics.atThreshold { o["at_threshold"] = ["gf": d.gf, "gs": d.gs, "gu": d.gu] }
        if let e = u.dics.error { o["dic_error"] = e }
        var text = JSONOutput.string(o)
        text.removeLast()   // the closing brace: the arrays follow
        let env = u.report.envelope ?? TraceEnvelope()
        text += ",\"trace\":{\"t\":" + numbers(env.time, digits: 2) + ",\"V\":" + numbers(env.voltage, digits: 2)
            + ",\"Ca\":" + numbers(env.calcium, digits: 4) + "}"
        let p = u.dics.points
        let y = DICPlot.yRange(p, threshold: u.dics.threshold, targets: u.state.targets.map { [$0.gs, $0.gu] } ?? [])
        text += ",\"dics\":{\"V\":" + numbers(p.map(\.V), digits: 2) + ",\"gf\":" + numbers(p.map(\.f), digits: 4)
            + ",\"gs\":" + numbers(p.map(\.s), digits: 4) + ",\"gu\":" + numbers(p.map(\.u), digits: 4)
            + ",\"y_range\":[\(y.lowerBound),\(y.upperBound)]}}"
        return text
    }

    /// An error answer: `{"type": "error", "seq", "error"}`.
    static func error(_ message: String, sequence: Int?) -> String {
        JSONOutput.string(["type": "error", "seq": sequence as Any, "error": message] as [String: Any])
    }

    /// A JSON array of numbers rounded to `digits` decimals; non-finite values become null.
    static func numbers(_ values: [Double], digits: Int) -> String {
        let scale = pow(10, Double(digits))
        var out = "["
        out.reserveCapacity(values.count * (digits + 6))
        for (k, x) in values.enumerated() {
            if k > 0 { out += "," }
            guard x.isFinite else { out += "null"; continue }
            let r = (x * scale).rounded()
            if abs(r) < 9e15 {
                // Integer arithmetic: no binary-to-decimal noise.
                let i = Int64(r), whole = abs(i) / Int64(scale), frac = abs(i) % Int64(scale)
                if i < 0 { out += "-" }
                out += String(whole)
                if frac != 0 {
                    var f = String(frac)
                    f = String(repeating: "0", count: digits - f.count) + f
                    while f.hasSuffix("0") { f.removeLast() }
                    out += "." + f
                }
            } else {
                out += String(x)
            }
        }
        return out + "]"
    }

    /// The page's starting data for a model: `{"model", "models", "state", "channels", "family", "pair",
    /// "targets"}`.
    static func modelInfo(_ explorer: Explorer, model: String) throws(ExploreError) -> String {
        let state = try explorer.initialState(model: model)
        let n = try explorer.neuron(named: model)
        let family = NeuronKind.of(n)
        var o: [String: Any] = [
            "model": model, "models": explorer.modelNames, "channels": n.conductanceNames,
            "conductances": state.conductances, "current": state.current,
            "family": n.kind, "pair": family?.modulatedPair ?? [],
            "duration_ms": explorer.settings.duration, "window_ms": [explorer.settings.window.lowerBound, explorer.settings.window.upperBound],
        ]
        if let t = try? DICCalculator(n).threshold(.grid), let d = try? DICCalculator(n).dics(at: t.V) {
            o["targets"] = ["gs": d.gs, "gu": d.gu]
        }
        return JSONOutput.string(o)
    }
}
