import Foundation

/// The Rush–Larsen update x ← x∞ + (x − x∞) e^(−h/τ) over a step h (ms); τ = +∞ means the constant
/// rate dx/dt = x∞.
@inline(__always)
func rushLarsen(_ x: Double, steadyState: Double, timeConstant: Double, step h: Double) -> Double {
    timeConstant == .infinity ? x + h * steadyState : steadyState + (x - steadyState) * exp(-h / timeConstant)
}

/// Shared loop of the fixed-step methods. Each output interval is split into the fewest equal steps
/// no longer than `dt`, so every output time is hit exactly and no sliver steps appear. `steps(t, h,
/// count, y)` advances y by `count` steps of h from t.
@inline(__always)
func integrateFixedStep(_ problem: ODEProblem, name: String, dt: Double, observer: SampleObserver,
                        steps: (Double, Double, Int, UnsafeMutablePointer<Double>) -> Void) throws(SolverError) -> Solution {
    var stats = SolverStatistics()
    let n = problem.initialState.count
    // The state lives in one buffer for the whole run: the observer sees it in place at every sample.
    let y = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
    defer { y.deallocate() }
    problem.initialState.withUnsafeBufferPointer { y.initialize(from: $0.baseAddress!, count: n) }
    let state = UnsafeBufferPointer(start: UnsafePointer(y), count: n)
    var t = problem.startTime
    func fail(_ reason: SolverError.Reason, _ message: String) -> SolverError {
        SolverError(algorithm: name, time: t, reason: reason, message: message, statistics: stats)
    }
    do { try observer(t, state) } catch { throw fail(.observerFailed, "\(error)") }
    let outputs = problem.outputCount
    for k in 1...outputs {
        let target = problem.outputTime(k)
        let span = target - t
        // ⌈span/dt − 1e-6⌉ steps (1e-6: rounding of t, not a step), at least one; rounded up by a comparison
        // (`rounded(.up)` is a call to `ceil` on the baseline x86-64 target, once per sample).
        let q = span / dt - 1e-6
        var count = Int(q)
        if Double(count) < q { count &+= 1 }
        count = max(1, count)
        let h = span / Double(count)
        if count <= RunLimits.stepsBetweenStopPolls || problem.shouldStop == nil {
            steps(t, h, count, y)
        } else {
            // Many steps per sample: in chunks, polling the stop request (a signal is honoured within a second).
            var done = 0
            while done < count {
                if problem.shouldStop?() == true {
                    throw fail(.interrupted, "interrupted at t = \(readableTime(t + Double(done) * h)) ms")
                }
                let chunk = min(RunLimits.stepsBetweenStopPolls, count - done)
                steps(t + Double(done) * h, h, chunk, y)
                done += chunk
            }
        }
        stats.steps += count
        if !allFinite(y, count: n) {
            let bad = (0..<n).first { !y[$0].isFinite }!
            throw fail(.nonFiniteState, "state \(problem.system.layout.names[bad]) became \(readableValue(y[bad])) between t = \(readableTime(t)) and \(readableTime(target)) ms (step \(dt) ms too large?)")
        }
        t = target
        do { try observer(t, state) } catch { throw fail(.observerFailed, "\(error)") }
    }
    return Solution(algorithm: name, finalTime: t, finalState: Array(state), statistics: stats)
}

/// Exponential Euler in the Rush–Larsen form: every state obeying dx/dt = (x∞ − x)/τ is advanced
/// exactly with x∞ and τ frozen over the step, x ← x∞ + (x − x∞)·e^(−Δt/τ). For a neuron: first every
/// gate (x∞, τ at V(t), Ca(t)), then V (V∞ = Σ g E / Σ g, τ_V = C / Σ g, with the new gates) and Ca.
/// First order; stable at steps far beyond explicit methods (the method of xolotl and Brian2).
public struct ExponentialEuler: Integrator {
    /// `exp-euler`.
    public let name = "exp-euler"
    /// Step Δt (ms).
    public let dt: Double
    /// Whether to read the gates' updates from voltage tables (`GateTable`) when the system offers them.
    public var usesRateTables: Bool
    /// An integrator with step `dt` (ms), with rate tables unless `rateTables` is false.
    public init(dt: Double, rateTables: Bool = true) {
        self.dt = dt
        usesRateTables = rateTables
    }

