import GanglionCore

/// CVODE with local time steps on a network: one CVODE integration per cell (`NetworkPartition`), each
/// with its own step sizes, so a cell between bursts keeps long steps while another spikes. With one global
/// step every spike of every cell shortens the steps of all, and the cost of an unsynchronised network
/// grows faster than its size.
///
/// The cells advance in time order: the cell furthest behind takes its next step, of the size its own
/// integration chooses. After each step a cell publishes the gates of the synapses it sends as its
/// interpolating polynomial (`SynapseInputs`), from which its postsynaptic cells read them: interpolated
/// behind the presynaptic cell's time, extrapolated over the part of a step beyond it. Output samples are
/// interpolated in each cell's last step once every cell has passed them.
///
/// A network with gap junctions, or a system that is not a network, is integrated with one global step
/// (`CVODEIntegrator`).
public struct LocalStepIntegrator: Integrator {
    /// Method, linear solver, tolerances and step limits, for every cell's integration.
    public let options: CVODEOptions
    /// `cvode-bdf` or `cvode-adams`, with `/local`.
    public var name: String { (options.method == .bdf ? "cvode-bdf" : "cvode-adams") + "/local" }

    /// An integrator with these settings.
    public init(options: CVODEOptions = CVODEOptions()) { self.options = options }

    public func solve(_ problem: ODEProblem, observer: SampleObserver) throws(SolverError) -> Solution {
        guard let network = problem.system as? CompiledNetwork, let partition = NetworkPartition(network) else {
            return try CVODEIntegrator(options: options).solve(problem, observer: observer)
        }
        return try LocalStepRun(partition: partition, problem: problem, options: options, name: name).run(observer: observer)
    }
}

/// One integration with local time steps: a CVODE session per block, the blocks' times, and the schedule.
private final class LocalStepRun {
    let partition: NetworkPartition
    let problem: ODEProblem
    let name: String
    let sessions: [CVODESession]
    /// Each block's current time (ms).
    var times: [Double]
    /// Min-heap of blocks by (time, index).
    var heap: [Int]
    /// The network state, assembled at output times.
    var state: [Double]
    var derivatives: [Double]
    /// Steps of all cells allowed between two output samples.
    let stepLimit: Int

    init(partition: NetworkPartition, problem: ODEProblem, options: CVODEOptions, name: String) throws(SolverError) {
        self.partition = partition
        self.problem = problem
        self.name = name
        let tolerances = options.absoluteTolerances(for: problem.system)
        var sessions: [CVODESession] = []
        for (b, block) in partition.blocks.enumerated() {
            let indices = partition.stateIndices[b]
            var blockOptions = options
            blockOptions.absoluteTolerances = indices.map { tolerances[$0] }
            do {
                let blockProblem = try ODEProblem(system: block, initialState: indices.map { problem.initialState[$0] },
                                                  startTime: problem.startTime, endTime: problem.endTime,
                                                  outputInterval: problem.endTime - problem.startTime)
                sessions.append(try CVODESession(problem: blockProblem, options: blockOptions, name: name))
            } catch let e as SolverError {
                throw e
            } catch {
                throw SolverError(algorithm: name, time: problem.startTime, reason: .other, message: "\(error)", statistics: .init())
            }
        }
        self.sessions = sessions
        times = Array(repeating: problem.startTime, count: sessions.count)
        heap = Array(sessions.indices)
        state = problem.initialState
        derivatives = Array(repeating: 0, count: (partition.outgoing.map(\.count).max() ?? 0) * (SynapseInputs.maximumDegree + 1))
        stepLimit = max(1, sessions.count) * options.maxStepsPerOutput
        // Before the first steps: each gate at its initial value, moving at its initial rate.
        for (b, sent) in partition.outgoing.enumerated() {
            for (w, local) in sent {
                let s = problem.initialState[partition.stateIndices[b][local]], V = problem.initialState[partition.stateIndices[b][0]]
                publish(w, origin: problem.startTime, [s, partition.gateRate(w, V: V, s: s)])
            }
        }
    }

