import ArgumentParser
import Foundation
import Ganglion

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a single-compartment NeuroML 2 cell with Hodgkin–Huxley channels as channel files, a family file and a model file.",
        discussion: """
        Writes OUT/channels/<channel>.json, OUT/family.json and OUT/<cell>.json, with every quantity in Ganglion's \
        units (mV, ms, mS/cm², µF/cm², calcium in µM). See Docs/import-neuroml.md for what is supported.
        """)

    @Argument(help: "NeuroML 2 file (.nml) holding the cell (and its channels, or <include>s of them).") var file: String
    @Option(help: "Output folder (default: a folder named after the cell, next to the input).") var out: String?
    @Option(help: "The cell to import when the file holds several (its id).") var cell: String?
    @Option(parsing: .unconditional, help: "Simulation temperature (°C) for q10ExpTemp factors (default: the file's network temperature).")
    var temperature: Double?
    @Flag(help: "Print exactly one JSON object on stdout.") var json = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        output.apply()
        if let temperature, !temperature.isFinite { throw fail("--temperature must be a finite number of °C") }
        let imported: NeuroMLCell
        do { imported = try NeuroMLReader(path: file, temperature: temperature).cell(cell) } catch { throw fail("\(error)") }
        if let problem = FileName.problem(imported.id) { throw fail("\(file): the cell id '\(imported.id)' \(problem)") }
        let folder = out ?? PathParts.folder(of: file) + "/" + imported.id
        let result = NeuroMLImport.output(imported, input: file)
        let written: [String]
        do { written = try NeuroMLImport.write(result, to: folder) } catch { throw fail("\(error)") }
        let model = folder + "/" + result.model
        // The pulses as protocol events of a one-second run (events at or after its end left out).
        let events = imported.pulses.flatMap { p -> [(Double, String)] in
            [(p.delay, "--event \(format(p.delay)):current:\(format(imported.density(ofCurrent: p.amplitude)))"),
             (p.delay + p.duration, "--event \(format(p.delay + p.duration)):current:0")]
        }.filter { $0.0 < 1000 }.map(\.1)
        if json {
            var o: [String: Any] = [
                "cell": imported.id, "model": model, "files": written, "area_cm2": imported.area, "area_shape": imported.areaShape,
                "uA_per_cm2_per_nA": imported.density(ofCurrent: 1),
                "channels": imported.channels.map { ["name": $0.name, "ion": $0.ion, "gbar_mS_cm2": $0.density, "E_mV": $0.reversal] as [String: Any] },
                "leak": ["g_mS_cm2": imported.leak.conductance, "E_mV": imported.leak.reversal, "channels": imported.leak.ids],
                "capacitance_uF_cm2": imported.capacitance, "initial_V_mV": imported.initialVoltage,
                "pulses": imported.pulses.map { ["id": $0.id, "amplitude_nA": $0.amplitude, "delay_ms": $0.delay, "duration_ms": $0.duration,
                                                 "density_uA_cm2": imported.density(ofCurrent: $0.amplitude)] as [String: Any] },
            ]
            if let pool = imported.calcium {
                o["calcium"] = ["tau_ms": pool.tau, "rest_uM": pool.rest, "initial_uM": pool.initial, "rho_SI": pool.rho, "influx_uM_per_uA_cm2": pool.influx]
            }
            if let t = imported.temperature { o["temperature_C"] = t }
            print(JSONOutput.string(o))
            return
        }
        print("cell         \(imported.id) (\(file))")
        print("area         \(format(imported.area)) cm² (\(imported.areaShape)): 1 nA = \(format(imported.density(ofCurrent: 1))) µA/cm²")
        for ch in imported.channels {
            let gates = zip(["m", "h"], ch.gates).map { "\($0)^\($1.exponent)" }.joined(separator: " ")
            print("channel      \(ch.name): \(ch.ion), ḡ \(format(ch.density)) mS/cm², E \(format(ch.reversal)) mV, \(gates)")
        }
        print("leak         \(format(imported.leak.conductance)) mS/cm², E \(format(imported.leak.reversal)) mV\(imported.leak.ids.isEmpty ? "" : " (\(imported.leak.ids.joined(separator: ", ")))")")
        print("membrane     C \(format(imported.capacitance)) µF/cm², V(0) \(format(imported.initialVoltage)) mV")
        if let pool = imported.calcium {
            print("calcium      τ \(format(pool.tau)) ms, rest \(format(pool.rest)) µM, Ca(0) \(format(pool.initial)) µM, f \(format(pool.influx)) µM per µA/cm² (rho \(format(pool.rho)) mol/(m·A·s))")
        }
        if let t = imported.temperature { print("temperature  \(format(t)) °C (q10 factors)") }
        for p in imported.pulses {
            print("input        \(p.id): \(format(p.amplitude)) nA from \(format(p.delay)) ms for \(format(p.duration)) ms = \(format(imported.density(ofCurrent: p.amplitude))) µA/cm²")
        }
        for w in written { print("wrote        \(w)") }
        print("simulate     ganglion simulate \(model) --duration 1000\(events.isEmpty ? "" : " " + events.joined(separator: " "))")
    }

    /// A number in its shortest exact form.
    func format(_ x: Double) -> String { JSONOutput.string(x) }
}