    /// Integrates in stages with at most `dt` per step, each output interval split into equal steps. Throws
    /// `SolverError` if the system is not conditionally linear, `dt` is not positive, or a state stops being finite.
    public func solve(_ problem: ODEProblem, observer: SampleObserver) throws(SolverError) -> Solution {
        guard let system = problem.system as? any ConditionallyLinearSystem else {
            throw SolverError(algorithm: name, time: problem.startTime, reason: .other,
                              message: "the system is not in conditionally linear form", statistics: .init())
        }
        try checkStep(dt, name: name, problem)
        var evaluations = 0
        let stages = system.linearStages
        var tables = RateTableCache(system: system, enabled: usesRateTables)
        let n = problem.initialState.count
        var work = UnsafeMutablePointer<Double>.allocate(capacity: 2 * n)
        var capacity = 2 * n
        defer { work.deallocate() }
        // `tables` owns every RateTables it returns; `current` borrows one without a retain per sample.
        var current: Unmanaged<RateTables>?
        var solution = try integrateFixedStep(problem, name: name, dt: dt, observer: observer) { t, h, count, y in
            if !(current?._withUnsafeGuaranteedRef { $0.serves(h) } ?? false) {
                current = tables.tables(for: h, steps: count).map { Unmanaged.passUnretained($0) }
                if let scratch = current?._withUnsafeGuaranteedRef({ $0.scratch }), 2 * n + scratch > capacity {
                    work.deallocate()
                    capacity = 2 * n + scratch
                    work = .allocate(capacity: capacity)
                }
            }
            if let table = current {
                table._withUnsafeGuaranteedRef { system.rushLarsenSteps(t, y, step: h, count: count, tables: $0, work: work) }
            } else {
                for j in 0..<count {
                    for (stage, ranges) in stages.enumerated() {
                        system.advanceGenerically(stage: stage, ranges: ranges, t + Double(j) * h, y, step: h, work: work)
                    }
                }
            }
            evaluations += count
        }
        solution.statistics.rhsEvaluations = evaluations
        return solution
    }
}

/// The exponential integrator's tables by step: a step's tables are built once it has been used for 256
/// steps (building costs about as much as a few hundred exact steps), so the odd short intervals around
/// protocol events stay exact and cost nothing; at most four are kept.
struct RateTableCache {
    let system: any ConditionallyLinearSystem
    let enabled: Bool
    var built: [RateTables] = []
    var unavailable = false
    var uses: [(step: Double, count: Int)] = []

    init(system: any ConditionallyLinearSystem, enabled: Bool) {
        self.system = system
        self.enabled = enabled
    }

    /// Tables for a step of h ms, or nil (compute exactly): counts the step's uses (`steps` more) and
    /// builds its tables once they reach 256.
    mutating func tables(for h: Double, steps: Int) -> RateTables? {
        guard enabled, !unavailable else { return nil }
        if let t = built.first(where: { $0.serves(h) }) { return t }
        let i = uses.firstIndex { abs($0.step - h) <= 1e-9 * $0.step } ?? { uses.append((h, 0)); return uses.count - 1 }()
        uses[i].count += steps
        guard uses[i].count >= 256 else { return nil }
        uses.remove(at: i)
        guard let t = system.makeRateTables(step: h) else { unavailable = true; return nil }
        if built.count == 4 { built.removeFirst() }
        built.append(t)
        return t
    }
}

/// The classical fourth-order Runge–Kutta method with a fixed step. Explicit: on a spiking neuron it
/// needs a step well below the fastest membrane time constant (see `Docs/performance.md`).
public struct RungeKutta4: Integrator {
    /// `rk4`.
    public let name = "rk4"
    /// Step Δt (ms).
    public let dt: Double
    /// An integrator with step `dt` (ms).
    public init(dt: Double) { self.dt = dt }

    /// Integrates with at most `dt` per step, each output interval split into equal steps. Throws
    /// `SolverError` if `dt` is not positive or a state stops being finite.
    public func solve(_ problem: ODEProblem, observer: SampleObserver) throws(SolverError) -> Solution {
        try checkStep(dt, name: name, problem)
        let system = problem.system
        let n = problem.initialState.count
        let work = UnsafeMutablePointer<Double>.allocate(capacity: 5 * n)
        defer { work.deallocate() }
        let k1 = work, k2 = work + n, k3 = work + 2 * n, k4 = work + 3 * n, tmp = work + 4 * n
        var evaluations = 0
        var solution = try integrateFixedStep(problem, name: name, dt: dt, observer: observer) { t0, h, count, y in
            for j in 0..<count {
                let t = t0 + Double(j) * h
                system.rightHandSide(t, y, k1)
                for i in 0..<n { tmp[i] = y[i] + 0.5 * h * k1[i] }
                system.rightHandSide(t + 0.5 * h, tmp, k2)
                for i in 0..<n { tmp[i] = y[i] + 0.5 * h * k2[i] }
                system.rightHandSide(t + 0.5 * h, tmp, k3)
                for i in 0..<n { tmp[i] = y[i] + h * k3[i] }
                system.rightHandSide(t + h, tmp, k4)
                for i in 0..<n { y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) }
            }
            evaluations += 4 * count
        }
        solution.statistics.rhsEvaluations = evaluations
        return solution
    }
}

func checkStep(_ dt: Double, name: String, _ problem: ODEProblem) throws(SolverError) {
    guard dt.isFinite, dt > 0 else {
        throw SolverError(algorithm: name, time: problem.startTime, reason: .other,
                          message: "step dt = \(dt) ms must be finite and > 0", statistics: .init())
    }
    if let why = RunLimits.violation(duration: problem.endTime - problem.startTime, outputInterval: problem.outputInterval, step: dt) {
        throw SolverError(algorithm: name, time: problem.startTime, reason: .other, message: "step dt = \(dt) ms: \(why)", statistics: .init())
    }
    // A step too small to advance the time (t + dt == t) would never reach the end.
    let t = max(abs(problem.startTime), abs(problem.endTime))
    guard t + dt > t else {
        throw SolverError(algorithm: name, time: problem.startTime, reason: .other,
                          message: "step dt = \(dt) ms is below the resolution of the time \(t) ms", statistics: .init())
    }
}
