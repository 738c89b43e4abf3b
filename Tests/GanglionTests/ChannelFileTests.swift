import Foundation
import Testing
import GanglionIO
import GanglionCore
import Ganglion

@Suite("Channel files")
struct ChannelFileTests {
    static let stgFolder = packageRoot() + "/models/families/stg-liu"

    @Test("the STG channels declared as files equal the built-in Swift channels: gates, time constants, derivatives, DIC terms",
          arguments: NeuronKind.stg.channels.map(\.name))
    func stgChannelsEqualBuiltIn(name: String) throws {
        let declared = try ChannelFile.load(Self.stgFolder + "/\(name).json")
        let builtIn = NeuronKind.stg.channels.first { $0.name == name }!
        #expect(declared.activationExponent == builtIn.activationExponent && declared.inactivationExponent == builtIn.inactivationExponent)
        #expect(declared.ion == builtIn.ion && declared.calciumGated == builtIn.calciumGated)
        #expect(declared.stateCount == builtIn.stateCount && declared.tabulatesRates == builtIn.tabulatesRates)
        for V in stride(from: -100.0, through: 60, by: 0.25) {
            for Ca in [0.05, 0.5, 4, 40] {
                let a = declared.gateRates(V: .variable(V), calcium: Ca), b = builtIn.gateRates(V: .variable(V), calcium: Ca)
                for (x, y) in [(a.mInf, b.mInf), (a.tauM, b.tauM), (a.hInf, b.hInf), (a.tauH, b.tauH)] {
                    #expect(abs(x.value - y.value) <= 1e-14 * max(1, abs(y.value)), "\(name) at \(V) mV")
                    #expect(abs(x.derivative - y.derivative) <= 1e-13 * max(1, abs(y.derivative)), "\(name)′ at \(V) mV")
                }
                let c = ChannelContext(tauScale: 1.5)
                let (openA, gatesA) = declared.dicTerms(V: V, calcium: Ca, context: c)
                let (openB, gatesB) = builtIn.dicTerms(V: V, calcium: Ca, context: c)
                #expect(abs(openA - openB) <= 1e-14)
                for (x, y) in zip(gatesA, gatesB) {
                    #expect(abs(x.voltageSlope - y.voltageSlope) <= 1e-14 && abs(x.calciumSlope - y.calciumSlope) <= 1e-14
                            && abs(x.tau - y.tau) <= 1e-12 * y.tau && abs(x.openSlope - y.openSlope) <= 1e-14, "\(name) DIC at \(V)")
                }
            }
        }
        if builtIn.calciumGated {
            #expect(declared.activationCalciumFactor(2) == builtIn.activationCalciumFactor(2))
        }
    }

    func error(_ json: String) -> String {
        do { _ = try ChannelFile.parse(Data(json.utf8), file: "bad.json"); return "no error" } catch { return "\(error)" }
    }

    @Test("a time constant that goes negative is refused with the field and the voltage")
    func negativeTau() {
        let e = error(#"{"channel": "X", "ion": "potassium", "m": {"exponent": 1, "inf": "1/(1 + exp(-V/5))", "tau": "V/10"}}"#)
        #expect(e.hasPrefix("bad.json:1:"), "\(e)")
        #expect(e.contains("field 'm.tau'") && e.contains("at V = -100.0 mV") && e.contains("must be finite and > 0"), "\(e)")
    }

    @Test("a steady state outside [0, 1] is refused with the voltage (and calcium, when it depends on it)")
    func gateOutOfRange() {
        let e = error(#"{"channel": "X", "ion": "potassium", "m": {"exponent": 1, "inf": "1.2/(1 + exp(-V/5))", "tau": "5"}}"#)
        #expect(e.contains("field 'm.inf'") && e.contains("[0, 1]") && e.contains("V = "), "\(e)")
        let v = (Double((0...1600).first { 1.2 / (1 + exp(-((Double($0) - 1000) / 10) / 5)) > 1 }!) - 1000) / 10
        #expect(e.contains("at V = \(v) mV"), "\(e)")
        let c = error(#"{"channel": "X", "ion": "potassium", "m": {"exponent": 1, "inf": "Ca/(1 + exp(-V/5))", "tau": "5"}}"#)
        #expect(c.contains("field 'm.inf'") && c.contains("and Ca = "), "\(c)")
        let r = error(#"{"channel": "X", "ion": "sodium", "m": {"exponent": 1, "alpha": "exp(V/20)", "beta": "-1"}}"#)
        #expect(r.contains("field 'm'") && r.contains("(from alpha and beta)"), "\(r)")
    }

    @Test("an unknown symbol is refused with the field and its column in the formula")
    func unknownSymbol() {
        let e = error("{\"channel\": \"X\", \"ion\": \"potassium\",\n \"m\": {\"exponent\": 1, \"inf\": \"1/(1 + exp((Vm + 3)/2))\", \"tau\": \"5\"}}")
        #expect(e.hasPrefix("bad.json:2:"), "\(e)")
        #expect(e.contains("field 'm.inf'") && e.contains("column 13: unknown symbol 'Vm'") && e.contains("known: V, Ca"), "\(e)")
        let t = error(#"{"channel": "X", "ion": "potassium", "m": {"exponent": 1, "inf": "0.5", "tau": "1 + Ca"}}"#)
        #expect(t.contains("field 'm.tau'") && t.contains("only m's steady state"), "\(t)")
        let s = error(#"{"channel": "X", "ion": "potassium", "m": {"exponent": 1, "inf": "0.5", "tau": "1 + * 2"}}"#)
        #expect(s.contains("field 'm.tau'") && s.contains("column 5"), "\(s)")
    }

    @Test("parameters: formulas of each other resolved in order; a circular definition names the cycle")
    func parameters() throws {
        let ok = try ChannelFile.parse(Data(#"""
            {"channel": "X", "ion": "potassium", "parameters": {"half": {"value": "base - 10", "unit": "mV"}, "base": -20, "k": 5},
             "m": {"exponent": 2, "inf": "1/(1 + exp(-(V - half)/k))", "tau": "3"}}
            """#.utf8), file: "ok.json")
        #expect(ok.mInf(-30.0, calcium: 0) == 0.5)
        let e = error(#"{"channel": "X", "ion": "potassium", "parameters": {"a": "b + 1", "b": "2 * c", "c": "a"}, "m": {"exponent": 1, "inf": "0.5", "tau": "a"}}"#)
        #expect(e.contains("circular definition: a → b → c → a") && e.contains("field 'parameters.a'"), "\(e)")
        let r = error(#"{"channel": "X", "ion": "potassium", "parameters": {"V": 3}, "m": {"exponent": 1, "inf": "0.5", "tau": "1"}}"#)
        #expect(r.contains("field 'parameters.V'") && r.contains("reserved"), "\(r)")
    }
}
