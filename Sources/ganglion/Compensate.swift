import ArgumentParser
import Foundation
import Ganglion

/// Parses `gs=-8,gu=4`.
func parseTargets(_ text: String) throws(ExitCode) -> [DICName: Double] {
    var out: [DICName: Double] = [:]
    for part in text.split(separator: ",") {
        let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard kv.count == 2 else { throw fail("--target '\(part)': expected NAME=VALUE, e.g. gs=-8") }
        guard let name = DICName(rawValue: kv[0]) else {
            throw fail("--target: unknown DIC '\(kv[0])' (known: gf, gs, gu)")
        }
        guard let v = Double(kv[1]), v.isFinite else { throw fail("--target \(kv[0]): '\(kv[1])' is not a finite number") }
        guard out[name] == nil else { throw fail("--target: \(kv[0]) given twice") }
        out[name] = v
    }
    guard !out.isEmpty else { throw fail("--target: no targets given") }
    return out
}

/// Parses `--at V|threshold`.
func parseVoltage(_ text: String?, method: ThresholdMethod) throws(ExitCode) -> CompensationVoltage {
    guard let text, text != "threshold" else { return .threshold(method) }
    guard let v = Double(text), v.isFinite else { throw fail("--at '\(text)': expected a voltage in mV or 'threshold'") }
    return .value(v)
}

struct Compensate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve for conductances that give target DICs at a voltage (Docs/science/dics.md §5).")

    @Argument(help: "Model file (JSON) or named model.") var model: String
    @Option(help: "Unknown conductances, comma-separated (e.g. CaS,A).") var unknowns: String
    @Option(help: "Target DICs, comma-separated (e.g. gs=-8,gu=4).") var target: String
    @Option(parsing: .unconditional, help: "Voltage (mV) or 'threshold' (default).") var at: String?
    @Option(help: "Threshold definition when --at threshold: grid (the paper's) or exact.") var threshold: ThresholdMethod = .grid
    @Option(help: "exact (default), paper (the authors' linearised calcium path / DA leak row), or pnas (DA, NMDA out of S).")
    var variant: CompensationVariant = .exact
    @Option(help: "Write the compensated model to this file.") var out: String?
    @Flag(help: "Print exactly one JSON object on stdout.") var json = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        output.apply()
        let neuron: NeuronDescription
        do { neuron = try ModelFile.loadAny(model) } catch { throw fail("\(error)") }
        let targets = try parseTargets(target)
        let names = unknowns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let voltage = try parseVoltage(at, method: threshold)
        let r: CompensationResult
        do { r = try compensate(neuron, unknowns: names, targets: targets, at: voltage, variant: variant) } catch {
            throw fail("\(model): \(error)")
        }
        if let out {
            do {
                try ModelFile.write(r.neuron, to: out, source: "ganglion compensate \(model) --unknowns \(unknowns) --target \(target) --variant \(variant.rawValue)")
            } catch { throw fail("\(error)") }
        }
        if json {
            var o: [String: Any] = [
                "model": neuron.name, "V": r.V, "voltage": r.voltageMethod, "variant": r.variant.rawValue,
                "solved": r.solved, "method": r.method, "iterations": r.iterations,
                "targets": Dictionary(uniqueKeysWithValues: r.targets.map { ($0.key.rawValue, $0.value) }),
                "achieved": ["gf": r.achieved.gf, "gs": r.achieved.gs, "gu": r.achieved.gu],
                "residual": r.residual, "solver_residual": r.solverResidual,
            ]
            if let out { o["out"] = out }
            print(JSONOutput.string(o))
        } else {
            print("model        \(neuron.name)  (variant \(r.variant.rawValue), \(r.method), \(r.iterations) iteration(s))")
            print(String(format: "V            %.6f mV (%@)", r.V, r.voltageMethod))
            for n in names { print(String(format: "%-12@ %.12g mS/cm²", n, r.solved[n]!)) }
            print(String(format: "achieved     g_f = %.10g   g_s = %.10g   g_u = %.10g", r.achieved.gf, r.achieved.gs, r.achieved.gu))
            print(String(format: "residual     %.3g (exact DICs vs targets); solver residual %.3g", r.residual, r.solverResidual))
            if let out { print("wrote        \(out)") }
        }
    }
}

extension CompensationVariant: ExpressibleByArgument {}
