import ArgumentParser
import Foundation
import Ganglion

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate one neuron, write its trace (CSV) and print its firing summary.")

    @Argument(help: "Model file (JSON), or a named model: stg-spiking, stg-bursting, stg-doc-800.")
    var model: String
    @Argument(help: "With --plot, the figure: trace (default; OUT with .svg) or phase (V against dV/dt from the right-hand side at every sample, OUT with -phase.svg; records dVdt).")
    var figure: SimulateFigure?
    @Option(parsing: .unconditional, help: "Simulated duration (ms).") var duration: Double
    @Option(name: .customLong("dt-out"), parsing: .unconditional, help: "Output sample spacing (ms); default 0.1, 0.01 with --plot phase.")
    var dtOutOption: Double?
    @Option(help: "Trace file to write (CSV, or NWB with --format nwb or a .nwb name); missing folders are created.") var out: String?
    @Option(help: "Trace format: csv or nwb (Neurodata Without Borders 2; default from --out's extension, else csv).")
    var format: TraceFormat?
    @Option(help: "Integrator: cvode-bdf, cvode-adams, exp-euler, rk4.") var solver: SolverChoice = .cvodeBDF
    @Option(parsing: .unconditional, help: "Fixed step (ms) for exp-euler (default 0.05) and rk4 (default 0.0015).") var dt: Double?
    @Option(parsing: .unconditional, help: "CVODE relative tolerance.") var rtol: Double = 1e-6
    @Option(parsing: .unconditional, help: "CVODE absolute tolerance of V (mV); Ca and gates get 1/10 and 1/1000 of it. Default 1e-3·rtol/1e-6, at most 0.1 mV (from rtol 1e-4 up).")
    var atol: Double?
    @Option(name: .customLong("max-step"), parsing: .unconditional, help: "CVODE maximum step (ms).") var maxStep: Double?
    @Option(name: .customLong("linear-solver"), help: "CVODE Newton linear solver: structured or dense.")
    var linearSolver: CVODEOptions.LinearSolver = .structured
    @Flag(name: .customLong("exact-rates"), help: "Compute every gate's x∞ and τ exactly instead of reading voltage tables (interpolation error < 1e-8): exp-euler's updates, and CVODE's right-hand side at rtol ≥ 1e-8.")
    var exactRates = false
    @Flag(name: .customLong("sundials-step-bounds"), help: "CVODE keeps SUNDIALS' fixed-step bounds (0, 1.5) instead of Ganglion's (0.9, 1.1) (more rejected steps; see Docs/cvode.md, 'Step-size changes').")
    var sundialsStepBounds = false
    @Option(help: "Analysis window START:END (ms). Default: with --event, each segment between events after --settling, the last one's as the main result; without, 3000 to the end (the whole run if shorter).")
    var window: String?
    @Option(parsing: .unconditional, help: "With --event: settling time (ms) at the start of each segment between events, left out of its analysis (at most half the segment).")
    var settling: Double = 1000
    @Option(help: "Extra trace columns: gates, currents, or names such as CaS.m, I_KCa (comma-separated).")
    var record: String?
    @Option(help: ArgumentHelp("Protocol event TIME:ACTION (repeatable): block:CH[:FRACTION], unblock:CH, current:I, set:CH:G, ca-target:C, clamp:V (ideal voltage clamp at V mV), release (of the clamp).",
                               discussion: "e.g. --event 2000:block:H --event 6000:unblock:H --event 8000:current:0.5 --event 9000:clamp:-40 --event 9500:release"))
    var event: [String] = []
    @Option(help: "Calcium homeostasis (Docs/science/controllers.md §1, the paper's form) with this Ca target, e.g. 125 (STG) or 3 (DA).")
    var homeostasis: Double?
    @Option(help: "Conductances regulated by --homeostasis, comma-separated (default: every channel and the leak).")
    var regulate: String?
    @Option(name: .customLong("tau-g"), parsing: .unconditional, help: "Homeostasis τ_g (ms).") var tauG: Double = 100
    @Option(name: .customLong("tau-na"), parsing: .unconditional, help: "Homeostasis τ_Na (ms); τ_X = τ_Na ḡ_Na(0)/ḡ_X(0).") var tauNa: Double = 600
    @Flag(help: "Print exactly one JSON object on stdout.") var json = false
    @Flag(help: "No progress on stderr.") var quiet = false
    @Flag(help: "Also plot the trace (needs --out): OUT with .svg, protocol events marked; `--plot phase`: the phase plane instead.") var plot = false

    @OptionGroup var figureOptions: FigureOptions
    @OptionGroup var output: OutputOptions

    /// The output sample spacing (ms): --dt-out, or finer for a phase plane.
    var dtOut: Double { dtOutOption ?? (figure == .phase ? 0.01 : SimulationRequest.defaultOutputInterval) }

    func run() throws {
        output.apply()
        let started = Date()
        if let figure, !plot { throw fail("'\(figure.rawValue)' names a figure of --plot: give --plot \(figure.rawValue)") }
        guard duration.isFinite, duration > 0 else { throw fail("--duration \(duration): must be a finite number of ms > 0") }
        guard dtOut.isFinite, dtOut > 0 else { throw fail("--dt-out \(dtOut): must be > 0 ms") }
        if let dt, !(dt.isFinite && dt > 0) { throw fail("--dt \(dt): must be > 0 ms") }
        if dt != nil, solver == .cvodeBDF || solver == .cvodeAdams {
            throw fail("--dt applies to the fixed-step solvers (exp-euler, rk4); CVODE chooses its own steps (see --max-step)")
        }
        guard rtol.isFinite, rtol > 0, rtol < 1 else { throw fail("--rtol \(rtol): must be in (0, 1)") }
        if let atol, !(atol.isFinite && atol > 0) { throw fail("--atol \(atol): must be > 0") }
        var neuron: NeuronDescription
        do { neuron = try ModelFile.loadAny(model) } catch { throw fail("\(error)") }
        if let target = homeostasis {
            let names = regulate.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            do {
                neuron.homeostasis = try Homeostasis.paper(neuron, regulated: names, tauNa: tauNa, tauG: tauG, calciumTarget: target)
                try neuron.validate()
            } catch { throw fail("--homeostasis: \(error)") }
        } else if regulate != nil {
            throw fail("--regulate needs --homeostasis CA_TARGET")
        }
        var request = SimulationRequest(neuron: neuron, duration: duration)
        request.outputInterval = dtOut
        request.solverSettings = SolverSettings(method: solver, rtol: rtol, atol: atol, dt: dt, maxStep: maxStep, linearSolver: linearSolver,
                                                exactRates: exactRates, sundialsStepBounds: sundialsStepBounds)
        noteStep(dt, outputInterval: dtOut)
        request.window = try parseWindow(window)
        guard settling.isFinite, settling >= 0 else { throw fail("--settling \(settling): must be a finite number of ms ≥ 0") }
        request.segmentSettling = settling
        let traceFormat = TraceFormat.resolve(format, path: out)
        if traceFormat == .nwb, out == nil { throw fail("--format nwb needs --out FILE.nwb") }
        request.tracePath = out
        let svgPath = plot ? out.map { ($0.hasSuffix(".csv") || $0.hasSuffix(".nwb") ? String($0.dropLast(4)) : $0) + (figure == .phase ? "-phase.svg" : ".svg") } : nil
        try checkOutputs(out, svgPath)
        request.record = record.map(RecordItem.parseList) ?? []
        if figure == .phase {
            guard traceFormat == .csv else { throw fail("--plot phase draws from a CSV trace: give --out FILE.csv") }
            if !request.record.contains(.voltageDerivative) { request.record.append(.voltageDerivative) }
        }
        request.events = try event.map(parseEvent)
        if traceFormat == .nwb {
            // NWB is written directly while the run goes; the solver and its statistics are added when it ends.
            let modelFile = FileManager.default.fileExists(atPath: model) ? model : nil
            var m = nwbMetadata(description: "Ganglion: \(neuron.name) simulated for \(duration) ms (\(solver.rawValue))",
                                model: ModelFile.jsonObject(neuron, source: modelFile),
                                protocol: ["events": request.events.map { ["time_ms": $0.time, "action": $0.summary] as [String: Any] },
                                           "dt_out_ms": dtOut],
                                solver: nil, input: modelFile, started: started)
            m.subject.subjectID = neuron.name
            request.traceFormat = .nwb(NWBTraceOptions(metadata: m))
        }
        if !quiet, isatty(STDERR_FILENO) != 0 {
            request.progress = progressReporter(duration: duration)
        }
        request.shouldStop = installInterruptHandler()
        var report: SimulationReport
        do { report = try simulate(request) } catch {
            if request.progress != nil { printErr("") }
            if interruptRequested.load(ordering: .relaxed) {
                printErr("interrupted at t = \(error.solverError?.time ?? 0) ms\(error.partialTracePath.map { "; the trace computed so far is in \($0)" } ?? "")")
                throw ExitCode(130)
            }
            throw fail(error.description)
        }
        if request.progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if plot, figure == .phase {
            guard let out, let svg = svgPath else { throw fail("--plot phase needs --out (the trace to plot)") }
            let phase: SVGFigure
            do {
                phase = try PhasePlanePlot.figure(csv: out, window: report.window, title: "\(modelTitleName(report.model)): phase plane, \(report.window.lowerBound / 1000)–\(report.window.upperBound / 1000) s, \(solver.rawValue)")
            } catch { throw fail("\(error)") }
            do { try AtomicFileWriter.write(Data(phase.render().utf8), to: svg) } catch { throw fail("\(svg): \(error)") }
            if !json { printErr("wrote \(svg)") }
        } else if plot {
            guard let out else { throw fail("--plot needs --out (the trace to plot)") }
            let svg = (out.hasSuffix(".csv") || out.hasSuffix(".nwb") ? String(out.dropLast(4)) : out) + ".svg"
            let csv = traceFormat == .nwb ? try temporaryCSV(fromNWB: out).csv : out
            defer { if csv != out { unlink(csv) } }
            let calciumTarget: Double? = neuron.homeostasis == nil ? nil : homeostasis
            let context = FigureContext(model: modelTitleName(report.model), events: request.events, calciumTarget: calciumTarget)
            let what: String = "membrane potential, " + Axis.label(duration / 1000) + " s, " + solver.rawValue
            try writePlot(csv: csv, to: svg, title: context.title(what),
                          markers: context.markers, context: context, style: try figureOptions.style())
            if !json { printErr("wrote \(svg)") }
        }
        if json {
            print(JSONOutput.string(report.jsonObject))
        } else {
            print(readable(report))
        }
    }

    func readable(_ r: SimulationReport) -> String {
        var lines = ["model            \(r.model)"]
        if !r.segments.isEmpty {
            lines.append("segments         between protocol events, each analysed after \(String(format: "%g", settling)) ms of settling (at most half the segment):")
            lines += r.segments.map { "  " + $0.readableLine }
            lines.append(window == nil ? "last segment, window \(r.window.lowerBound)–\(r.window.upperBound) ms:"
                                       : "window           \(r.window.lowerBound)–\(r.window.upperBound) ms (--window, across the events)")
        } else {
            lines.append("window           \(r.window.lowerBound)–\(r.window.upperBound) ms")
        }
        lines.append(r.features.readableSummary)
        if let ca = r.meanCalcium { lines.append(String(format: "mean Ca          %.4f", ca)) }
        let s = r.statistics
        var solverLine = "solver           \(r.solverName)"
        if let rtol = r.rtol { solverLine += "  rtol \(rtol)" }
        if let dt = r.dt { solverLine += "  dt \(dt) ms" }
        solverLine += "  steps \(s.steps)  rhs \(s.rhsEvaluations)"
        lines.append(solverLine)
        lines.append(String(format: "wall time        %.1f ms (%.0f× real time)", r.wallMilliseconds, r.duration / r.wallMilliseconds))
        if let p = r.tracePath { lines.append("trace            \(p)") }
        return lines.joined(separator: "\n")
    }
}

