import Foundation

extension FiringFeatures {
    /// The features as JSON keys (`frequency_hz`, `burstiness_hz2`, …); unavailable metrics are `nil`; an
    /// `insufficient` train adds `insufficient`: what was counted, `seen` and `needed`.
    public var jsonObject: [String: Any] {
        var o: [String: Any] = [
            "spikes": spikeTimes.count,
            "frequency_hz": frequency as Any,
            "burstiness_hz2": burstiness as Any,
            "spikes_per_burst": spikesPerBurst as Any,
            "intraburst_hz": intraburstFrequency as Any,
            "interburst_hz": interburstFrequency as Any,
            "burst_period_ms": burstPeriod as Any,
            "duty_cycle": dutyCycle as Any,
            "pattern": pattern.rawValue,
            "pattern_rule": rule,
        ]
        if let e = evidence { o["insufficient"] = ["quantity": e.quantity, "seen": e.seen, "needed": e.needed] as [String: Any] }
        return o
    }

    /// A few readable lines.
    public var readableSummary: String {
        func f(_ x: Double?, _ digits: Int = 4) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "—" }
        var lines = ["pattern          \(pattern.rawValue)  (\(rule))",
                     "spikes           \(spikeTimes.count)",
                     "frequency        \(f(frequency)) Hz"]
        if pattern == .bursting {
            lines += ["spikes/burst     \(spikesPerBurst.map(String.init) ?? "—")",
                      "intraburst       \(f(intraburstFrequency)) Hz",
                      "interburst       \(f(interburstFrequency)) Hz  (1 / silent gap)",
                      "burst period     \(f(burstPeriod)) ms",
                      "duty cycle       \(f(dutyCycle))",
                      "burstiness       \(f(burstiness, 2)) Hz²"]
        }
        return lines.joined(separator: "\n")
    }
}

extension SimulationReport {
    /// The `--json` object of `ganglion simulate`.
    public var jsonObject: [String: Any] {
        var o = features.jsonObject
        o["model"] = model
        o["mean_ca"] = meanCalcium as Any
        o["window_ms"] = [window.lowerBound, window.upperBound]
        o["duration_ms"] = duration
        if !segments.isEmpty { o["segments"] = segments.map(\.jsonObject) }
        var solver = statistics.jsonObject
        solver["name"] = solverName
        solver["rtol"] = rtol as Any
        solver["atol"] = atol?["V"] as Any   // mV
        if let atol { solver["atol_per_state"] = atol }
        if let dt { solver["dt_ms"] = dt }
        o["solver"] = solver
        o["wall_ms"] = wallMilliseconds
        o["trace"] = tracePath as Any
        if !clampedTime.isEmpty { o["clamped_ms"] = clampedTime }
        if !clampedTime.isEmpty { o["zero_at_ms"] = zeroTimes }
        if let closestApproach {
            o["reference_closest_approach_ms"] = closestApproach.time
            o["reference_closest_approach_first_ms"] = closestApproach.first as Any
        }
        if !readouts.isEmpty {
            o["mechanism_readouts"] = readouts.map { r -> [String: Any] in
                ["window_ms": [r.window.lowerBound, r.window.upperBound], "mean": r.means,
                 "target": readoutTargets.filter { r.means[$0.key] != nil }]
            }
        }
        o["provenance"] = Provenance.current.jsonObject
        return o
    }

    /// The summary of an experiment run: the `--json` object plus the windows, the conductances at the
    /// requested times, the snapshots and the final conductances.
    public var experimentObject: [String: Any] {
        var o = jsonObject
        o["windows"] = windowFeatures.map { w -> [String: Any] in
            var f = w.features.jsonObject
            f["window_ms"] = [w.window.lowerBound, w.window.upperBound]
            f["mean_ca"] = w.meanCalcium as Any
            return f
        }
        o["conductances_at"] = conductanceSamples.map { ["t_ms": $0.time, "conductances": $0.conductances] as [String: Any] }
        o["snapshots"] = snapshots.map { s -> [String: Any] in
            var f = s.features.jsonObject
            f["t_ms"] = s.time
            f["mean_ca"] = s.meanCalcium as Any
            f["conductances"] = s.conductances
            if let e = s.error { f["error"] = e }
            return f
        }
        o["final_state"] = finalState
        if let r = resumedAt { o["resumed_at_ms"] = r }
        if let c = conductancesPath { o["conductances_file"] = c }
        return o
    }
}

extension SegmentResult {
    /// The segment as JSON: `start_ms`, `end_ms`, `began` (`start` or the events), `window_ms`, the features and `mean_ca`.
    public var jsonObject: [String: Any] {
        var o = features.jsonObject
        o["start_ms"] = span.lowerBound
        o["end_ms"] = span.upperBound
        o["began"] = began
        o["window_ms"] = [window.lowerBound, window.upperBound]
        o["mean_ca"] = meanCalcium as Any
        return o
    }

    /// One line: span, what began it, window and pattern with its main features.
    public var readableLine: String {
        func s(_ ms: Double) -> String { String(format: "%g", ms / 1000) }
        var line = "\(s(span.lowerBound))–\(s(span.upperBound)) s  after \(began)  (window \(s(window.lowerBound))–\(s(window.upperBound)) s): "
            + features.pattern.rawValue
        switch features.pattern {
        case .insufficient, .silent: line += "  (\(features.rule))"
        case .tonic, .irregular: line += features.frequency.map { String(format: "  %.3f Hz", $0) } ?? ""
        case .bursting:
            line += String(format: "  %.3f Hz, %d spikes/burst, period %.1f ms", features.frequency ?? .nan,
                           features.spikesPerBurst ?? 0, features.burstPeriod ?? .nan)
        }
        return line
    }
}

extension SolverStatistics {
    /// The counters as JSON (`steps`, `rhs_evals`, `jacobian_evals`, `linear_setups`, `error_test_failures`,
    /// `nonlinear_iterations`, `convergence_failures`), for the summaries.
    public var jsonObject: [String: Any] {
        ["steps": steps, "rhs_evals": rhsEvaluations, "jacobian_evals": jacobianEvaluations, "linear_setups": linearSolverSetups,
         "error_test_failures": errorTestFailures, "nonlinear_iterations": nonlinearIterations,
         "convergence_failures": nonlinearConvergenceFailures]
    }
}
