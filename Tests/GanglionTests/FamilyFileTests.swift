import Foundation
import Testing
import GanglionIO
import Ganglion

@Suite("Family files")
struct FamilyFileTests {
    static let liu = packageRoot() + "/models/families/stg-liu"

    @Test("the STG family declared as files gives the built-in family's DICs to 1e-10 and its thresholds")
    func stgDICs() throws {
        for (file, named) in [("bursting", "stg-bursting"), ("spiking", "stg-spiking")] {
            let declared = try ModelFile.load(Self.liu + "/\(file).json")
            let builtIn = try NamedModel.named(named)!.neuron()
            #expect(declared.conductances.map(\.name) == builtIn.conductances.map(\.name))
            let a = try DICCalculator(declared), b = try DICCalculator(builtIn)
            for V in stride(from: -80.0, through: -20, by: 2.5) {
                let x = a.dics(at: V), y = b.dics(at: V)
                for (p, q) in [(x.gf, y.gf), (x.gs, y.gs), (x.gu, y.gu)] {
                    #expect(abs(p - q) <= 1e-10 * max(1, abs(q)), "\(file) at \(V) mV: \(p) vs \(q)")
                }
            }
            let ta = try a.threshold(.exact), tb = try b.threshold(.exact)
            #expect(abs(ta.V - tb.V) <= 1e-10)
        }
    }