/// Parses `TIME:ACTION` (`2000:block:H`, `2000:block:H:0.5`, `5000:unblock:H`, `1000:current:0.5`,
/// `1000:ramp:2:3000` (to 2 µA/cm² at 3000 ms), `3000:set:CaS:10`, `4000:clamp:-40` (mV), `5000:release`).
func parseEvent(_ text: String) throws(ExitCode) -> ProtocolEvent {
    let p = text.split(separator: ":").map(String.init)
    func bad(_ why: String) -> ExitCode { fail("--event '\(text)': \(why); expected TIME:block:CH[:FRACTION], TIME:unblock:CH, TIME:current:I, TIME:ramp:I:END, TIME:ca-target:V, TIME:set:CH:G, TIME:clamp:V or TIME:release") }
    guard p.count >= 2, let t = Double(p[0]) else { throw bad("no time") }
    switch (p[1], p.count) {
    case ("block", 3): return ProtocolEvent(time: t, action: .block(channel: p[2], fraction: 0))
    case ("block", 4):
        guard let f = Double(p[3]) else { throw bad("fraction '\(p[3])' is not a number") }
        return ProtocolEvent(time: t, action: .block(channel: p[2], fraction: f))
    case ("unblock", 3): return ProtocolEvent(time: t, action: .unblock(channel: p[2]))
    case ("current", 3):
        guard let i = Double(p[2]) else { throw bad("current '\(p[2])' is not a number") }
        return ProtocolEvent(time: t, action: .appliedCurrent(i))
    case ("ca-target", 3):
        guard let v = Double(p[2]) else { throw bad("target '\(p[2])' is not a number") }
        return ProtocolEvent(time: t, action: .calciumTarget(v))
    case ("ramp", 4):
        guard let i = Double(p[2]), let end = Double(p[3]) else { throw bad("ramp needs a current and an end time") }
        return ProtocolEvent(time: t, action: .ramp(to: i, end: end))
    case ("set", 4):
        guard let g = Double(p[3]) else { throw bad("conductance '\(p[3])' is not a number") }
        return ProtocolEvent(time: t, action: .setConductance(channel: p[2], value: g))
    case ("clamp", 3):
        guard let v = Double(p[2]) else { throw bad("command potential '\(p[2])' is not a number") }
        return ProtocolEvent(time: t, action: .clamp(v))
    case ("release", 2): return ProtocolEvent(time: t, action: .releaseClamp)
    default: throw bad("unknown action")
    }
}

extension Simulate {
    /// The model's name for a figure title, with what its file's `source` says was done to it.
    func modelTitleName(_ name: String) -> String {
        guard FileManager.default.fileExists(atPath: model), let data = FileManager.default.contents(atPath: model),
              let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return name }
        return FigureContext.modelName(name, source: o["source"] as? String)
    }
}

/// The figures `simulate --plot` draws.
enum SimulateFigure: String, ExpressibleByArgument, CaseIterable {
    case trace, phase
}
