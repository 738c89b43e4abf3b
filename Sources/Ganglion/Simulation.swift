import Foundation

/// Extra quantities written to the trace besides V and Ca.
public enum RecordItem: Sendable, Equatable {
    /// Every gate (`Na.m`, `Na.h`, …).
    case gates
    /// Every ionic current (`I_Na_uA_cm2`, …, outward positive).
    case currents
    /// One state by its layout name, one current as `I_<channel>`, or `I_clamp` (the current a voltage clamp
    /// injects, `CompiledNeuron.clampCurrent`).
    case named(String)
    /// dV/dt (mV/ms) from the cell's right-hand side at each sample (column `dVdt_mV_ms`), for phase planes.
    case voltageDerivative

    /// Parses a comma-separated list (`gates,currents,CaS.m,I_KCa,dVdt`).
    public static func parseList(_ text: String) -> [RecordItem] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
            switch $0 {
            case "gates": .gates
            case "currents": .currents
            case "dVdt": .voltageDerivative
            default: .named($0)
            }
        }
    }
}

/// A single-neuron simulation: what to integrate, how, and what to write.
public struct SimulationRequest: Sendable, SolverConfigured {
    /// The neuron to simulate: conductances, calcium dynamics, initial state and any controllers.
    public var neuron: NeuronDescription
    /// Duration (ms).
    public var duration: Double
    /// Output sample spacing (ms); default `defaultOutputInterval`.
    public var outputInterval: Double = SimulationRequest.defaultOutputInterval
    /// The default output sample spacing (ms).
    public static let defaultOutputInterval = 0.1
    /// How the run is integrated (method, tolerances, step, linear solver, rates); snapshot reruns take the same.
    public var solverSettings = SolverSettings()
    /// CVODE's Newton linear solver (`solverSettings.linearSolver`).
    public var linearSolver: CVODEOptions.LinearSolver {
        get { solverSettings.linearSolver }
        set { solverSettings.linearSolver = newValue }
    }
    /// Analysis window (ms) of the report's main features; `nil`: with protocol events inside the run, the
    /// last segment's window (`SimulationReport.segments`); without, 3000 ms to the end (the paper's), or the
    /// whole run if shorter.
    public var window: ClosedRange<Double>?
    /// Settling time (ms) of each segment between protocol events: a segment [start, end) is analysed from
    /// start + min(`segmentSettling`, (end − start)/2) to its end.
    public var segmentSettling: Double = 1000
    /// Trace file to write (CSV or NWB, `traceFormat`); `nil`: none.
    public var tracePath: String?
    /// The trace's format (CSV, or NWB with its session metadata), written directly while the run goes.
    public var traceFormat: TraceSinkFormat = .csv
    /// Extra quantities written to the trace besides t, V and Ca; empty: none.
    public var record: [RecordItem] = []
    /// Keep V and Ca in memory as a `TraceEnvelope` of this many time buckets (`SimulationReport.envelope`),
    /// for drawing; nil: none.
    public var envelopeBuckets: Int?
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
    /// `conductancesPath`; nil: none.
    public var conductanceInterval: Double?
    /// Conductance samples file, written every `conductanceInterval`; `nil`: none.
    public var conductancesPath: String?
    /// The format of the conductance samples file: CSV (the default) or NWB.
    public var conductancesFormat: TraceSinkFormat = .csv
    /// Window of the calcium moving average (ms); a multiple of `conductanceInterval`.
    public var calciumAverageWindow: Double = 5000
    /// Times (ms) at which the conductances in effect are reported in the summary.
    public var conductanceTimes: [Double] = []
    /// Firing-pattern snapshots (Docs/science/controllers.md §5): at each time (ms), the conductances in effect are frozen,
    /// the plain model is rerun from the standard initial conditions for `snapshotDuration` and analysed
    /// in `snapshotWindow` (the paper: 15 s, 3–15 s).
    public var snapshotTimes: [Double] = []
    /// Duration of each snapshot rerun (ms).
    public var snapshotDuration: Double = 15000
    /// Analysis window of each snapshot rerun (ms); must lie inside `snapshotDuration`.
    public var snapshotWindow: ClosedRange<Double> = 3000...15000
    /// Write a checkpoint to `checkpointPath` every so often (simulated ms); nil: none. Checkpoint times are
    /// segment boundaries of every run with the same interval, so a resumed run is identical to an
    /// uninterrupted one.
    public var checkpointInterval: Double?
    /// Checkpoint file, overwritten atomically at each checkpoint and once more at the end of the run, before
    /// the outputs are committed (so that a run killed at any point can be resumed); the caller removes it
    /// once it has recorded the result. Required with `checkpointInterval`.
    public var checkpointPath: String?
    /// Continue from this checkpoint file (written by an earlier run of the same request).
    public var resumeFrom: String?
    /// Whether an output's existing `<file>.partial` may be replaced when the run starts afresh: true when it is
    /// this run's own unfinished file (a resumed run killed before its first checkpoint); otherwise an existing
    /// `.partial` is refused unless `OutputPolicy.replacesForeignFiles`. Default false.
    public var replacesPartialOutputs = false

