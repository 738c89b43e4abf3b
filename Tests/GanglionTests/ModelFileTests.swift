import Foundation
import Testing
import Ganglion

@Suite("Model files")
struct ModelFileTests {
    static let minimal = #"{"kind": "stg", "conductances": {"Na": 4000, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01}}"#

    func parse(_ json: String) throws(ModelFileError) -> NeuronDescription {
        try ModelFile.parse(Data(json.utf8), file: "test.json")
    }

    @Test("the minimal form gets every default of Docs/science/models.md §2–§4")
    func minimalForm() throws {
        let n = try parse(Self.minimal)
        #expect(n.gbar("CaS") == 19 && n.gbar("leak") == 0.01)
        #expect(n.capacitance == 1 && n.initialVoltage == -70 && n.initialCalcium == 0.5)
        #expect(n.calcium == CalciumPool(tau: 20, rest: 0.05, influx: 0.94))
        #expect(n.leakReversal == -50)
        let e = Dictionary(uniqueKeysWithValues: n.conductances.map { ($0.name, $0.reversal) })
        #expect(e == ["Na": 50, "CaT": 80, "CaS": 80, "A": -80, "KCa": -80, "Kd": -80, "H": -20])
        #expect(n.conductances.allSatisfy { $0.tauScale == 1 })
    }

    @Test("optional fields are read")
    func optionalFields() throws {
        let json = #"{"kind": "stg", "name": "x", "source": "s", "capacitance": 2, "applied_current": 0.5,"#
            + #""reversal": {"Ca": 120}, "calcium": {"tau": 10}, "initial": {"V": -60, "Ca": 1}, "tau_scale": {"KCa": 2},"#
            + #""conductances": {"Na": 4000, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01}}"#
        let n = try parse(json)
        #expect(n.name == "x" && n.capacitance == 2 && n.appliedCurrent == 0.5 && n.initialVoltage == -60)
        #expect(n.conductances.first { $0.name == "CaS" }!.reversal == 120)
        #expect(n.conductances.first { $0.name == "KCa" }!.tauScale == 2)
        #expect(n.calcium.tau == 10 && n.initialCalcium == 1)
    }

    @Test("bad input names the file, the field and the value", arguments: [
        (#"{"kind": "stg", "conductances": {"Na": 4000}}"#, "conductances.CaT"),
        (#"{"kind": "stg", "colour": 1, "conductances": {}}"#, "colour"),
        (#"{"conductances": {}}"#, "kind"),
        (#"{"kind": "squid", "conductances": {}}"#, "squid"),
        (#"{"kind": "stg", "conductances": {"Na": -1, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01}}"#, "conductances.Na"),
        (#"{"kind": "stg", "conductances": {"Na": "a lot", "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01}}"#, "a lot"),
        (#"{"kind": "stg", "conductances": {"Na": 1e999, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01}}"#, "conductances.Na"),
        (#"{"kind": "stg", "conductances": {"Na": 4000, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01, "NaP": 1}}"#, "conductances.NaP"),
        (#"{"kind": "stg", "calcium": {"tau": 0}, "conductances": {"Na": 4000, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01}}"#, "calcium.tau"),
        (#"{"kind": "stg", "capacitance": true, "conductances": {"Na": 4000, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01}}"#, "capacitance"),
        (#"{"kind": "stg", "tau_scale": {"KCa": -2}, "conductances": {"Na": 4000, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01}}"#, "tau_scale.KCa"),
        (#"{"kind": "stg", "conductances": {"#, "not valid JSON"),
        (#"[1, 2]"#, "JSON object"),
        (#"{"kind": "stg", "Mg": 1, "conductances": {"Na": 4000, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01}}"#, "Mg"),
        (#"{"kind": "da", "conductances": {"Na": 30, "Kd": 5, "CaL": 0.03, "CaN": 0.03, "ERG": 0.12, "NMDA": 0, "leak": 0.01, "CaS": 3}}"#, "conductances.CaS"),
        (#"{"kind": "da", "conductances": {"Na": 30, "Kd": 5, "CaL": 0.03, "CaN": 0.03, "ERG": 0.12, "leak": 0.01}}"#, "conductances.NMDA"),
        (#"{"kind": "da", "Mg": -1, "conductances": {"Na": 30, "Kd": 5, "CaL": 0.03, "CaN": 0.03, "ERG": 0.12, "NMDA": 0, "leak": 0.01}}"#, "Mg"),
    ])
    func badInput(json: String, mention: String) {
        do {
            _ = try parse(json)
            Issue.record("accepted bad input \(json)")
        } catch {
            #expect(error.file == "test.json")
            #expect(error.description.contains(mention), "message '\(error.description)' should mention \(mention)")
        }
    }

    @Test("a missing file is an error naming it")
    func missingFile() {
        #expect(throws: ModelFileError.self) { try ModelFile.load("/nonexistent/model.json") }
    }

    @Test("the shipped model files equal the named sets", arguments: NamedModel.all.map(\.name))
    func shippedModels(name: String) throws {
        let named = NamedModel.named(name)!
        let path = packageRoot() + "/models/\(named.kind)/\(name).json"
        let file = try ModelFile.load(path)
        let neuron = try named.neuron()
        #expect(file.kind == named.kind)
        for ch in NeuronKind.named(named.kind)!.conductanceNames { #expect(file.gbar(ch) == neuron.gbar(ch), "\(name) \(ch)") }
    }

    @Test("the DA minimal form gets the Docs/science/models.md §6–§7 defaults, with Mg and the fixed threshold")
    func daMinimal() throws {
        let n = try parse(#"{"kind": "da", "conductances": {"Na": 30, "Kd": 5, "CaL": 0.03, "CaN": 0.03, "ERG": 0.12, "NMDA": 0, "leak": 0.01}}"#)
        #expect(n.kind == "da" && n.initialVoltage == -90 && n.initialCalcium == 0.5 && n.fixedThreshold == -55.5)
        let e = Dictionary(uniqueKeysWithValues: n.conductances.map { ($0.name, $0.reversal) })
        #expect(e == ["Na": 60, "Kd": -85, "CaL": 60, "CaN": 60, "ERG": -85, "NMDA": 0])
        #expect(n.conductances.allSatisfy { $0.context.magnesium == 1.4 })
        let m = try parse(#"{"kind": "da", "Mg": 2, "Vth": -50, "conductances": {"Na": 30, "Kd": 5, "CaL": 0.03, "CaN": 0.03, "ERG": 0.12, "NMDA": 0, "leak": 0.01}}"#)
        #expect(m.conductances.allSatisfy { $0.context.magnesium == 2 } && m.fixedThreshold == -50)
        // The DA layout: V, Ca, the coupled ERG states, then the gates; ERG starts closed.
        let c = try CompiledNeuron(n)
        #expect(c.layout.names == ["V", "Ca", "ERG.o", "ERG.i", "Na.m", "Na.h", "Kd.m", "CaL.m", "CaN.m"])
        #expect(c.coreCount == 4)
        let y = c.initialState()
        #expect(y[2] == 0 && y[3] == 0)
    }
}

/// The package's root folder (tests read shipped files and run the built tool).
func packageRoot() -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}
