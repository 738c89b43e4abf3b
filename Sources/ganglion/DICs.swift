import ArgumentParser
import Foundation
import Ganglion

struct DICs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dics",
        abstract: "Dynamic input conductances g_f, g_s, g_u of a model, its threshold and sensitivity matrix.")

    @Argument(help: "Model file (JSON) or named model.") var model: String
    @Option(parsing: .unconditional, help: "Voltage (mV) at which to report the DICs and S. Default: the threshold.") var at: Double?
    @Option(help: "Threshold definition: grid (the paper's) or exact (bisection).") var threshold: ThresholdMethod = .grid
    @Option(parsing: .unconditional, help: "DIC curve START:END:STEP (mV), written to --out as CSV (V_mV,gf,gs,gu,gin).") var curve: String?
    @Option(help: "CSV file for --curve.") var out: String?
    @Flag(help: "Print exactly one JSON object on stdout.") var json = false
    @Flag(help: "With --curve: also draw g_f, g_s, g_u over V ranged around the threshold, V_th marked (the CSV's name with .svg, or --figure-format's extension).") var plot = false
    @Option(help: "With --plot: targets drawn as reference lines, e.g. gs=-8,gu=4 (dimensionless, per g_leak).") var target: String?
    @Option(name: .customLong("figure-format"), help: "With --plot: svg (default), png or pdf (PNG and PDF need rsvg-convert).") var figureFormat: FigureFormat = .svg

    @OptionGroup var figureOptions: FigureOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        output.apply()
        let neuron: NeuronDescription
        do { neuron = try ModelFile.loadAny(model) } catch { throw fail("\(error)") }
        let calc: DICCalculator
        do { calc = try DICCalculator(neuron) } catch { throw fail("\(model): \(error)") }
        if let at, !(at > -150 && at < 100) { throw fail("--at \(at): voltage outside the models' range −150…100 mV") }
        if plot, curve == nil { throw fail("--plot needs --curve START:END:STEP and --out FILE.csv") }
        var curvePoints: [(V: Double, f: Double, s: Double, u: Double)] = []
        if let curve {
            guard let out else { throw fail("--curve needs --out FILE.csv") }
            let p = curve.split(separator: ":").compactMap { Double($0) }
            guard p.count == 3, p[2] > 0, p[1] > p[0], p[0] > -150, p[1] < 100, (p[1] - p[0]) / p[2] <= 1e6 else {
                throw fail("--curve '\(curve)': expected START:END:STEP in mV with END > START, STEP > 0, inside −150…100 mV")
            }
            do {
                let w = try CSVTraceWriter(path: out, columns: ["V_mV", "gf", "gs", "gu", "gin"])
                let n = Int(((p[1] - p[0]) / p[2] + 1e-9).rounded(.down))
                for i in 0...n {
                    let V = p[0] + Double(i) * p[2]
                    let d = calc.dics(at: V)
                    curvePoints.append((V, d.gf, d.gs, d.gu))
                    try [d.gf, d.gs, d.gu, d.gin].withUnsafeBufferPointer { try w.write(time: V, values: $0) }
                }
                try w.commit()
            } catch { throw fail("\(error)") }
        }
        let th: Threshold?
        var thresholdError: String?
        do { th = try calc.threshold(threshold) } catch { th = nil; thresholdError = error.description }
        guard let V = at ?? th?.V else {
            throw fail("\(model): \(thresholdError ?? "no threshold"); give a voltage with --at")
        }
        if plot, let out {
            var gs: Double?, gu: Double?
            for pair in (target ?? "").split(separator: ",") {
                let kv: [String] = pair.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, let v = Double(kv[1]), v.isFinite, kv[0] == "gs" || kv[0] == "gu" else {
                    throw fail("--target '\(target ?? "")': expected gs=VALUE,gu=VALUE (dimensionless, per g_leak)")
                }
                if kv[0] == "gs" { gs = v } else { gu = v }
            }
            let figure = DICPlot.figure(model: neuron.name, curve: curvePoints, threshold: th?.V, gsTarget: gs, guTarget: gu,
                                        style: try figureOptions.style())
            let stem: String = out.hasSuffix(".csv") ? String(out.dropLast(4)) : out
            let path: String = stem + "." + figureFormat.rawValue
            try writeFigure(figure.render(), to: path, format: figureFormat)
            if !json { printErr("wrote \(path)") }
        } else if target != nil {
            throw fail("--target draws reference lines on the figure: give --plot")
        }
        let d = calc.dics(at: V)
        let S = calc.sensitivity(at: V)
        let gl = neuron.leakConductance
        let atThreshold = th.map { calc.dics(at: $0.V) }
        if json {
            var o: [String: Any] = [
                "model": neuron.name, "V": V, "gf": d.gf, "gs": d.gs, "gu": d.gu,
                "S": ["rows": ["f", "s", "u"], "columns": S.channels,
                      "values": [S.f.map { $0 / gl }, S.s.map { $0 / gl }, S.u.map { $0 / gl }]] as [String: Any],
            ]
            o["threshold"] = th.map { ["method": $0.method, "V": $0.V] as [String: Any] } ?? ["method": threshold.rawValue, "V": NSNull(), "error": thresholdError ?? ""]
            o["at_threshold"] = atThreshold.map { ["gf": $0.gf, "gs": $0.gs, "gu": $0.gu] as [String: Any] } ?? NSNull()
            if let out, curve != nil { o["curve"] = out }
            print(JSONOutput.string(o))
        } else {
            print("model        \(neuron.name)")
            if let th { print(String(format: "threshold    %.6f mV (%@)", th.V, th.method)) } else { print("threshold    none — \(thresholdError ?? "")") }
            print(String(format: "at V = %.4f mV:  g_f = %.6g   g_s = %.6g   g_u = %.6g   (g_in = %.6g)", V, d.gf, d.gs, d.gu, d.gin))
            print("S(V) / g_leak:")
            print("     " + S.channels.map { $0.padding(toLength: 13, withPad: " ", startingAt: 0) }.joined())
            for (name, row) in [("f", S.f), ("s", S.s), ("u", S.u)] {
                print("  \(name)  " + row.map { String(format: "%-13.6g", $0 / gl) }.joined())
            }
            if let out, curve != nil { print("curve        \(out)") }
        }
    }
}

extension ThresholdMethod: ExpressibleByArgument {}