    /// A request to simulate `neuron` for `duration` ms, with the defaults for everything else.
    public init(neuron: NeuronDescription, duration: Double) {
        self.neuron = neuron
        self.duration = duration
    }
}

/// What a simulation produced.
public struct SimulationReport: Sendable {
    /// Name of the simulated model.
    public var model: String
    /// Firing features in the analysis window `window`.
    public var features: FiringFeatures
    /// Time-averaged calcium over the analysis window (model units); `nil` if no sample fell in it.
    public var meanCalcium: Double?
    /// Analysis window actually covered (ms).
    public var window: ClosedRange<Double>
    /// Name of the integrator that ran (`cvode-bdf`, `cvode-adams`, `exp-euler`, `rk4`).
    public var solverName: String
    /// Relative tolerance used (dimensionless); `nil` for the fixed-step methods.
    public var rtol: Double?
    /// Absolute tolerances used, keyed `V` (mV), `Ca` (model units) and `gates` (dimensionless);
    /// `nil` for the fixed-step methods.
    public var atol: [String: Double]?
    /// Fixed step used (ms); `nil` for CVODE.
    public var dt: Double?
    /// Solver work counters, summed over all segments of the run.
    public var statistics: SolverStatistics
    /// Wall-clock time of the integration, trace writing included (ms).
    public var wallMilliseconds: Double
    /// Simulated duration (ms).
    public var duration: Double
    /// The trace file (CSV), if one was requested.
    public var tracePath: String?
    /// Per homeostatically regulated conductance, the time (ms) its ḡ spent clamped at zero.
    public var clampedTime: [String: Double] = [:]
    /// Per regulated conductance that reached zero, the first time (ms) it did.
    public var zeroTimes: [String: Double] = [:]
    /// With the exact STG controller reference: the time (ms, checked every 10 ms) it spent at the closest
    /// approach past a fold of the exact problem (targets out of reach), and the first time it did.
    public var closestApproach: (time: Double, first: Double?)?
    /// With protocol events inside the run: the firing features of each segment between events, in order.
    public var segments: [SegmentResult] = []
    /// Features of each of `SimulationRequest.extraWindows`, in order.
    public var windowFeatures: [(window: ClosedRange<Double>, features: FiringFeatures, meanCalcium: Double?)] = []
    /// Means of the mechanisms' readouts (`CellMechanism.readouts`, named `<mechanism>.<readout>`) over the
    /// main window, then each of `windowFeatures`' windows; empty without readouts.
    public var readouts: [(window: ClosedRange<Double>, means: [String: Double])] = []
    /// The readouts' targets, where they have one.
    public var readoutTargets: [String: Double] = [:]
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
    /// V and Ca kept in memory for drawing, with `SimulationRequest.envelopeBuckets`.
    public var envelope: TraceEnvelope?
}

