import Foundation
import Synchronization

/// Compensation applied to every cell of a sweep before it is simulated.
public struct SweepCompensation: Sendable {
    /// Conductances solved for, by channel name.
    public var unknowns: [String]
    /// Target DICs (dimensionless, normalised by g_leak); a DIC not listed is left free.
    public var targets: [DICName: Double]
    /// Where the DICs are matched: a given voltage (mV) or each cell's own threshold.
    public var voltage: CompensationVoltage
    /// Which DIC computation the solve uses (exact, or one of the authors').
    public var variant: CompensationVariant
    /// A compensation solving `unknowns` for `targets` at `voltage`, with `variant`'s computation.
    public init(unknowns: [String], targets: [DICName: Double], voltage: CompensationVoltage, variant: CompensationVariant) {
        self.unknowns = unknowns
        self.targets = targets
        self.voltage = voltage
        self.variant = variant
    }
}

/// One cell's outcome in a sweep.
public struct SweepRow: Sendable {
    /// Index of the cell in its population (0-based).
    public var index: Int
    /// The cell's model name.
    public var name: String
    /// The cell's simulation report; `nil` if compensation or integration failed.
    public var report: SimulationReport?
    /// The compensation solve's result, when the sweep compensates and the solve succeeded.
    public var compensation: CompensationResult?
    /// Why the cell has no result (compensation or integration failure).
    public var error: String?
    /// Whether the compensation solve failed (the cell was then not simulated).
    public var compensationFailed = false
}

/// Simulates many cells in parallel (one worker per core by default), each optionally compensated
/// first. A cell that fails gets a row saying why; the others go on.
public struct SweepRequest: Sendable {
    /// The cells to simulate, each with its index in its population.
    public var cells: [(index: Int, neuron: NeuronDescription)]
    /// Simulated duration of each cell (ms).
    public var duration: Double
    /// Analysis window (ms); `nil`: 3000 ms to the end, or the whole run if shorter.
    public var window: ClosedRange<Double>?
    /// How each cell is integrated (method, tolerances, step, …); default CVODE BDF at rtol 1e-6.
    public var solverSettings = SolverSettings()
    /// Compensation applied to each cell before it is simulated; `nil`: none.
    public var compensation: SweepCompensation?
    /// Worker threads (default: the number of cores).
    public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Called after each cell with (cells done, total).
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// Polled between cells; true stops the sweep, keeping the finished rows.
    public var shouldStop: (@Sendable () -> Bool)?

    /// A sweep simulating each of `cells` for `duration` ms, with the defaults for everything else.
    public init(cells: [(index: Int, neuron: NeuronDescription)], duration: Double) {
        self.cells = cells
        self.duration = duration
    }
}

/// Runs a sweep; rows come back in the order of `request.cells` (cells not reached after a stop are absent).
public func sweep(_ request: SweepRequest) -> [SweepRow] {
    let total = request.cells.count
    let done = Atomic<Int>(0)
    let rows = Mutex<[SweepRow?]>(Array(repeating: nil, count: total))
    SweepWorkers.each(total, jobs: request.jobs, shouldStop: request.shouldStop) { k in
        let (index, neuron) = request.cells[k]
        guard let row = request.row(index: index, neuron: neuron, compensation: request.compensation) else { return }
        rows.withLock { $0[k] = row }
        request.progress?(done.wrappingAdd(1, ordering: .relaxed).newValue, total)
    }
    return rows.withLock { $0.compactMap { $0 } }
}

extension SweepRequest {
    /// One cell's row: `neuron` compensated with `compensation` (if any), then simulated for `duration` ms
    /// with the request's window and solver settings. A failed solve or integration gives a row that says
    /// why; nil when the run was stopped during the cell (the cell is not done).
    public func row(index: Int, neuron: NeuronDescription, compensation: SweepCompensation?) -> SweepRow? {
        var row = SweepRow(index: index, name: neuron.name)
        var cell = neuron
        if let c = compensation {
            do throws(CompensationError) {
                let r = try compensate(neuron, unknowns: c.unknowns, targets: c.targets, at: c.voltage, variant: c.variant)
                row.compensation = r
                cell = r.neuron
            } catch {
                row.error = "compensation: \(error)"
                row.compensationFailed = true
                return row
            }
        }
        var sim = SimulationRequest(neuron: cell, duration: duration)
        sim.window = window
        sim.solverSettings = solverSettings
        sim.shouldStop = shouldStop
        do { row.report = try simulate(sim) } catch {
            if let stop = shouldStop, stop() { return nil }   // interrupted: the cell is not done
            row.error = "\(error)"
        }
        return row
    }
}

/// The workers of a sweep: `jobs` threads, each taking the next item until none is left or `shouldStop` says so.
public enum SweepWorkers {
    /// Calls `body(k)` once for every k in 0 ..< `total`, on min(`jobs`, `total`) threads.
    public static func each(_ total: Int, jobs: Int, shouldStop: (@Sendable () -> Bool)?, _ body: @Sendable (Int) -> Void) {
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, total))) { _ in
            while true {
                if let stop = shouldStop, stop() { return }
                let k = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard k < total else { return }
                body(k)
            }
        }
    }
}

/// Sweep rows as CSV: one row per cell with its firing features, the solved conductances when compensated,
/// the population size (for `ganglion merge`) and the error, if any.
public enum SweepTable {
    /// The CSV header: cell, features, then one `solved_<name>_mS_cm2` column per conductance in `solved`,
    /// wall time (unless `wallTime` is false: an atlas's tables leave it out, so that a rerun writes the same
    /// bytes), population size and error.
    public static func header(solved: [String], wallTime: Bool = true) -> [String] {
        ["cell", "name", "status", "pattern", "spikes", "frequency_hz", "burstiness_hz2", "spikes_per_burst",
         "intraburst_hz", "interburst_hz", "burst_period_ms", "duty_cycle", "mean_ca", "V_solve_mV"]
            + solved.map { "solved_\($0)_mS_cm2" } + (wallTime ? ["wall_ms"] : []) + ["population_size", "error"]
    }

    /// One cell's CSV line, with the columns of `header(solved:wallTime:)`; frequencies in Hz, burstiness in Hz²,
    /// times in ms, solved ḡ in mS/cm²; empty fields for unavailable values.
    public static func line(_ r: SweepRow, solved: [String], populationSize: Int, wallTime: Bool = true) -> String {
        func num(_ x: Double?) -> String { x.map { $0.isFinite ? DecimalFormatter.string($0) : "" } ?? "" }
        let f = r.report?.features
        var fields = [String(r.index), csvEscape(r.name), r.error == nil ? "ok" : "failed", f?.pattern.rawValue ?? "",
                      f.map { String($0.spikeTimes.count) } ?? "", num(f?.frequency), num(f?.burstiness),
                      f?.spikesPerBurst.map(String.init) ?? "", num(f?.intraburstFrequency), num(f?.interburstFrequency),
                      num(f?.burstPeriod), num(f?.dutyCycle), num(r.report?.meanCalcium), num(r.compensation?.V)]
        fields += solved.map { num(r.compensation?.solved[$0]) }
        if wallTime { fields.append(num(r.report?.wallMilliseconds)) }
        fields += [String(populationSize), csvEscape(r.error ?? "")]
        return fields.joined(separator: ",")
    }

    /// A text field: line breaks become spaces (one row per line), then quoted as CSV needs.
    static func csvEscape(_ s: String) -> String {
        CSVTable.quoted(s.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " "))
    }
}
