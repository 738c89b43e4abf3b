import Foundation
import Testing
import GanglionIO
import Ganglion

/// A NeuroML document with one cell: the HH channels `naChan` and `passiveChan`, and what a test adds.
func neuroMLDocument(channels: String = "", morphology: String? = nil, membrane: String = "", intracellular: String = "",
                     top: String = "") -> String {
    let segment = morphology ?? """
        <segment id="0" name="soma"><proximal x="0" y="0" z="0" diameter="10"/><distal x="0" y="0" z="0" diameter="10"/></segment>
    """
    return """
    <?xml version="1.0" encoding="UTF-8"?>
    <neuroml xmlns="http://www.neuroml.org/schema/neuroml2" id="doc">
      <ionChannelHH id="passiveChan" conductance="10pS"/>
      <ionChannelHH id="naChan" conductance="10pS" species="na">
        <gateHHrates id="m" instances="3">
          <forwardRate type="HHExpLinearRate" rate="1per_ms" midpoint="-40mV" scale="10mV"/>
          <reverseRate type="HHExpRate" rate="4per_ms" midpoint="-65mV" scale="-18mV"/>
        </gateHHrates>
      </ionChannelHH>
    \(channels)
    \(top)
      <cell id="c">
        <morphology id="morph">
    \(segment)
        </morphology>
        <biophysicalProperties id="bio">
          <membraneProperties>
            <channelDensity id="leak" ionChannel="passiveChan" condDensity="3 S_per_m2" erev="-54.3mV" ion="non_specific"/>
            <channelDensity id="na" ionChannel="naChan" condDensity="120 mS_per_cm2" erev="50mV" ion="na"/>
    \(membrane)
            <specificCapacitance value="1 uF_per_cm2"/>
            <initMembPotential value="-65mV"/>
          </membraneProperties>
          <intracellularProperties>
    \(intracellular)
          </intracellularProperties>
        </biophysicalProperties>
      </cell>
    </neuroml>
    """
}

@Suite("NeuroML import (Docs/import-neuroml.md)")
struct NeuroMLImportTests {
    static let root = packageRoot()
    static let hh = root + "/examples/neuroml/hh-cell.nml"
    static let multi = root + "/examples/neuroml/multichannel-cell.nml"

    /// The channel `name` of an import, read as Ganglion reads channel files.
    static func channel(_ output: NeuroMLImport.Output, _ name: String) throws -> DeclaredChannel {
        let text = try #require(output.files.first { $0.path == "channels/\(name).json" }?.text)
        return try ChannelFile.parse(Data(text.utf8), file: name + ".json")
    }

