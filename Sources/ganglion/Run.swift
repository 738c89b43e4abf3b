import ArgumentParser
import Foundation
import Ganglion

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an experiment file (cell, homeostasis, protocol, outputs); writes summary.json and the trace.")

    @Argument(help: "Experiment file (JSON; Docs/experiment-files.md).") var experiment: String
    @Option(help: "Output folder (default out/<experiment name>).") var out: String?
    @Flag(help: "No progress on stderr.") var quiet = false

    func run() throws {
        let e: Experiment
        do { e = try Experiment.load(experiment) } catch { throw fail("\(error)") }
        let folder = out ?? "out/\(e.name)"
        var request = e.request
        if e.traceInterval != nil { request.tracePath = folder + "/trace.csv" }
        request.shouldStop = installInterruptHandler()
        if !quiet, isatty(STDERR_FILENO) != 0 {
            request.progress = progressReporter(duration: request.duration)
        }
        let report: SimulationReport
        do { report = try simulate(request) } catch {
            if request.progress != nil { printErr("") }
            throw fail("\(experiment): \(error.description)")
        }
        if request.progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        var summary = report.jsonObject
        summary["experiment"] = e.name
        summary["experiment_file"] = experiment
        summary["windows"] = report.windowFeatures.map { w -> [String: Any] in
            var o = w.features.jsonObject
            o["window_ms"] = [w.window.lowerBound, w.window.upperBound]
            o["mean_ca"] = w.meanCalcium as Any
            return o
        }
        summary["events"] = request.events.map { ["t_ms": $0.time, "event": $0.summary] as [String: Any] }
        do {
            let w = try AtomicFileWriter(path: folder + "/summary.json")
            try w.write(JSONOutput.string(summary, pretty: true) + "\n")
            try w.commit()
        } catch { throw fail("\(error)") }
        print("\(e.name): \(report.features.pattern.rawValue) in \(report.window.lowerBound)–\(report.window.upperBound) ms; "
              + "\(report.windowFeatures.count) window(s); wrote \(folder)/summary.json" + (report.tracePath.map { " and \($0)" } ?? ""))
    }
}
