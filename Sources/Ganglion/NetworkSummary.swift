extension NetworkExperiment {
    /// The run's `summary.json` object: the report (per window and cell the features, onsets, period, phase and
    /// locking; the solver; provenance) with the network's name, profile, input file, run id, duration, cells,
    /// synapses, gap junctions and protocol events.
    public func summaryObject(report: NetworkReport, file: String, runID: String?) -> [String: Any] {
        var summary = report.jsonObject
        summary["network"] = name
        summary["profile"] = profile.rawValue
        summary["file"] = file
        if let runID { summary["run_id"] = runID }
        summary["duration_ms"] = request.duration
        summary["cells"] = request.network.cells.map(\.name)
        summary["synapses"] = request.network.synapses.map(\.summary)
        summary["electrical"] = request.network.electricalSynapses.map { "\($0.a) ~ \($0.b) (\($0.conductance) mS/cm²)" }
        summary["events"] = request.events.map(describe)
        return summary
    }

    /// An event as the summary lists it: what it does and the cells it addresses.
    public func describe(_ ev: NetworkEvent) -> String {
        let cells = ev.cells.map { request.network.cells[$0].name }.joined(separator: ", ")
        switch ev.action {
        case .cell(let a): return ProtocolEvent(time: ev.time, action: a).summary + " [\(cells)]"
        case .startHomeostasis(let initial): return "t = \(ev.time) ms: homeostasis on (m from \(initial ? "ḡ(0)" : "ḡ(t)")) [\(cells)]"
        }
    }
}