    static func relativeDifference(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

    @Test("the classic NeuroML squid-axon cell imports as Hodgkin & Huxley's: every gate equals the shipped family's to 1e-12 from −100 to +60 mV")
    func squidAxonGates() throws {
        let cell = try NeuroMLReader(path: Self.hh).cell()
        let out = NeuroMLImport.output(cell, input: Self.hh)
        let pairs = [(try Self.channel(out, "naChan"), try ChannelFile.load(Self.root + "/models/families/hodgkin-huxley/Na.json")),
                     (try Self.channel(out, "kChan"), try ChannelFile.load(Self.root + "/models/families/hodgkin-huxley/K.json"))]
        for (imported, shipped) in pairs {
            #expect(imported.activationExponent == shipped.activationExponent)
            #expect(imported.inactivationExponent == shipped.inactivationExponent)
            for i in 0...1600 {
                let V = -100 + Double(i) / 10
                #expect(Self.relativeDifference(imported.mInf(V, calcium: 0), shipped.mInf(V, calcium: 0)) < 1e-12, "\(imported.name) m∞ at \(V)")
                #expect(Self.relativeDifference(imported.tauM(V), shipped.tauM(V)) < 1e-12, "\(imported.name) τ_m at \(V)")
                #expect(Self.relativeDifference(imported.hInf(V), shipped.hInf(V)) < 1e-12, "\(imported.name) h∞ at \(V)")
                #expect(Self.relativeDifference(imported.tauH(V), shipped.tauH(V)) < 1e-12, "\(imported.name) τ_h at \(V)")
            }
        }
        // 3 S/m² = 0.3 mS/cm², 360 S/m² = 36 mS/cm²; a sphere of diameter d has area π d².
        #expect(cell.channels.map(\.density) == [120, 36])
        #expect(cell.leak.conductance == 0.3 && cell.leak.reversal == -54.3)
        #expect(cell.capacitance == 1 && cell.initialVoltage == -65)
        #expect(Self.relativeDifference(cell.area, Double.pi * 17.841241161527712 * 17.841241161527712 * 1e-8) < 1e-15)
        #expect(Self.relativeDifference(cell.density(ofCurrent: 0.1), 10) < 1e-12, "0.1 nA on 1000 µm² is 10 µA/cm²")
        #expect(cell.pulses.count == 1 && cell.pulses[0].amplitude == 0.1 && cell.pulses[0].duration == 2000)
    }

    @Test("every unit conversion of the five-channel cell: S/m², S/cm², F/m², V, s, per_s, fixed q10, mM, rho → f")
    func multichannelUnits() throws {
        let cell = try NeuroMLReader(path: Self.multi).cell()
        let out = NeuroMLImport.output(cell, input: Self.multi)
        #expect(cell.channels.map(\.name) == ["Na", "Kdr", "KA", "KM", "CaL"])
        // 120 mS/cm²; 0.036 S/cm² = 36; 50 S/m² = 5; 5 S/m² = 0.5; 0.5 mS/cm².
        #expect(cell.channels.map(\.density) == [120, 36, 5, 0.5, 0.5])
        #expect(cell.channels.map(\.ion) == ["sodium", "potassium", "potassium", "potassium", "calcium"])
        #expect(cell.capacitance == 1, "0.01 F/m² = 1 µF/cm²")
        #expect(cell.initialVoltage == -68)
        // Two passive channels: g = 0.25 + 0.05, E = (0.25·(−65) + 0.05·(−50))/0.3.
        #expect(abs(cell.leak.conductance - 0.3) < 1e-15)
        #expect(abs(cell.leak.reversal - -62.5) < 1e-12)
        #expect(Self.relativeDifference(cell.area, 400 * Double.pi * 1e-8) < 1e-15, "cylinder side π d L = 400π µm²")
        // Kdr: midpoint −0.055 V = −55 mV, 125 per_s = 0.125 per_ms: Hodgkin & Huxley's n gate.
        let kdr = try Self.channel(out, "Kdr"), k = try ChannelFile.load(Self.root + "/models/families/hodgkin-huxley/K.json")
        for V in stride(from: -100.0, through: 60, by: 0.5) {
            #expect(Self.relativeDifference(kdr.tauM(V), k.tauM(V)) < 1e-12)
            #expect(Self.relativeDifference(kdr.mInf(V, calcium: 0), k.mInf(V, calcium: 0)) < 1e-12)
        }
        // KA: τ_h = 0.02 s = 20 ms; its own reversal (−80 mV) differs from the family's K (−77 mV, Kdr's).
        let ka = try Self.channel(out, "KA")
        #expect(ka.tauH(-50) == 20 && ka.tauM(0) == 1.5)
        #expect(abs(ka.hInf(-78) - 0.5) < 1e-15 && abs(ka.mInf(-60, calcium: 0) - 0.5) < 1e-15)
        #expect(ka.fixedReversal == -80 && kdr.fixedReversal == nil)
        // KM: α = β = 3.3 per_s at −35 mV and a fixed q10 of 2: τ = 1/(2 (α + β)) = 1/(2 · 0.0066) ms.
        let km = try Self.channel(out, "KM")
        #expect(Self.relativeDifference(km.tauM(-35), 1 / (2 * 0.0066)) < 1e-14)
        #expect(abs(km.mInf(-35, calcium: 0) - 0.5) < 1e-15, "x∞ from steadyState, not from the rates")
        // CaL's β is HHExpLinearRate with a negative scale: 0.1 (V + 8.9)/5 / (exp((V + 8.9)/5) − 1), exact at −8.9 mV.
        let cal = try Self.channel(out, "CaL")
        for V in [-60.0, -8.9, 20] {
            let a = 1.6 / (1 + exp(-(V - 5) / 13.9))
            let x = (V + 8.9) / 5
            let b = x == 0 ? 0.1 : 0.1 * x / (exp(x) - 1)
            #expect(Self.relativeDifference(cal.tauM(V), 1 / (a + b)) < 1e-13, "τ at \(V)")
        }
        // The pool: 5e-5 mM = 0.05 µM; f/τ must give NeuroML's dC/dt = ρ i_Ca/A for an inward 1 µA/cm²
        // (0.01 A/m²): ρ · 0.01 mol/(m³ s) = ρ · 0.01 µM/ms.
        let pool = try #require(cell.calcium)
        #expect(pool.rest == 0.05 && pool.initial == 0.05 && pool.tau == 80 && pool.rho == 2.5)
        #expect(Self.relativeDifference(pool.influx / pool.tau, 2.5 * 0.01) < 1e-15)
        // The family and model files read back as Ganglion reads them.
        let folder = try temporaryFolder("nml-units")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try NeuroMLImport.write(out, to: folder)
        let family = try FamilyFile.load(folder + "/family.json")
        #expect(family.calcium.influx == 2 && family.calcium.tau == 80 && family.calcium.rest == 0.05)
        #expect(family.initialCalcium == 0.05 && family.initialVoltage == -68 && family.capacitance == 1)
        let reversals = Dictionary(uniqueKeysWithValues: family.reversalKeys.map { ($0.key, $0.2) })
        #expect(reversals == ["Na": 50, "K": -77, "Ca": 80])
    }

    @Test("q10ExpTemp scales the rates by q10^((T − T_exp)/10) at the network's temperature, or at --temperature; without one it is an error")
    func temperatureQ10() throws {
        let channel = """
          <ionChannelHH id="kChan" conductance="10pS" species="k">
            <gateHHrates id="n" instances="4">
              <q10Settings type="q10ExpTemp" q10Factor="3" experimentalTemp="6.3 degC"/>
              <forwardRate type="HHExpLinearRate" rate="0.1per_ms" midpoint="-55mV" scale="10mV"/>
              <reverseRate type="HHExpRate" rate="0.125per_ms" midpoint="-65mV" scale="-80mV"/>
            </gateHHrates>
          </ionChannelHH>
        """
        let membrane = #"<channelDensity id="k" ionChannel="kChan" condDensity="36 mS_per_cm2" erev="-77mV" ion="k"/>"#
        let folder = try temporaryFolder("nml-q10")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let without = folder + "/without.nml", with = folder + "/with.nml"
        try neuroMLDocument(channels: channel, membrane: membrane).write(toFile: without, atomically: true, encoding: .utf8)
        try neuroMLDocument(channels: channel, membrane: membrane,
                            top: #"<network id="net" type="networkWithTemperature" temperature="289.45 K"/>"#)
            .write(toFile: with, atomically: true, encoding: .utf8)
        #expect(throws: NeuroMLError.self) { try NeuroMLReader(path: without).cell() }
        do { _ = try NeuroMLReader(path: without).cell() } catch {
            #expect(error.description.contains("q10ExpTemp needs the simulation temperature") && error.line == 12, "\(error)")
        }
        let shipped = try ChannelFile.load(Self.root + "/models/families/hodgkin-huxley/K.json")
        // 289.45 K = 16.3 °C: ten degrees above 6.3 °C, a factor 3; --temperature 26.3 °C gives 9.
        for (cell, factor) in [(try NeuroMLReader(path: with).cell(), 3.0), (try NeuroMLReader(path: without, temperature: 26.3).cell(), 9.0)] {
            let k = try Self.channel(NeuroMLImport.output(cell, input: with), "kChan")
            for V in [-80.0, -55, 0] {
                #expect(Self.relativeDifference(k.tauM(V) * factor, shipped.tauM(V)) < 1e-12)
                #expect(Self.relativeDifference(k.mInf(V, calcium: 0), shipped.mInf(V, calcium: 0)) < 1e-12)
            }
        }
    }

    @Test("gateHHratesTau and gateHHratesTauInf, and channels in included files (each file read once)")
    func otherGateKindsAndIncludes() throws {
        let folder = try temporaryFolder("nml-include")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let rates = """
              <forwardRate type="HHExpLinearRate" rate="0.1per_ms" midpoint="-55mV" scale="10mV"/>
              <reverseRate type="HHExpRate" rate="0.125per_ms" midpoint="-65mV" scale="-80mV"/>
        """
        let channels = """
        <neuroml xmlns="http://www.neuroml.org/schema/neuroml2" id="channels">
          <ionChannelHH id="kTau" conductance="10pS" species="k">
            <gateHHratesTau id="n" instances="4">
        \(rates)
              <timeCourse type="fixedTimeCourse" tau="5ms"/>
            </gateHHratesTau>
          </ionChannelHH>
          <ionChannelHH id="kTauInf" conductance="10pS" species="k">
            <gateHHratesTauInf id="n" instances="1">
        \(rates)
              <timeCourse type="fixedTimeCourse" tau="7ms"/>
              <steadyState type="HHExpLinearVariable" rate="0.1" midpoint="-30mV" scale="-10mV"/>
            </gateHHratesTauInf>
          </ionChannelHH>
        </neuroml>
        """
        try channels.write(toFile: folder + "/channels.nml", atomically: true, encoding: .utf8)
        // The cell includes channels.nml directly and through other.nml: read once, no duplicate ids.
        try #"<neuroml id="other"><include href="channels.nml"/></neuroml>"#.write(toFile: folder + "/other.nml", atomically: true, encoding: .utf8)
        let membrane = """
            <channelDensity id="k1" ionChannel="kTau" condDensity="1 mS_per_cm2" erev="-77mV" ion="k"/>
            <channelDensity id="k2" ionChannel="kTauInf" condDensity="2 mS_per_cm2" erev="-77mV" ion="k"/>
        """
        try neuroMLDocument(membrane: membrane, top: #"<include href="channels.nml"/><include href="other.nml"/>"#)
            .write(toFile: folder + "/cell.nml", atomically: true, encoding: .utf8)
        let cell = try NeuroMLReader(path: folder + "/cell.nml").cell()
        let out = NeuroMLImport.output(cell, input: folder + "/cell.nml")
        let tau = try Self.channel(out, "kTau"), tauInf = try Self.channel(out, "kTauInf")
        let k = try ChannelFile.load(Self.root + "/models/families/hodgkin-huxley/K.json")
        for V in [-90.0, -55, -30, 0, 40] {
            #expect(Self.relativeDifference(tau.mInf(V, calcium: 0), k.mInf(V, calcium: 0)) < 1e-12, "x∞ = α/(α + β)")
            #expect(tau.tauM(V) == 5 && tauInf.tauM(V) == 7)
            let x = (V + 30) / -10
            let expected = x == 0 ? 0.1 : 0.1 * x / (1 - exp(-x))
            #expect(Self.relativeDifference(tauInf.mInf(V, calcium: 0), expected) < 1e-12, "x∞ from steadyState at \(V)")
        }
    }

    @Test("a file that is not UTF-8 is refused with its line, before Foundation's XML parser sees it")
    func notUTF8() throws {
        let folder = try temporaryFolder("nml-utf8")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var bytes = Array(neuroMLDocument().utf8)
        let at = try #require(bytes.firstIndex(of: UInt8(ascii: "\n")))   // the end of line 1
        bytes.insert(0xC0, at: at + 3)
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/bad.nml"))
        #expect(throws: NeuroMLError(file: folder + "/bad.nml", line: 2, element: nil,
                                     message: "not UTF-8 text (byte \(at + 4) of the file): NeuroML files are read as UTF-8")) {
            try NeuroMLReader(path: folder + "/bad.nml").cell()
        }
        #expect(XMLElementTree.invalidUTF8(Data("héllo € 𝄞\n".utf8)) == nil)
        #expect(XMLElementTree.invalidUTF8(Data([0x61, 0x0A, 0xED, 0xA0, 0x80])) ?? (0, 0) == (2, 3), "a surrogate")
        #expect(XMLElementTree.invalidUTF8(Data([0x61, 0xE2, 0x82])) ?? (0, 0) == (1, 2), "cut short")
    }

    @Test("what the import does not support is an error naming the element and its line", arguments: [
        ("two segments", neuroMLDocument(morphology: """
            <segment id="0" name="soma"><proximal x="0" y="0" z="0" diameter="10"/><distal x="0" y="10" z="0" diameter="10"/></segment>
            <segment id="1" name="dend"><parent segment="0"/><distal x="0" y="110" z="0" diameter="2"/></segment>
        """), 15, "<segment id=\"1\">", "multi-compartment"),
        ("kinetic scheme", neuroMLDocument(channels: """
          <ionChannelHH id="ks" conductance="10pS" species="k">
            <gateKS id="n" instances="1"/>
          </ionChannelHH>
        """, membrane: #"<channelDensity id="k" ionChannel="ks" condDensity="1 mS_per_cm2" erev="-77mV" ion="k"/>"#),
         11, "<gateKS id=\"n\">", "kinetic-scheme gates are not supported"),
        ("Nernst", neuroMLDocument(membrane: #"<channelDensityNernst id="ca" ionChannel="naChan" condDensity="1 mS_per_cm2" ion="ca"/>"#),
         20, "<channelDensityNernst id=\"ca\">", "is not supported"),
        ("custom rate", neuroMLDocument(channels: """
          <ionChannelHH id="kc" conductance="10pS" species="k">
            <gateHHrates id="n" instances="4">
              <forwardRate type="myRate" rate="0.1per_ms" midpoint="-55mV" scale="10mV"/>
              <reverseRate type="HHExpRate" rate="0.125per_ms" midpoint="-65mV" scale="-80mV"/>
            </gateHHrates>
          </ionChannelHH>
        """, membrane: #"<channelDensity id="k" ionChannel="kc" condDensity="1 mS_per_cm2" erev="-77mV" ion="k"/>"#),
         12, "<forwardRate>", "type \"myRate\" is not supported (a custom ComponentType"),
        ("decaying pool", neuroMLDocument(intracellular: #"<species id="ca" ion="ca" concentrationModel="pool" initialConcentration="1e-4 mM" initialExtConcentration="2 mM"/>"#,
                                          top: #"<decayingPoolConcentrationModel id="pool" ion="ca" restingConc="1e-4 mM" decayConstant="20ms" shellThickness="1um"/>"#),
         11, "<decayingPoolConcentrationModel id=\"pool\">", "not supported (supported: fixedFactorConcentrationModel)"),
        ("bad unit", neuroMLDocument(membrane: #"<channelDensity id="k" ionChannel="naChan" condDensity="1 mV" erev="-77mV" ion="k"/>"#),
         20, "<channelDensity id=\"k\">", "'mV' is a unit of voltage, expected conductanceDensity"),
    ])
    func unsupported(_ what: String, _ document: String, _ line: Int, _ element: String, _ message: String) throws {
        let folder = try temporaryFolder("nml-bad")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/bad.nml"
        try document.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try NeuroMLReader(path: path).cell()
            Issue.record("\(what): imported")
        } catch {
            #expect(error.line == line, "\(what): \(error)")
            #expect(error.element == element, "\(what): \(error)")
            #expect(error.message.contains(message), "\(what): \(error)")
            #expect(error.description.hasPrefix("\(path):\(line): \(element): "), "\(what): \(error)")
        }
    }
}
