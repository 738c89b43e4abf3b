import Foundation
import GanglionCore

/// The one run loop of Ganglion, for a cell and for a circuit alike.
///
/// The run is split into segments at every event, snapshot, requested sample time and checkpoint; the
/// integrator is re-initialised at each. Samples share one output grid (origin 0) and go to every observer
/// in order. At a boundary the subject's events act, then the observers see the boundary; where an event
/// changed the system the next segment's first sample (the state just after the events) is taken too, so a
/// trace has the state just before and just after. A checkpoint holds the engine's, the subject's and every
/// observer's state; resuming from it gives the same outputs, byte for byte, as a run that was never stopped.
/// A run stops with a clear error when a cell leaves the range the model describes (`voltageBound`).
final class RunEngine {
    /// Everything a checkpoint holds.
    struct Checkpoint: Codable {
        var version = RunEngine.checkpointVersion
        /// Identifies the request (a checkpoint of another request is refused).
        var fingerprint: String
        var time: Double
        /// The state of the system at `time`, after the events there.
        var state: [Double]
        /// Whether the next segment's first sample was already taken (no event acted at `time`).
        var skipFirstSample: Bool
        var statistics: SolverStatistics
        var algorithm: String
        var wallMilliseconds: Double
        var subject: String
        var observers: [String: String]
    }

    static let checkpointVersion = 3

    /// What the run gives besides its observers' results.
    struct Outcome {
        var statistics: SolverStatistics
        /// The integrator's name as it reports itself.
        var algorithm: String
        var wallMilliseconds: Double
        /// The time (ms) a resumed run went on from.
        var resumedAt: Double?
        var settings: SolverSettings

        /// The solver, its settings and statistics, as written in summaries and NWB files.
        var solverObject: [String: Any] {
            var o = statistics.jsonObject
            o["name"] = algorithm
            if let dt = settings.fixedStep { o["dt_ms"] = dt } else { o["rtol"] = settings.rtol }
            return o
        }
    }

    let subject: any RunSubject
    let observers: [any RunObserver]
    let settings: SolverSettings
    let duration: Double
    let outputInterval: Double
    /// Segment ends (ms), sorted, the last one the duration.
    let boundaries: [Double]
    let checkpointTimes: Set<Double>
    let checkpointPath: String?
    let fingerprint: String
    let progress: (@Sendable (Double) -> Void)?
    let shouldStop: (@Sendable () -> Bool)?

    private var time = 0.0
    private var skipFirst = false
    private var statistics = SolverStatistics()
    private var algorithm: String
    private var wallBefore = 0.0
    private var resumedAt: Double?

    /// An engine over `subject` from 0 to `duration` (ms); `cuts`: times where observers need a boundary
    /// (snapshots, requested samples); checkpoints every `checkpointInterval` ms to `checkpointPath`.
    init(subject: any RunSubject, observers: [any RunObserver], settings: SolverSettings, duration: Double,
         outputInterval: Double, cuts: [Double], checkpointInterval: Double?, checkpointPath: String?, fingerprint: String,
         progress: (@Sendable (Double) -> Void)?, shouldStop: (@Sendable () -> Bool)?) throws(SimulationError) {
        self.subject = subject
        self.observers = observers
        self.settings = settings
        self.duration = duration
        self.outputInterval = outputInterval
        self.checkpointPath = checkpointPath
        self.fingerprint = fingerprint
        self.progress = progress
        self.shouldStop = shouldStop
        algorithm = settings.method.rawValue
        var checkpoints: [Double] = []
        if let c = checkpointInterval {
            guard c.isFinite, c > 0 else { throw SimulationError(message: "checkpoint interval \(c) ms must be > 0") }
            guard checkpointPath != nil else { throw SimulationError(message: "a checkpoint interval needs a checkpoint path") }
            var k = 1.0
            while k * c < duration { checkpoints.append(k * c); k += 1 }
        }
        checkpointTimes = Set(checkpoints)
        let all = subject.eventTimes + cuts + checkpoints + subject.extraBoundaries
        boundaries = Array(Set(all.filter { $0 > 0 && $0 < duration })).sorted() + [duration]
    }

