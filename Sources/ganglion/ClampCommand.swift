import ArgumentParser
import Foundation
import Ganglion

struct ClampCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clamp",
        abstract: "Voltage-clamp steps on a model: current traces, peak and steady-state I–V curves, steady-state gating (CSV and SVG).",
        discussion: """
            An ideal clamp holds V at the command (dV/dt = 0) while every other state evolves. The cell rests at the
            holding potential, then each step starts from that held state. I_clamp = Σ I_ion + I_leak − I_app
            (µA/cm², positive into the cell); channel currents outward positive. Writes traces.csv, iv.csv,
            traces.svg, iv.svg and gating.svg to --out (PNG or PDF with --figure-format).
            """)

    @Argument(help: "Model file (JSON), or a named model: stg-spiking, stg-bursting, stg-doc-800.") var model: String
    @Option(parsing: .unconditional, help: "Holding potential (mV).") var hold: Double = -80
    @Option(parsing: .unconditional, help: "Command potentials START:END:STEP (mV), e.g. -80:40:10.") var steps: String
    @Option(name: .customLong("duration-per-step"), parsing: .unconditional, help: "Duration of each step (ms); the steady state is its end.")
    var durationPerStep: Double = 1000
    @Option(name: .customLong("hold-duration"), parsing: .unconditional, help: "Time held at --hold before the steps, from the resting state there (ms).")
    var holdDuration: Double = 1000
    @Option(name: .customLong("sample-interval"), parsing: .unconditional, help: "Sample spacing the peaks are found in (ms).")
    var sampleInterval: Double = 0.05
    @Option(name: .customLong("trace-interval"), parsing: .unconditional, help: "Row spacing of traces.csv (ms), a multiple of --sample-interval.")
    var traceInterval: Double = 1
    @Option(help: "Integrator: cvode-bdf, cvode-adams, exp-euler, rk4.") var solver: SolverChoice = .cvodeBDF
    @Option(parsing: .unconditional, help: "Fixed step (ms) for exp-euler and rk4.") var dt: Double?
    @Option(parsing: .unconditional, help: "CVODE relative tolerance.") var rtol: Double = 1e-6
    @Option(parsing: .unconditional, help: "CVODE absolute tolerance of V (mV); Ca and gates get 1/10 and 1/1000 of it (default: as simulate).")
    var atol: Double?
    @Flag(name: .customLong("exact-rates"), help: "Compute every gate's x∞ and τ exactly instead of reading voltage tables.") var exactRates = false
    @Option(help: "Output folder (default out/<model>-clamp).") var out: String?

    @Option(name: .customLong("figure-format"), help: "Figure format: svg, png or pdf.") var figureFormat: FigureFormat = .svg
    @OptionGroup var figureOptions: FigureOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        output.apply()
        guard let commands = ladder(from: stepValues.0, to: stepValues.1, step: stepValues.2) else {
            throw fail("--steps '\(steps)': expected START:END:STEP in mV with END ≥ START and STEP > 0")
        }
        if let dt, !(dt.isFinite && dt > 0) { throw fail("--dt \(dt): must be > 0 ms") }
        let neuron: NeuronDescription
        do { neuron = try ModelFile.loadAny(model) } catch { throw fail("\(error)") }
        var p = VoltageClampProtocol(neuron: neuron, holdingPotential: hold, commands: commands)
        p.stepDuration = durationPerStep
        p.holdDuration = holdDuration
        p.sampleInterval = sampleInterval
        p.traceInterval = traceInterval
        p.solverSettings = SolverSettings(method: solver, rtol: rtol, atol: atol, dt: dt, exactRates: exactRates)
        let folder = out ?? "out/\(neuron.name)-clamp"
        let tables = ["traces.csv", "iv.csv"].map { folder + "/" + $0 }
        let figures = ["traces", "iv", "gating"].map { folder + "/" + $0 + "." + figureFormat.rawValue }
        let files = tables + figures
        for f in files { try checkOutputs(f) }
        let style = try figureOptions.style()
        let result: VoltageClampResult
        do { result = try runVoltageClamp(p) } catch { throw fail(error.description) }
        for (file, text) in zip(tables, [result.tracesCSV, result.curvesCSV]) {
            do { try AtomicFileWriter.write(Data(text.utf8), to: file) } catch { throw fail("\(file): \(error)") }
        }
        for (file, var figure) in zip(figures, [result.tracesFigure, result.ivFigure, result.gatingFigure]) {
            figure.style = style
            try writeFigure(figure.render(), to: file, format: figureFormat)
        }
        print("V_mV   I_clamp peak   I_clamp ss   (µA/cm², holding \(String(format: "%g", hold)) mV)")
        for s in result.steps { print(String(format: "%6g  %13.6g  %11.6g", s.command, s.peakClamp, s.steadyClamp)) }
        printErr("wrote " + files.joined(separator: ", "))
    }

    /// --steps as (start, end, step); NaN where a part is not a number.
    var stepValues: (Double, Double, Double) {
        let p = steps.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) ?? .nan }
        return p.count == 3 ? (p[0], p[1], p[2]) : (.nan, .nan, .nan)
    }
}