    func publish(_ w: Int, origin: Double, _ values: [Double]) {
        values.withUnsafeBufferPointer { partition.inputs.publish(w, origin: origin, derivatives: $0) }
    }

    func statistics() -> SolverStatistics {
        var s = SolverStatistics()
        for session in sessions { s += session.statistics() }
        return s
    }

    func failure(_ reason: SolverError.Reason, at t: Double, _ message: String) -> SolverError {
        SolverError(algorithm: name, time: t, reason: reason, message: message, statistics: statistics())
    }

    func run(observer: SampleObserver) throws(SolverError) -> Solution {
        let end = problem.endTime
        do { try state.withUnsafeBufferPointer { try observer(problem.startTime, $0) } } catch {
            throw failure(.observerFailed, at: problem.startTime, "\(error)")
        }
        var sample = 1
        var stepsSinceSample = 0
        while true {
            let b = heap[0], now = times[b]
            // Every block has passed the samples up to `now`: each lies in its block's last step.
            while sample <= problem.outputCount, problem.outputTime(sample) <= now {
                let t = problem.outputTime(sample)
                try assemble(at: t)
                do { try state.withUnsafeBufferPointer { try observer(t, $0) } } catch {
                    throw failure(.observerFailed, at: t, "\(error)")
                }
                sample += 1
                stepsSinceSample = 0
            }
            if now >= end { break }
            if let stop = problem.shouldStop, stepsSinceSample % 256 == 0, stop() {
                throw failure(.interrupted, at: now, "interrupted at t = \(readableTime(now)) ms")
            }
            times[b] = try sessions[b].step(stopTime: end)
            stepsSinceSample += 1
            if stepsSinceSample > stepLimit {
                throw failure(.tooMuchWork, at: times[b], "too much work: \(stepLimit) steps of the cells without reaching the next output sample")
            }
            publishGates(of: b)
            siftDown()
        }
        try assemble(at: end)
        return Solution(algorithm: name, finalTime: end, finalState: state, statistics: statistics())
    }

    /// The gates block b sends, as the derivatives of its last step's polynomial at its current time.
    func publishGates(of b: Int) {
        let session = sessions[b], t = times[b]
        let degree = min(session.lastOrder, SynapseInputs.maximumDegree)
        let sent = partition.outgoing[b]
        guard !sent.isEmpty else { return }
        for k in 0...degree {
            guard let v = session.interpolate(at: t, derivative: k) else { break }
            for (j, (_, local)) in sent.enumerated() { derivatives[j * (SynapseInputs.maximumDegree + 1) + k] = v[local] }
        }
        for (j, (w, _)) in sent.enumerated() {
            let start = j * (SynapseInputs.maximumDegree + 1)
            derivatives.withUnsafeBufferPointer { partition.inputs.publish(w, origin: t, derivatives: UnsafeBufferPointer(rebasing: $0[start..<(start + degree + 1)])) }
        }
    }

    /// Writes every block's state at t (within each block's last step) into `state`.
    func assemble(at t: Double) throws(SolverError) {
        for (b, session) in sessions.enumerated() {
            let values: UnsafeMutablePointer<Double>
            if times[b] == t {
                values = session.state
            } else if let v = session.interpolate(at: t, derivative: 0) {
                values = v
            } else {
                throw failure(.other, at: t, "cell \(b) cannot be interpolated at t = \(readableTime(t)) ms (it is at \(readableTime(times[b])) ms)")
            }
            for (local, global) in partition.stateIndices[b].enumerated() { state[global] = values[local] }
        }
    }

    /// Restores the heap after the root's time grew.
    func siftDown() {
        func less(_ a: Int, _ b: Int) -> Bool { times[a] < times[b] || (times[a] == times[b] && a < b) }
        var i = 0
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n, less(heap[l], heap[m]) { m = l }
            if r < n, less(heap[r], heap[m]) { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}