    /// Takes the run back to the checkpoint at `path`: the engine's, the subject's and every observer's state.
    /// Nothing is changed on disk when the checkpoint cannot be used.
    func resume(from path: String) throws(SimulationError) {
        func fail(_ why: String) -> SimulationError { SimulationError(message: "\(path): \(why); every file is left as it is") }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot read the checkpoint") }
        let saved: Checkpoint
        do { saved = try JSONInput.decode(Checkpoint.self, from: data) } catch {
            throw fail("cannot read the checkpoint (\(error)); a checkpoint of another version of Ganglion cannot be resumed")
        }
        guard saved.version == Self.checkpointVersion else {
            throw fail("the checkpoint has version \(saved.version), this Ganglion reads version \(Self.checkpointVersion)")
        }
        guard saved.fingerprint == fingerprint else {
            throw fail("the checkpoint belongs to a different run (model, protocol, solver or outputs changed)")
        }
        do {
            try subject.restore(saved.subject)
            guard saved.state.count == subject.system.layout.count else { throw SimulationError(message: "its state does not match the system") }
            subject.state = saved.state
            for o in observers {
                try o.restore(saved.observers[o.key])
                try o.systemChanged()
            }
        } catch let e as SimulationError {
            throw e.message.hasSuffix("every file is left as it is") ? e : fail(e.message)
        } catch {
            throw fail("\(error)")
        }
        time = saved.time
        skipFirst = saved.skipFirstSample
        statistics = saved.statistics
        algorithm = saved.algorithm
        wallBefore = saved.wallMilliseconds
        resumedAt = saved.time
    }

    /// Runs to the end (from the checkpoint when resumed), then commits every output.
    func run() throws(SimulationError) -> Outcome {
        let start = DispatchTime.now().uptimeNanoseconds
        let wallBefore = self.wallBefore
        func wallNow() -> Double { wallBefore + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }
        var nextProgress = time
        let progressStep = max(duration / 100, 1000)
        do {
            if resumedAt == nil {
                // A fresh start: the events at 0 act before the start; then the observers' boundary at 0.
                _ = try subject.applyEvents(at: 0)
                for o in observers { try o.systemChanged() }
                for o in observers { try o.boundary(0, changed: true) }
                skipFirst = false
            }
            for boundary in boundaries where boundary > time {
                let segmentStart = time
                // Boundaries closer than a billionth of their time (events 1e-13 ms apart) are one instant: no
                // integration between them (no integrator can resolve the span).
                let integrates = boundary - segmentStart > 1e-9 * max(1, abs(boundary))
                if integrates {
                    var problem: ODEProblem
                    do {
                        problem = try ODEProblem(system: subject.system, initialState: subject.state, startTime: segmentStart,
                                                 endTime: boundary, outputInterval: outputInterval, outputOrigin: 0)
                    } catch { throw SimulationError(message: "\(error)") }
                    problem.shouldStop = shouldStop
                    let skip = skipFirst
                    let shouldStop = shouldStop, reportProgress = progress
                    // The observers that watch samples, as one function (`fanOut`).
                    let sample = Self.fanOut(observers.filter(\.watchesSamples))
                    // Each cell's V index, in memory the closure reads without retaining an array per sample.
                    let offsets = subject.cells.map(\.offset)
                    let cellCount = offsets.count
                    let offset = UnsafeMutablePointer<Int>.allocate(capacity: cellCount)
                    offset.initialize(from: offsets, count: cellCount)
                    defer { offset.deallocate() }
                    let solution = try settings.integrator(for: subject.system).solve(problem) { t, y in
                        if skip, t == segmentStart { return }
                        if shouldStop?() == true { throw Interrupted() }
                        for k in 0..<cellCount where !(abs(y[offset[k]]) <= Self.voltageBound && y[offset[k] + 1] >= 0) {
                            try self.outOfRange(t, y, offsets)
                        }
                        try sample(t, y)
                        if reportProgress != nil, t >= nextProgress {
                            reportProgress?(t)
                            nextProgress = t + progressStep
                        }
                    }
                    statistics += solution.statistics
                    algorithm = solution.algorithm
                    subject.state = solution.finalState
                }
                time = boundary
                subject.reached(boundary)
                let changed = try subject.applyEvents(at: boundary)
                skipFirst = integrates ? !changed : skipFirst && !changed
                if changed { for o in observers { try o.systemChanged() } }
                for o in observers { try o.boundary(boundary, changed: changed) }
                if checkpointTimes.contains(boundary) { try checkpoint(wall: wallNow()) }
            }
            // The end: a last checkpoint (with the outputs' final positions) before the outputs are committed,
            // so a run killed at any point from here on resumes to the same files. The caller removes the
            // checkpoint once it has written the run's summary.
            if checkpointPath != nil, (resumedAt ?? 0) < duration { try checkpoint(wall: wallNow()) }
            let outcome = Outcome(statistics: statistics, algorithm: algorithm, wallMilliseconds: wallNow(), resumedAt: resumedAt, settings: settings)
            for o in observers { try o.finish(outcome) }
        } catch let e as SolverError {
            var e = e
            e.statistics += statistics
            throw SimulationError(message: subject.describe(e), partialTracePath: abandon(), solverError: e)
        } catch let e as SimulationError {
            var e = e
            e.partialTracePath = abandon()
            throw e
        } catch {
            throw SimulationError(message: "\(error)", partialTracePath: abandon())
        }
        return Outcome(statistics: statistics, algorithm: algorithm, wallMilliseconds: wallNow(), resumedAt: resumedAt, settings: settings)
    }