    @Test("the declared STG family fires as the built-in one on stg-spiking and stg-bursting, both integrators",
          arguments: [SolverChoice.cvodeBDF, .expEuler])
    func stgFeatures(solver: SolverChoice) throws {
        for (file, named) in [("bursting", "stg-bursting"), ("spiking", "stg-spiking")] {
            func features(_ n: NeuronDescription) throws -> FiringFeatures {
                var r = SimulationRequest(neuron: n, duration: 6000)
                r.solver = solver
                if solver == .expEuler { r.dt = 0.05 }
                return try simulate(r).features
            }
            let a = try features(try ModelFile.load(Self.liu + "/\(file).json")), b = try features(try NamedModel.named(named)!.neuron())
            #expect(a.pattern == b.pattern && a.spikeTimes.count == b.spikeTimes.count, "\(file)")
            for (p, q) in [(a.frequency, b.frequency), (a.burstPeriod, b.burstPeriod), (a.intraburstFrequency, b.intraburstFrequency)] {
                if let p, let q { #expect(abs(p - q) <= 1e-9 * abs(q), "\(file): \(p) vs \(q)") } else { #expect(p == nil && q == nil) }
            }
        }
    }

    @Test("a model leaves out any channel its family does not require: a three-channel toy neuron has only their states")
    func subsetOfChannels() throws {
        let json = #"{"family": "family.json", "name": "toy", "conductances": {"Na": 100, "Kd": 40, "H": 0.5, "leak": 0.05}}"#
        let toy = try ModelFile.parse(Data(json.utf8), file: Self.liu + "/toy.json")
        #expect(toy.conductances.map(\.name) == ["Na", "Kd", "H"])
        let compiled = try CompiledNeuron(toy)
        #expect(compiled.layout.names == ["V", "Ca", "Na.m", "Na.h", "Kd.m", "H.m"])
        // Its DIC references still use the family's τ_m of the channels it has (Na, Kd, H).
        _ = try DICCalculator(toy).dics(at: -50)
        let r = try simulate(SimulationRequest(neuron: toy, duration: 2000))
        #expect(!r.features.spikeTimes.isEmpty)
    }

    func error(_ json: String, file: String = liu + "/bad.json") -> String {
        do { _ = try FamilyFile.parse(Data(json.utf8), file: file); return "no error" } catch { return "\(error)" }
    }

    @Test("bad family files are refused naming the field")
    func badFamilies() {
        #expect(error(#"{"family": "x", "channels": ["Nope.json"], "leak_reversal": -50}"#).contains("field 'channels[0]': no channel file at"))
        let ion = error(#"{"family": "x", "channels": ["Na.json"], "leak_reversal": -50}"#)
        #expect(ion.contains("field 'reversal'") && ion.contains("sodium"), "\(ion)")
        let pair = error(#"{"family": "x", "channels": ["Kd.json"], "reversal": {"K": {"ion": "potassium", "E": -80}}, "leak_reversal": -50, "modulated_pair": ["Kd", "A"]}"#)
        #expect(pair.contains("field 'modulated_pair[1]'") && pair.contains("no channel \"A\""), "\(pair)")
        let inline = error(#"{"family": "x", "channels": [{"channel": "Y", "ion": "potassium", "m": {"exponent": 1, "inf": "0.5", "tau": "-V"}}], "reversal": {"K": {"ion": "potassium", "E": -80}}, "leak_reversal": -50}"#)
        #expect(inline.contains("field 'channels[0].m.tau'") && inline.contains("at V = 0.0 mV"), "\(inline)")
    }

    @Test("Nernst reversal potentials: (RT/zF) ln(out/in) with CODATA R and F")
    func nernst() throws {
        let json = #"{"family": "nernst-test", "channels": ["Kd.json"], "reversal": {"K": {"ion": "potassium", "nernst": {"valence": 1, "inside": 140, "outside": 5, "temperature": 20}}}, "leak_reversal": -50}"#
        let kind = try FamilyFile.parse(Data(json.utf8), file: Self.liu + "/nernst.json")
        let expected = 8.314462618 * 293.15 / 96485.33212 * log(5.0 / 140) * 1000
        #expect(abs(kind.reversalKeys[0].value - expected) < 1e-12)
        #expect(abs(expected - -84.17) < 0.01)   // the usual textbook E_K at 20 °C
    }

    @Test("a calcium reversal that follows the pool: \"inside\": \"Ca\" for calcium only; a model's number fixes it")
    func nernstFollowingThePool() throws {
        let base = #"{"family": "nernst-pool", "channels": ["CaS.json"], "calcium": {"tau": 200, "rest": 0.05, "influx": 9}, "initial": {"Ca": 0.05}, "leak_reversal": -50, "reversal": {"Ca": {"ion": "calcium", "nernst": {"valence": 2, "inside": "Ca", "outside": 3000, "temperature": 10}}}}"#
        let kind = try FamilyFile.parse(Data(base.utf8), file: Self.liu + "/nernst-pool.json")
        let law = try #require(kind.calciumNernst)
        #expect(abs(law.factor - 8.314462618 * 283.15 / (2 * 96485.33212) * 1000) < 1e-12)
        let cell = try kind.neuron(conductances: ["CaS": 4, "leak": 0.01])
        #expect(cell.conductances[0].nernst == law)
        #expect(abs(cell.conductances[0].reversal(calcium: 2) - law.factor * log(1500)) < 1e-12)
        let fixed = try kind.neuron(conductances: ["CaS": 4, "leak": 0.01], reversals: ["Ca": 120])
        #expect(fixed.conductances[0].nernst == nil && fixed.conductances[0].reversal(calcium: 2) == 120)
        let potassium = error(#"{"family": "x", "channels": ["Kd.json"], "reversal": {"K": {"ion": "potassium", "nernst": {"valence": 1, "inside": "Ca", "outside": 5, "temperature": 20}}}, "leak_reversal": -50}"#)
        #expect(potassium.contains("field 'reversal.K.nernst.inside'") && potassium.contains("calcium ion only"), "\(potassium)")
        let name = error(base.replacingOccurrences(of: #""inside": "Ca""#, with: #""inside": "Na""#))
        #expect(name.contains("field 'reversal.Ca.nernst.inside'") && name.contains("\"Na\""), "\(name)")
        let zero = error(base.replacingOccurrences(of: #""initial": {"Ca": 0.05}"#, with: #""initial": {"Ca": 0}"#))
        #expect(zero.contains("field 'initial.Ca'") && zero.contains("Nernst"), "\(zero)")
    }

    @Test("calcium.currents chooses the currents that feed the pool; unknown, repeated and calcium-gated channels are refused")
    func calciumCurrents() throws {
        let base = #"{"family": "pool-currents", "channels": ["CaT.json", "CaS.json", "KCa.json"], "calcium": {"tau": 20, "rest": 0.05, "influx": 0.94, "currents": ["CaS"]}, "leak_reversal": -50, "reversal": {"Ca": {"ion": "calcium", "E": 80}, "K": {"ion": "potassium", "E": -80}}}"#
        let kind = try FamilyFile.parse(Data(base.utf8), file: Self.liu + "/pool-currents.json")
        let cell = try kind.neuron(conductances: ["CaT": 3, "CaS": 4, "KCa": 10, "leak": 0.01])
        #expect(cell.conductances.map(\.feedsCalcium) == [false, true, false])
        let n = try CompiledNeuron(cell)
        var y = n.initialState()
        y[0] = -20; y[1] = 0.7
        for i in 2..<y.count { y[i] = 0.2 + 0.1 * Double(i) }
        var dy = [Double](repeating: 0, count: y.count)
        y.withUnsafeBufferPointer { a in dy.withUnsafeMutableBufferPointer { n.rightHandSide(0, a.baseAddress!, $0.baseAddress!) } }
        let names = n.layout.names
        func state(_ s: String) -> Double { y[names.firstIndex(of: s)!] }
        // Only CaS feeds the pool: τ dCa/dt = −f I_CaS − Ca + Ca_rest.
        let iCaS = 4 * pow(state("CaS.m"), 3) * state("CaS.h") * (y[0] - 80)
        #expect(abs(dy[1] - (-0.94 * iCaS - y[1] + 0.05) / 20) <= 1e-14)
        let unknown = error(base.replacingOccurrences(of: #""currents": ["CaS"]"#, with: #""currents": ["CaL"]"#))
        #expect(unknown.contains("field 'calcium.currents[0]'") && unknown.contains("CaL"), "\(unknown)")
        let twice = error(base.replacingOccurrences(of: #""currents": ["CaS"]"#, with: #""currents": ["CaS", "CaS"]"#))
        #expect(twice.contains("field 'calcium.currents[1]'") && twice.contains("twice"), "\(twice)")
        let gated = error(base.replacingOccurrences(of: #""currents": ["CaS"]"#, with: #""currents": ["CaS", "KCa"]"#))
        #expect(gated.contains("field 'calcium.currents'") && gated.contains("KCa"), "\(gated)")
    }
}
