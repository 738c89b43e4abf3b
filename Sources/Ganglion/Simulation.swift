import Foundation

/// Extra quantities written to the trace besides V and Ca.
public enum RecordItem: Sendable, Equatable {
    /// Every gate (`Na.m`, `Na.h`, …).
    case gates
    /// Every ionic current (`I_Na_uA_cm2`, …, outward positive).
    case currents
    /// One state by its layout name, or one current as `I_<channel>`.
    case named(String)

    /// Parses a comma-separated list (`gates,currents,CaS.m,I_KCa`).
    public static func parseList(_ text: String) -> [RecordItem] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
            switch $0 {
            case "gates": .gates
            case "currents": .currents
            default: .named($0)
            }
        }
    }
}

/// A single-neuron simulation: what to integrate, how, and what to write.
public struct SimulationRequest: Sendable {
    public var neuron: NeuronDescription
    /// Duration (ms).
    public var duration: Double
    /// Output sample spacing (ms).
    public var outputInterval: Double = 0.1
    public var solver: SolverChoice = .cvodeBDF
    public var rtol: Double = 1e-6
    /// V's absolute tolerance (mV); see `SolverChoice.integrator`.
    public var atol: Double?
    /// Fixed step (ms) for exp-euler and rk4.
    public var dt: Double?
    public var maxStep: Double?
    public var linearSolver: CVODEOptions.LinearSolver = .structured
    /// Analysis window (ms); `nil`: 3000 ms to the end (the paper's), or the whole run if shorter.
    public var window: ClosedRange<Double>?
    /// Trace file to write (CSV); `nil`: none.
    public var tracePath: String?
    public var record: [RecordItem] = []
    /// Called with the simulated time (ms) now and then, for progress reports.
    public var progress: (@Sendable (Double) -> Void)?
    /// Polled at every output sample; returning true stops the run, keeping what was computed.
    public var shouldStop: (@Sendable () -> Bool)?
    /// Protocol events (blockades, current steps, conductance changes) at exact times, in time order.
    public var events: [ProtocolEvent] = []
    /// More analysis windows (ms), each reported in `SimulationReport.windowFeatures`.
    public var extraWindows: [ClosedRange<Double>] = []
    /// Write only the trace rows inside this window (ms); nil: the whole run.
    public var traceWindow: ClosedRange<Double>?
    /// Conductances in effect and the calcium moving average, sampled every so often (ms) into
    /// `conductancesPath` (CSV); nil: none.
    public var conductanceInterval: Double?
    public var conductancesPath: String?
    /// Window of the calcium moving average (ms); a multiple of `conductanceInterval`.
    public var calciumAverageWindow: Double = 5000
    /// Times (ms) at which the conductances in effect are reported in the summary.
    public var conductanceTimes: [Double] = []
    /// Firing-pattern snapshots (`control.md` §5): at each time (ms), the conductances in effect are frozen,
    /// the plain model is rerun from the standard initial conditions for `snapshotDuration` and analysed
    /// in `snapshotWindow` (the paper: 15 s, 3–15 s).
    public var snapshotTimes: [Double] = []
    public var snapshotDuration: Double = 15000
    public var snapshotWindow: ClosedRange<Double> = 3000...15000
    /// Write a checkpoint to `checkpointPath` every so often (simulated ms); nil: none. Checkpoint times are
    /// segment boundaries of every run with the same interval, so a resumed run is identical to an
    /// uninterrupted one.
    public var checkpointInterval: Double?
    public var checkpointPath: String?
    /// Continue from this checkpoint file (written by an earlier run of the same request).
    public var resumeFrom: String?

    public init(neuron: NeuronDescription, duration: Double) {
        self.neuron = neuron
        self.duration = duration
    }
}

/// What a simulation produced.
public struct SimulationReport: Sendable {
    public var model: String
    public var features: FiringFeatures
    public var meanCalcium: Double?
    /// Analysis window actually covered (ms).
    public var window: ClosedRange<Double>
    public var solverName: String
    public var rtol: Double?
    public var atol: [String: Double]?
    public var dt: Double?
    public var statistics: SolverStatistics
    /// Wall-clock time of the integration, trace writing included (ms).
    public var wallMilliseconds: Double
    public var duration: Double
    public var tracePath: String?
    /// Per homeostatically regulated conductance, the time (ms) its ḡ spent clamped at zero.
    public var clampedTime: [String: Double] = [:]
    /// Per regulated conductance that reached zero, the first time (ms) it did.
    public var zeroTimes: [String: Double] = [:]
    /// Features of each of `SimulationRequest.extraWindows`, in order.
    public var windowFeatures: [(window: ClosedRange<Double>, features: FiringFeatures, meanCalcium: Double?)] = []
    /// The conductances in effect (mS/cm²) at each of `SimulationRequest.conductanceTimes`.
    public var conductanceSamples: [ConductanceSample] = []
    /// The firing-pattern snapshots, in time order.
    public var snapshots: [Snapshot] = []
    /// The final state, by layout name.
    public var finalState: [String: Double] = [:]
    /// The simulated time (ms) this run was resumed from, if it was.
    public var resumedAt: Double?
    /// The path of the conductance samples file, if written.
    public var conductancesPath: String?
}

/// The conductances in effect at one time.
public struct ConductanceSample: Sendable, Codable, Equatable {
    /// Time (ms).
    public var time: Double
    /// ḡ in effect by channel (mS/cm², block fractions applied).
    public var conductances: [String: Double]
}

/// A firing-pattern snapshot: the plain model with the conductances of time `time`, rerun and analysed.
public struct Snapshot: Sendable, Codable {
    public var time: Double
    public var conductances: [String: Double]
    public var features: FiringFeatures
    public var meanCalcium: Double?
    /// Why the rerun failed, if it did.
    public var error: String?
}

/// A simulation that failed; what was computed before the failure was kept (`partialTracePath`).
public struct SimulationError: Error, CustomStringConvertible {
    public var message: String
    public var partialTracePath: String?
    public var solverError: SolverError?
    public var description: String {
        var s = message
        if let p = partialTracePath { s += "\nthe trace computed so far was kept in \(p)" }
        return s
    }
}

/// The run was stopped on request (e.g. Ctrl-C).
public struct Interrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted" }
}

