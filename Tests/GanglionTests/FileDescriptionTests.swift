import Foundation
import Testing
import Ganglion

@Suite("File descriptions")
struct FileDescriptionTests {
    @Test("reading a network file keeps its cells and modulation as declared; resolving generates and modulates them")
    func networkModulationIsDeclared() throws {
        let json = ##"""
        {"duration_ms": 1000, "population": {"generate": "stg", "seed": 2},
         "cells": [{"name": "A", "cell": "#1", "modulate": {"g_s": -8, "g_u": 4}, "V0": -60},
                   {"name": "B", "cell": "#0", "modulate": {"g_s": 1000}}]}
        """##
        let d = try NetworkFileDescription.parse(Data(json.utf8), file: "net.json", folder: packageRoot())
        guard case .populationCell(1) = d.cells[0].origin, case .populationCell(0) = d.cells[1].origin else {
            Issue.record("the cells are not the population's #1 and #0: \(d.cells.map(\.origin))")
            return
        }
        #expect(d.cells[0].modulation?.targets == [.s: -8, .u: 4] && d.cells[0].modulation?.conductances == nil)
        #expect(d.cells[1].modulation?.targets == [.s: 1000])
        guard case .generated(let g)? = d.population else { Issue.record("no generated population"); return }
        #expect(g.seed == 2 && g.count == nil && g.variant == nil)

        // Cell B's targets have no solution: only resolving, which runs the compensation solve, finds it.
        #expect { _ = try NetworkExperiment(resolving: d) } throws: { error in
            (error as? ModelFileError)?.field == "cells[1].modulate" && (error as? ModelFileError)?.file == "net.json"
        }
        var solvable = d
        solvable.cells.removeLast()
        let cell = try NetworkExperiment(resolving: solvable).request.network.cells[0].neuron
        // Independently: population cell #1, modulated at its grid threshold.
        let plain = try Population.generate(.stg, count: 2, seed: 2).cells[1]
        let vth = try DICCalculator(plain.effective()).threshold(.grid).V
        let expected = try compensate(plain, unknowns: ["CaS", "A"], targets: [.s: -8, .u: 4], at: .value(vth)).neuron
        for name in plain.conductanceNames { #expect(cell.gbar(name) == expected.gbar(name), "\(name)") }
        #expect(cell.gbar("CaS") != plain.gbar("CaS") && cell.initialVoltage == -60)
    }

    @Test("a clamp or release event in a network file is refused when the file is read, naming the event")
    func networkClampRefusedOnRead() {
        for event in [#"{"t": 100, "cells": "all", "clamp": -40}"#, #"{"t": 100, "cells": "all", "release": true}"#] {
            let json = #"{"duration_ms": 1000, "cells": [{"name": "A", "cell": "stg-spiking"}], "protocol": [\#(event)]}"#
            do {
                _ = try NetworkFileDescription.parse(Data(json.utf8), file: "net.json", folder: packageRoot())
                Issue.record("no error for \(event)")
            } catch {
                #expect("\(error)".contains("field 'protocol[0]'") && "\(error)".contains("lone cell"), "\(error)")
            }
        }
    }

    @Test("reading an experiment file keeps the population and the controllers as declared; resolving generates the cells and finds V_th")
    func experimentPopulationIsDeclared() throws {
        let json = #"""
        {"population": {"generate": "stg", "count": 3, "seed": 7}, "cells": [2, 0], "duration_ms": 1000,
         "homeostasis": {"Ca_target": 125, "regulate": ["Na", "NaP"]},
         "neuromodulation": {"g_s": -8, "g_u": 4},
         "protocol": [{"t": 500, "dic_targets": {"g_s": -6}}]}
        """#
        let d = try ExperimentFile.parse(Data(json.utf8), file: "exp.json", folder: packageRoot())
        guard case let .population(.generated(g), choice) = d.cells else { Issue.record("not a generated population: \(d.cells)"); return }
        #expect(g.count == 3 && g.seed == 7 && choice == .indices([2, 0]))
        // As written: no pair (the family's is taken when resolved), no threshold, the unknown channel kept.
        #expect(d.neuromodulation?.conductances == nil && d.neuromodulation?.thresholdVoltage == nil)
        #expect(d.homeostasis?.regulated == ["Na", "NaP"])
        #expect(d.events == [ProtocolEventDeclaration(time: 500, action: .exact(.dicTargets(gs: -6, gu: nil)))])

        // Resolving checks the regulated channels against the generated cell.
        #expect { _ = try Experiment(resolving: d) } throws: { error in
            (error as? ModelFileError)?.field == "homeostasis.regulate" && "\(error)".contains("NaP")
        }
        var valid = d
        valid.homeostasis?.regulated = ["Na"]
        let e = try Experiment(resolving: valid)
        let population = try Population.generate(.stg, count: 3, seed: 7).cells
        #expect(e.cells.map(\.index) == [2, 0])
        #expect(e.cells[0].neuron.gbar("Na") == population[2].gbar("Na") && e.cells[1].neuron.gbar("Na") == population[0].gbar("Na"))
        #expect(e.neuromodulation?.template.conductances == ["CaS", "A"])
        // V_th of each cell's controller: its own grid threshold.
        let m = try e.request(forCell: 1).neuron.neuromodulation
        #expect(m?.thresholdVoltage == (try DICCalculator(population[0].effective()).threshold(.grid).V))
    }
}