    /// A run stops when a cell's |V| exceeds this (mV) or its calcium turns negative.
    static let voltageBound = 1000.0

    /// Stops a run whose cells leave the range the model describes (e.g. an applied current of 10⁹ µA/cm², or a
    /// fixed step far too large), instead of reporting numbers that mean nothing.
    private func outOfRange(_ t: Double, _ y: UnsafeBufferPointer<Double>, _ offsets: [Int]) throws(SimulationError) {
        for (k, o) in offsets.enumerated() {
            let V = y[o], Ca = y[o + 1]
            guard abs(V) <= Self.voltageBound, Ca >= 0 else {
                let what = Ca >= 0 ? "V = \(V) mV, outside ±\(Self.voltageBound) mV" : "Ca = \(Ca), below 0"
                let whose = subject.cellNames.map { "cell \($0[k]): " } ?? ""
                throw SimulationError(message: "at t = \(t) ms, \(whose)\(what): the cell has left the range the model describes (applied current or step too large?)")
            }
        }
    }

    /// One function that hands a sample to each observer in order. The observers are captured one by one (not
    /// read from an array at every sample), so a sample costs no retain and release per observer.
    private static func fanOut(_ o: [any RunObserver]) -> (Double, UnsafeBufferPointer<Double>) throws -> Void {
        switch o.count {
        case 0: return { _, _ in }
        case 1:
            let a = o[0]
            return { t, y in try a.sample(t, y) }
        case 2:
            let a = o[0], b = o[1]
            return { t, y in try a.sample(t, y); try b.sample(t, y) }
        case 3:
            let a = o[0], b = o[1], c = o[2]
            return { t, y in try a.sample(t, y); try b.sample(t, y); try c.sample(t, y) }
        default:
            let a = o[0], b = o[1], c = o[2], rest = fanOut(Array(o.dropFirst(3)))
            return { t, y in try a.sample(t, y); try b.sample(t, y); try c.sample(t, y); try rest(t, y) }
        }
    }

    /// Keeps every output as `.partial`; returns the trace's path.
    private func abandon() -> String? {
        var kept: String?
        for o in observers { if let p = o.abandon(), kept == nil { kept = p } }
        return kept
    }

    /// Writes a checkpoint of the run as it is at a boundary.
    private func checkpoint(wall: Double) throws(SimulationError) {
        guard let path = checkpointPath else { return }
        do {
            var saved: [String: String] = [:]
            for o in observers { if let s = try o.save(at: time) { saved[o.key] = s } }
            let c = Checkpoint(fingerprint: fingerprint, time: time, state: subject.state, skipFirstSample: skipFirst,
                               statistics: statistics, algorithm: algorithm, wallMilliseconds: wall,
                               subject: try subject.save(), observers: saved)
            try AtomicFileWriter.write(try JSONEncoder().encode(c), to: path)
        } catch {
            throw SimulationError(message: "cannot write the checkpoint \(path): \(error)")
        }
    }
}