/// The part of a run between two protocol event times, and what its window showed.
public struct SegmentResult: Sendable {
    /// The segment's span [start, end] (ms): from the run's start or an event time to the next event time or the end.
    public var span: ClosedRange<Double>
    /// What began the segment: `start`, or the events at its start (`block H`, …).
    public var began: String
    /// The analysis window (ms): the span less its settling time (`SimulationRequest.segmentSettling`).
    public var window: ClosedRange<Double>
    /// Firing features in `window`.
    public var features: FiringFeatures
    /// Time-averaged calcium over `window` (model units); nil if no sample fell in it.
    public var meanCalcium: Double?
}

/// The segments of a run of `duration` ms between the times of `events` (events at 0 act before the start, events
/// at the end begin nothing), each with its window after `settling` ms (at most half the segment) and what began it.
/// Empty when no event falls inside the run.
public func protocolSegments(events: [ProtocolEvent], duration: Double, settling: Double)
    -> [(span: ClosedRange<Double>, window: ClosedRange<Double>, began: String)] {
    let cuts = Array(Set(events.map(\.time).filter { $0 > 0 && $0 < duration })).sorted()
    guard !cuts.isEmpty else { return [] }
    let starts = [0.0] + cuts, ends = cuts + [duration]
    return zip(starts, ends).map { a, b in
        let began = a == 0 ? "start" : events.filter { $0.time == a }.map(\.summary).joined(separator: "; ")
        return (a...b, (a + min(max(settling, 0), (b - a) / 2))...b, began)
    }
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
    /// Time the conductances were taken at (ms).
    public var time: Double
    /// ḡ in effect at `time` by channel (mS/cm², block fractions applied).
    public var conductances: [String: Double]
    /// Firing features of the rerun in `SimulationRequest.snapshotWindow` (silent if the rerun failed).
    public var features: FiringFeatures
    /// Time-averaged calcium of the rerun over its window (model units); `nil` if the rerun failed.
    public var meanCalcium: Double?
    /// Why the rerun failed, if it did.
    public var error: String?
}

extension Snapshot {
    /// The snapshot of `cell` (a plain cell, conductances in effect) taken at `time`: the cell rerun alone for
    /// `duration` ms with `settings` and analysed over `window`. A failed rerun is recorded with its error; one
    /// stopped by `shouldStop` throws.
    static func take(of cell: NeuronDescription, at time: Double, conductances: [String: Double], duration: Double,
                     window: ClosedRange<Double>, settings: SolverSettings,
                     shouldStop: (@Sendable () -> Bool)?) throws(SimulationError) -> Snapshot {
        var rerun = SimulationRequest(neuron: cell, duration: duration)
        rerun.window = window
        rerun.solverSettings = settings
        rerun.shouldStop = shouldStop   // a signal stops a snapshot's rerun too
        var snapshot = Snapshot(time: time, conductances: conductances, features: FiringFeatures(spikeTimes: []))
        do {
            let r = try simulate(rerun)
            snapshot.features = r.features
            snapshot.meanCalcium = r.meanCalcium
        } catch {
            if shouldStop?() == true { throw SimulationError(message: "interrupted during the snapshot at \(time) ms") }
            snapshot.error = error.description
        }
        return snapshot
    }
}

/// A simulation that failed; what was computed before the failure was kept (`partialTracePath`).
public struct SimulationError: Error, CustomStringConvertible {
    /// What went wrong, ready to show.
    public var message: String
    /// Where the trace computed before the failure was kept (`<trace>.partial`); `nil`: no trace.
    public var partialTracePath: String?
    /// The integrator's error, when the integrator failed.
    public var solverError: SolverError?
    /// The message, plus where the partial trace was kept.
    public var description: String {
        var s = message
        if let p = partialTracePath { s += "\nthe trace computed so far was kept in \(p)" }
        return s
    }
}

/// The run was stopped on request (e.g. Ctrl-C).
public struct Interrupted: Error, CustomStringConvertible {
    /// Creates the error.
    public init() {}
    /// The text "interrupted".
    public var description: String { "interrupted" }
}

