import Foundation
import Testing
import GanglionIO
import Ganglion

// The worked examples of Docs/write-a-channel.md and Docs/write-a-family.md, verbatim.
@Suite("Writing a channel and a family (Docs/write-a-channel.md, Docs/write-a-family.md)")
struct WriteChannelExampleTests {
    static let root = packageRoot()

    /// The fenced JSON blocks of a doc page.
    static func jsonBlocks(_ page: String) throws -> [String] {
        let text = try String(contentsOfFile: root + "/Docs/" + page, encoding: .utf8)
        return text.components(separatedBy: "```json\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
    }

    @Test("the page shows examples/channels/NaP.json verbatim, and the declared NaP makes stg-spiking fire faster, as the Swift NaP does")
    func persistentSodium() throws {
        let shown = try Self.jsonBlocks("write-a-channel.md")
        let file = try String(contentsOfFile: Self.root + "/examples/channels/NaP.json", encoding: .utf8)
        #expect(shown.contains(file.trimmingCharacters(in: .newlines)))
        let withNaP = try ModelFile.load(Self.root + "/examples/channels/spiking-with-nap.json")
        #expect(withNaP.conductances.map(\.name).last == "NaP")
        let f = try #require(try simulate(SimulationRequest(neuron: withNaP, duration: 6000)).features.frequency)
        let f0 = try #require(try simulate(SimulationRequest(neuron: try NamedModel.named("stg-spiking")!.neuron(), duration: 6000)).features.frequency)
        var swift = try NamedModel.named("stg-spiking")!.neuron()
        swift.conductances.append(Conductance(NaP.self, gbar: 2, reversal: 50))
        let fSwift = try #require(try simulate(SimulationRequest(neuron: swift, duration: 6000)).features.frequency)
        #expect(f > f0)
        #expect(abs(f - fSwift) <= 1e-9 * fSwift, "declared \(f) Hz, Swift \(fSwift) Hz")
    }

    @Test("the model files shown in Docs/write-a-family.md load against the declared STG family")
    func familyPageModels() throws {
        let blocks = try Self.jsonBlocks("write-a-family.md")
        #expect(blocks.count == 2)
        let folder = Self.root + "/models/families/stg-liu"
        let bursting = try ModelFile.parse(Data(blocks[0].utf8), file: folder + "/shown.json")
        let onDisk = try ModelFile.load(folder + "/bursting.json")
        #expect(bursting.conductances.map(\.gbar) == onDisk.conductances.map(\.gbar))
        let toy = try ModelFile.parse(Data(blocks[1].utf8), file: folder + "/toy.json")
        #expect(try CompiledNeuron(toy).layout.names == ["V", "Ca", "Na.m", "Na.h", "Kd.m", "H.m"])
    }

    @Test("the Hodgkin–Huxley squid axon rests at −65 mV (Hodgkin & Huxley 1952)")
    func squidAxonRest() throws {
        let axon = try ModelFile.load(Self.root + "/models/families/hodgkin-huxley/squid-axon.json")
        let c = try CompiledNeuron(axon)
        let report = try simulate(SimulationRequest(neuron: axon, duration: 200))
        #expect(report.features.spikeTimes.isEmpty)
        // Total ionic current at −65 mV with every gate at steady state: zero to within the paper's rounding of E_leak.
        var y = c.initialState()
        y[0] = -65
        var dy = y
        y.withUnsafeBufferPointer { yp in dy.withUnsafeMutableBufferPointer { c.rightHandSide(0, yp.baseAddress!, $0.baseAddress!) } }
        #expect(abs(dy[0]) < 0.01, "C dV/dt at −65 mV = \(dy[0]) µA/cm²")
    }
}
