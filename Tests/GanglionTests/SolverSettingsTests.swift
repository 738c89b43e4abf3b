import Foundation
import Testing
import Ganglion

/// A run's derived runs (snapshot reruns, the reference run of a calcium target, the preparatory run, the
/// controllers' reference runs of a network) are integrated with the run's own solver settings: each derived
/// result equals a direct run with those settings, and differs from one with the default settings.
@Suite("Solver settings of derived runs")
struct SolverSettingsTests {
    /// Settings that differ from the defaults in every field a file or the command line can set: a looser
    /// tolerance, a bounded step, SUNDIALS' step bounds and exact rates (each changes the result).
    static let settings = SolverSettings(method: .cvodeBDF, rtol: 1e-4, maxStep: 0.5, exactRates: true, sundialsStepBounds: true)
    static let overrides = SolverOverrides(exactRates: true, sundialsStepBounds: true)
    static let fileSolver = #""solver": {"name": "cvode-bdf", "rtol": 1e-4, "max_step": 0.5}"#

    func experiment(_ body: String) throws -> Experiment {
        let json = #"{"cell": "stg-bursting", "#  + Self.fileSolver + ", " + body + "}"
        let e = try Experiment.parse(Data(json.utf8), file: "exp.json", folder: packageRoot() + "/examples", solver: Self.overrides)
        #expect(e.request.solverSettings == Self.settings)
        return e
    }

    /// Mean calcium of the plain cell over `window` (ms), integrated with `settings`.
    func meanCalcium(_ cell: NeuronDescription, window: ClosedRange<Double>, settings: SolverSettings) throws -> Double {
        var r = SimulationRequest(neuron: cell, duration: window.upperBound)
        r.window = window
        r.solverSettings = settings
        return try simulate(r).meanCalcium!
    }

    @Test("file settings and command-line overrides combine into one value; --dt with CVODE is refused")
    func overridesApply() throws {
        var s = try SolverOverrides(method: .rk4, dt: 0.002).applied(to: Self.settings)
        #expect(s.method == .rk4 && s.fixedStep == 0.002 && s.rtol == 1e-4 && s.maxStep == 0.5 && s.exactRates)
        s = try SolverOverrides(method: .expEuler).applied(to: SolverSettings())
        #expect(s.fixedStep == SolverChoice.expEuler.defaultStep)
        #expect(throws: SolverOverrideError.self) { try SolverOverrides(dt: 0.01).applied(to: SolverSettings()) }
    }

    @Test("a snapshot rerun is integrated with the run's settings")
    func snapshot() throws {
        let e = try experiment(#""duration_ms": 200, "outputs": {"snapshots_ms": [0], "snapshot": {"duration_ms": 1500, "window_ms": [500, 1500]}}"#)
        let r = try simulate(try e.request(forCell: 0))
        let snapshot = try #require(r.snapshots.first?.meanCalcium)
        let cell = NamedModel.named("stg-bursting")!
        let direct = try meanCalcium(try cell.neuron(), window: 500...1500, settings: Self.settings)
        let defaults = try meanCalcium(try cell.neuron(), window: 500...1500, settings: SolverSettings())
        // Method and tolerances alone are not the settings: the step bound, step bounds and exact rates count too.
        let partial = try meanCalcium(try cell.neuron(), window: 500...1500, settings: SolverSettings(method: .cvodeBDF, rtol: 1e-4))
        #expect(snapshot == direct)
        #expect(direct != defaults && direct != partial)
    }

    @Test("the reference run of a calcium target is integrated with the run's settings")
    func referenceCalcium() throws {
        let e = try experiment(#""duration_ms": 200, "homeostasis": {"Ca_target": "reference", "reference_window_ms": [500, 1500]}"#)
        let target = try e.request(forCell: 0).neuron.homeostasis!.calciumTarget
        let direct = try meanCalcium(e.cells[0].neuron, window: 500...1500, settings: Self.settings)
        let defaults = try meanCalcium(e.cells[0].neuron, window: 500...1500, settings: SolverSettings())
        #expect(target == direct)
        #expect(direct != defaults)
    }

    @Test("the preparatory run is integrated with the run's settings")
    func preparation() throws {
        let e = try experiment(#""duration_ms": 200, "homeostasis": {"Ca_target": 125, "tau_g": 100}, "prepare": {"duration_ms": 1000}"#)
        let prepared = try e.request(forCell: 0).neuron
        // The preparatory run made directly: the cell with its controller, its conductances sampled at the end.
        var cell = e.cells[0].neuron
        cell.homeostasis = try e.homeostasis!.homeostasis(for: cell)
        func conductances(_ settings: SolverSettings) throws -> [String: Double] {
            var r = SimulationRequest(neuron: cell, duration: 1000)
            r.conductanceTimes = [1000]
            r.solverSettings = settings
            return try simulate(r).conductanceSamples[0].conductances
        }
        let direct = try conductances(Self.settings), defaults = try conductances(SolverSettings())
        for name in prepared.conductanceNames { #expect(prepared.gbar(name) == direct[name], "\(name)") }
        #expect(direct != defaults)
    }

    @Test("a network's controllers take their reference runs with the network's settings, overrides included")
    func networkReference() throws {
        let json = #"{"duration_ms": 200, "cells": [{"name": "a", "cell": "stg-bursting"}], "#  + Self.fileSolver + #","#
            + #""homeostasis": {"Ca_target": "reference", "reference_window_ms": [500, 1500]}}"#
        let e = try NetworkExperiment.parse(Data(json.utf8), file: "net.json", folder: packageRoot(), solver: Self.overrides)
        #expect(e.request.solverSettings == Self.settings)
        let target = try #require(e.request.network.cells[0].neuron.homeostasis?.calciumTarget)
        let plain = try NamedModel.named("stg-bursting")!.neuron()
        #expect(target == (try meanCalcium(plain, window: 500...1500, settings: Self.settings)))
    }

    @Test("ganglion sweep --dt integrates every cell with that fixed step; --dt with CVODE is refused")
    func sweepStep() throws {
        let dir = try temporaryFolder("sweep-dt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let population = try Population.generate(.stg, count: 1, seed: 3)
        try PopulationFile.write(population, to: dir + "/pop.json")
        let r = try ganglion(["sweep", dir + "/pop.json", "--duration", "1500", "--window", "500:1500", "--solver", "exp-euler",
                              "--dt", "0.02", "--jobs", "1", "--quiet", "--out", dir + "/f.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: dir + "/f.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let column = try #require(lines[0].firstIndex(of: "mean_ca"))
        let swept = try #require(Double(lines[1][column]))
        let cell = population.cells[0]
        let direct = try meanCalcium(cell, window: 500...1500, settings: SolverSettings(method: .expEuler, dt: 0.02))
        let defaultStep = try meanCalcium(cell, window: 500...1500, settings: SolverSettings(method: .expEuler))
        #expect(abs(swept - direct) <= 1e-9 * abs(direct), "sweep \(swept), direct \(direct)")   // the table's 10 digits
        #expect(abs(direct - defaultStep) > 1e-6 * abs(direct))
        let refused = try ganglion(["sweep", dir + "/pop.json", "--duration", "100", "--dt", "0.02", "--quiet", "--out", dir + "/g.csv"])
        #expect(refused.status != 0 && refused.stderr.contains("--dt applies to the fixed-step solvers"), "\(refused.stderr)")
    }
}
