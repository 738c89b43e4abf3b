import Foundation
import Testing
import Ganglion

/// A family owns its defaults: the parsers take the modulated pair, the paper profile's anti-windup, the
/// tau_scale names and the named models from the family value, so a family defined here (STG with the
/// persistent sodium channel of the adding-a-channel example, a different pair, no paper anti-windup) is
/// honoured without any change elsewhere.
@Suite("Model families")
struct FamilyTests {
    static let family: NeuronKind = {
        var k = NeuronKind.stg
        k.name = "stg-nap-test"
        k.channels.append(NaP.kinetics)
        k.modulatedPair = ["CaT", "H"]
        k.paperAntiWindup = false
        var g = NamedModel.named("stg-bursting")!.conductances
        g["NaP"] = 0.2
        k.models = [NamedModel(name: "stg-nap-test-bursting", kind: "stg-nap-test", conductances: g, source: "a test family", expected: "—")]
        NeuronKind.register(k)
        return k
    }()

    /// An experiment on the family's named model.
    func experiment(_ body: String, profile: Profile = .ganglion) throws -> Experiment {
        _ = Self.family
        let json = #"{"cell": "stg-nap-test-bursting", "duration_ms": 1000, "# + body + "}"
        return try Experiment.parse(Data(json.utf8), file: "exp.json", folder: packageRoot(), profile: profile)
    }

    @Test("a registered family is found by name, with its named models; a second family of the same name is refused")
    func registry() throws {
        _ = Self.family
        #expect(NeuronKind.named("stg-nap-test")?.conductanceNames.contains("NaP") == true)
        #expect(NamedModel.named("stg-nap-test-bursting")?.kind == "stg-nap-test")
        #expect(try ModelFile.loadAny("stg-nap-test-bursting").gbar("NaP") == 0.2)
        #expect(!NeuronKind.register(Self.family))
        #expect(NeuronKind.builtIn.map(\.modulatedPair) == [["CaS", "A"], ["CaL", "CaN"]])
    }

    @Test("an experiment's controller and sharp events take the family's pair; the paper profile its anti-windup")
    func experimentDefaults() throws {
        let controller = #""neuromodulation": {"g_s": -8, "g_u": 4}"#
        let e = try experiment(controller)
        #expect(e.neuromodulation?.template.conductances == ["CaT", "H"])
        #expect(e.neuromodulation?.template.antiWindup == true)
        let paper = try experiment(controller, profile: .paper)
        #expect(paper.neuromodulation?.template.antiWindup == false)
        // The STG family itself keeps its anti-windup under the paper profile.
        let stg = try Experiment.parse(Data((#"{"cell": "stg-bursting", "duration_ms": 1000, "# + controller + "}").utf8),
                                       file: "exp.json", folder: packageRoot(), profile: .paper)
        #expect(stg.neuromodulation?.template.antiWindup == true && stg.neuromodulation?.template.conductances == ["CaS", "A"])

        let sharp = try experiment(#""protocol": [{"t": 500, "sharp": {"g_s": -8}}]"#)
        guard case let .sharp(s) = sharp.request.events.first?.action else { Issue.record("no sharp event"); return }
        #expect(s.conductances == ["CaT", "H"])
    }

    @Test("a network's controllers take each cell's family's pair; tau_scale accepts the family's channels")
    func networkDefaults() throws {
        _ = Self.family
        let json = #"""
        {"duration_ms": 1000, "cells": [{"name": "a", "cell": "stg-nap-test-bursting", "tau_scale": {"NaP": 2}},
                                        {"name": "b", "cell": "stg-bursting"}],
         "neuromodulation": {"g_s": -8, "g_u": 4}}
        """#
        let e = try NetworkExperiment.parse(Data(json.utf8), file: "net.json", folder: packageRoot())
        let cells = e.request.network.cells.map(\.neuron)
        #expect(cells[0].neuromodulation?.conductances == ["CaT", "H"])
        #expect(cells[1].neuromodulation?.conductances == ["CaS", "A"])
        #expect(cells[0].conductances.first { $0.name == "NaP" }?.tauScale == 2)
    }

    /// A comparison of a string with a family's name, or a test of a name's prefix: a family-specific branch.
    static func familyBranches(in text: String) throws -> [String] {
        let names = NeuronKind.builtIn.map(\.name).joined(separator: "|")
        let patterns = [#"(==|!=)\s*"(\#(names))""#, #""(\#(names))"\s*(==|!=|\?)"#, #"case\s*(\([^)]*,\s*)?"(\#(names))""#,
                        #"hasPrefix\("(\#(names))"#, #"\bkind\s*(==|!=)\s*""#]
        var found: [String] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for p in patterns where line.range(of: p, options: .regularExpression) != nil {
                found.append("line \(i + 1): \(line.trimmingCharacters(in: .whitespaces))")
                break
            }
        }
        return found
    }

    @Test("no source file outside the families folder branches on a family's name")
    func noFamilyBranches() throws {
        // The branches the check is built to find.
        #expect(try Self.familyBranches(in: #"let pair = kind == "da" ? ["CaL"] : ["CaS"]"#).count == 1)
        #expect(try Self.familyBranches(in: #"case (.paper, "stg"): x"#).count == 1)
        #expect(try Self.familyBranches(in: #"name.hasPrefix("stg") ? 1 : 2"#).count == 1)
        #expect(try Self.familyBranches(in: #"NeuronKind.named("stg")  // a look-up"#).isEmpty)
        let root = packageRoot()
        let walker = try #require(FileManager.default.enumerator(atPath: root + "/Sources"))
        var offenders: [String] = []
        for case let path as String in walker where path.hasSuffix(".swift") {
            let file = "Sources/" + path
            guard !file.hasPrefix("Sources/GanglionModels/Families/") else { continue }
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            offenders += try Self.familyBranches(in: text).map { "\(file) \($0)" }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }

    @Test("the paper variant's DIC shortcuts come from the cell's family")
    func paperDICOptions() throws {
        let stg = try NamedModel.named("stg-bursting")!.neuron(), da = try NamedModel.named("da-bursting")!.neuron()
        #expect(CompensationVariant.paper.options(for: stg) == DICOptions(calciumConductanceOverrides: ["CaS": 10]))
        #expect(CompensationVariant.paper.options(for: da) == DICOptions(leakInFastDIC: false))
        #expect(CompensationVariant.exact.options(for: stg) == DICOptions())
        var family = NeuronKind.stg
        family.paperDICOptions = DICOptions(calciumConductanceOverrides: ["CaS": 5])
        let cell = try family.neuron(conductances: NamedModel.named("stg-bursting")!.conductances)
        #expect(CompensationVariant.paper.options(for: cell).calciumConductanceOverrides == ["CaS": 5])
    }
}
