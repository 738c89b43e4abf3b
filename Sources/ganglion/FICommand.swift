import ArgumentParser
import Foundation
import Ganglion

struct FICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fi",
        abstract: "f–I curve: the applied current stepped up and back down without reset (hysteresis shows as two branches); CSV and SVG.",
        discussion: """
            Each step is analysed after its transient (--transient): the firing rate is the spikes in the window per
            second, and the pattern and features are those of `simulate`'s analysis. Writes fi.csv and fi.svg to --out
            (PNG or PDF with --figure-format).
            """)

    @Argument(help: "Model file (JSON), or a named model: stg-spiking, stg-bursting, stg-doc-800.") var model: String
    @Option(parsing: .unconditional, help: "Applied currents START:END:STEP (µA/cm²), up then back down.") var currents: String
    @Option(name: .customLong("duration-per-step"), parsing: .unconditional, help: "Duration of each step (ms).")
    var durationPerStep: Double = 5000
    @Option(parsing: .unconditional, help: "Transient at the start of each step left out of its analysis (ms).") var transient: Double = 1000
    @Option(help: "Integrator: cvode-bdf, cvode-adams, exp-euler, rk4.") var solver: SolverChoice = .cvodeBDF
    @Option(parsing: .unconditional, help: "Fixed step (ms) for exp-euler and rk4.") var dt: Double?
    @Option(parsing: .unconditional, help: "CVODE relative tolerance.") var rtol: Double = 1e-6
    @Option(help: "Output folder (default out/<model>-fi).") var out: String?

    @Option(name: .customLong("figure-format"), help: "Figure format: svg, png or pdf.") var figureFormat: FigureFormat = .svg
    @OptionGroup var figureOptions: FigureOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        output.apply()
        let p = currents.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) ?? .nan }
        guard p.count == 3, let values = ladder(from: p[0], to: p[1], step: p[2]) else {
            throw fail("--currents '\(currents)': expected START:END:STEP in µA/cm² with END ≥ START and STEP > 0")
        }
        if let dt, !(dt.isFinite && dt > 0) { throw fail("--dt \(dt): must be > 0 ms") }
        let neuron: NeuronDescription
        do { neuron = try ModelFile.loadAny(model) } catch { throw fail("\(error)") }
        var request = FICurveProtocol(neuron: neuron, currents: values)
        request.stepDuration = durationPerStep
        request.transient = transient
        request.solverSettings = SolverSettings(method: solver, rtol: rtol, dt: dt)
        let folder = out ?? "out/\(neuron.name)-fi"
        let csv = folder + "/fi.csv", svg = folder + "/fi." + figureFormat.rawValue
        try checkOutputs(csv, svg)
        let style = try figureOptions.style()
        let result: FICurveResult
        do { result = try runFICurve(request) } catch { throw fail(error.description) }
        do { try AtomicFileWriter.write(Data(result.csv.utf8), to: csv) } catch { throw fail("\(csv): \(error)") }
        var figure = result.figure
        figure.style = style
        try writeFigure(figure.render(), to: svg, format: figureFormat)
        print("dir   I (µA/cm²)  rate (Hz)  pattern")
        for q in result.points {
            print(q.direction.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0) + String(format: "  %10g  %9.4g  ", q.current, q.rate)
                  + q.features.pattern.rawValue)
        }
        printErr("wrote \(csv), \(svg)")
    }
}
