import Foundation
import Ganglion

/// The explorer's science side: the models of the menu, and one update — a state of the page turned into a
/// simulation, DIC curves, a compensation solve and firing features, all computed by the Ganglion library
/// (`simulate`, `DICCalculator`, `compensate`). Immutable and shared by every connection.
public final class Explorer: Sendable {
    /// The model given on the command line (or the default), first in the menu.
    public let primary: String
    /// The menu: the model given, then the named models of its family, by name.
    public let models: [(name: String, neuron: NeuronDescription)]
    /// How updates are computed.
    public let settings: ExploreSettings

    /// An explorer of `neuron` (named `name` in the menu) and its family's named models.
    public init(neuron: NeuronDescription, name: String, settings: ExploreSettings = ExploreSettings()) throws(ExploreError) {
        if let p = settings.problem { throw .badRequest(p) }
        primary = name
        var menu = [(name, neuron)]
        for m in NeuronKind.of(neuron)?.models ?? [] where m.name != name {
            if let n = try? m.neuron() { menu.append((m.name, n)) }
        }
        models = menu
        self.settings = settings
    }

    /// The names of the menu, in order.
    public var modelNames: [String] { models.map(\.name) }

    /// The menu's model called `name`.
    public func neuron(named name: String) throws(ExploreError) -> NeuronDescription {
        guard let n = models.first(where: { $0.name == name })?.neuron else {
            throw .badRequest("unknown model '\(name)' (known: \(modelNames.joined(separator: ", ")))")
        }
        return n
    }

    /// The neuron a state describes, before any compensation: the model with the state's conductances,
    /// current and blockades. Unknown channels, negative conductances and non-finite numbers are refused.
    public func neuron(for state: ExploreState) throws(ExploreError) -> NeuronDescription {
        var n = try neuron(named: state.model)
        let names = n.conductanceNames
        for (channel, g) in state.conductances.sorted(by: { $0.key < $1.key }) {
            guard names.contains(channel) else {
                throw .badRequest("unknown conductance '\(channel)' (known: \(names.joined(separator: ", ")))")
            }
            guard g.isFinite, g >= 0 else { throw .badRequest("conductance \(channel) = \(g) mS/cm²: must be finite and ≥ 0") }
            n.setGbar(channel, g)
        }
        guard state.current.isFinite, abs(state.current) <= 1000 else {
            throw .badRequest("applied current \(state.current) µA/cm²: must be finite, at most 1000 in size")
        }
        n.appliedCurrent = state.current
        for channel in state.blocked {
            guard names.contains(channel) else {
                throw .badRequest("cannot block '\(channel)': no such channel (known: \(names.joined(separator: ", ")))")
            }
            n.blockFractions[channel] = 0
        }
        do { try n.validate() } catch { throw .badRequest("\(error)") }
        return n
    }

    /// The page's starting state for the menu's model `name`: its conductances, no current, no blockade.
    public func initialState(model name: String) throws(ExploreError) -> ExploreState {
        let n = try neuron(named: name)
        var g: [String: Double] = [:]
        for c in n.conductanceNames { g[c] = n.gbar(c)! }
        return ExploreState(model: name, conductances: g, current: n.appliedCurrent)
    }

    /// One update: the state's neuron, compensated when the state has targets (the family's modulated pair
    /// at the threshold), simulated for `settings.duration` (the path of `ganglion simulate`) with its DIC
    /// curves and firing features. `shouldStop` is polled while simulating: a newer request makes it true,
    /// and the update is abandoned (`nil`).
    public func update(_ state: ExploreState, shouldStop: (@Sendable () -> Bool)? = nil) throws(ExploreError) -> ExploreUpdate? {
        let started = ContinuousClock.now
        var neuron = try neuron(for: state)
        var compensation: CompensationResult?
        if let t = state.targets {
            guard let pair = NeuronKind.of(neuron)?.modulatedPair, !pair.isEmpty else {
                throw .badRequest("the model's family has no modulated pair to solve for the DIC targets")
            }
            do {
                let r = try compensate(neuron, unknowns: pair, targets: [.s: t.gs, .u: t.gu], at: .threshold(.grid))
                neuron = r.neuron
                compensation = r
            } catch {
                throw .failed("compensation of \(pair.joined(separator: ", ")) for g_s* = \(t.gs), g_u* = \(t.gu): \(error)")
            }
        }
        var request = SimulationRequest(neuron: neuron, duration: settings.duration)
        request.solverSettings = settings.solver
        request.window = settings.window
        request.envelopeBuckets = settings.traceBuckets
        request.shouldStop = shouldStop
        let simulated = ContinuousClock.now
        let report: SimulationReport
        do { report = try simulate(request) } catch {
            if shouldStop?() == true { return nil }
            throw .failed("simulation: \(error.message)")
        }
        if shouldStop?() == true { return nil }
        let simulationTime = ContinuousClock.now - simulated
        let curves = dicCurves(neuron)
        return ExploreUpdate(state: state, neuron: neuron, compensation: compensation, report: report, dics: curves,
                             simulationMilliseconds: simulationTime.milliseconds,
                             computeMilliseconds: (ContinuousClock.now - started).milliseconds)
    }

    /// The DIC curves of `neuron` (blockades applied) over `settings.dicVoltages`, its threshold and the DICs there.
    func dicCurves(_ neuron: NeuronDescription) -> DICCurves {
        var curves = DICCurves()
        let calc: DICCalculator
        do { calc = try DICCalculator(neuron.effective()) } catch {
            curves.error = "\(error)"
            return curves
        }
        let (a, b, step) = settings.dicVoltages
        var V = a
        while V <= b + 1e-9 {
            let d = calc.dics(at: V)
            curves.points.append((V, d.gf, d.gs, d.gu))
            V += step
        }
        do {
            let th = try calc.threshold(.grid)
            curves.threshold = th.V
            curves.atThreshold = calc.dics(at: th.V)
        } catch {
            curves.error = "\(error)"
        }
        return curves
    }
}

/// The DICs g_f, g_s, g_u over V (per g_leak), the threshold (mV) and the DICs there.
public struct DICCurves: Sendable {
    public var points: [DICPlot.Point] = []
    public var threshold: Double?
    public var atThreshold: DICValues?
    /// Why there is no threshold (or no curve), if so.
    public var error: String?
}

/// What one update computed.
public struct ExploreUpdate: Sendable {
    /// The state asked for.
    public var state: ExploreState
    /// The neuron simulated (conductances after any compensation; blockades as fractions).
    public var neuron: NeuronDescription
    /// The compensation solve, when the state had targets.
    public var compensation: CompensationResult?
    /// The simulation's report (features in the window; `envelope` the drawn trace).
    public var report: SimulationReport
    /// The DIC curves and threshold.
    public var dics: DICCurves
    /// Wall time of the simulation alone (ms).
    public var simulationMilliseconds: Double
    /// Wall time of the whole update: compensation, simulation and DICs (ms).
    public var computeMilliseconds: Double
}

extension Duration {
    /// The duration in milliseconds.
    var milliseconds: Double {
        let (s, a) = components
        return Double(s) * 1000 + Double(a) / 1e15
    }
}
