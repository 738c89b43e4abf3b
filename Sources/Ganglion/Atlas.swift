import Foundation
import Synchronization

/// One axis of an atlas grid: `count` evenly spaced values from `lower` to `upper` (both included) of a
/// target DIC (`gf`, `gs`, `gu`; dimensionless, normalised by g_leak) or of a channel's ḡ (mS/cm²).
public struct AtlasAxis: Sendable, Equatable {
    /// What the axis sets: a DIC name (`gs`, `gu`, `gf`) or a conductance name (`CaS`, `leak`, …).
    public var name: String
    /// The first and last values.
    public var lower: Double, upper: Double
    /// The number of values (≥ 1; 1 gives `lower` only).
    public var count: Int
    /// The command-line option that gave the axis (`--gs`, `--x`), named in errors; empty if none.
    public var option = ""

    /// An axis of `count` values from `lower` to `upper`.
    public init(name: String, lower: Double, upper: Double, count: Int) {
        self.name = name
        self.lower = lower
        self.upper = upper
        self.count = count
    }

    /// The DIC the axis targets, or nil when it sets a conductance.
    public var dic: DICName? { DICName(rawValue: name) }

    /// The axis's values: lower + (upper − lower)·k/(count − 1), k = 0 … count − 1.
    public var values: [Double] {
        count == 1 ? [lower] : (0..<count).map { k in k == count - 1 ? upper : lower + (upper - lower) * Double(k) / Double(count - 1) }
    }

    /// The most values an axis may have.
    public static let maximumCount = 10_000

    /// Parses `A:B:N` (after `NAME:` when the option names its axis, as `--x CaS:0:100:21`); errors name
    /// `option` and the text given.
    public static func parse(_ text: String, option: String, name: String? = nil) throws(SimulationError) -> AtlasAxis {
        func fail(_ why: String) -> SimulationError { SimulationError(message: "\(option) '\(text)': \(why)") }
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var axisName = name ?? ""
        if name == nil {
            guard parts.count == 4 else { throw fail("expected NAME:A:B:N (a DIC gs, gu or gf, or a channel), e.g. CaS:0:200:21") }
            axisName = parts.removeFirst()
            guard !axisName.isEmpty else { throw fail("the name before the first ':' is empty") }
        } else {
            guard parts.count == 3 else { throw fail("expected A:B:N (first value, last value, number of values), e.g. -10:10:21") }
        }
        guard let a = Double(parts[0]), a.isFinite else { throw fail("first value '\(parts[0])' is not a finite number") }
        guard let b = Double(parts[1]), b.isFinite else { throw fail("last value '\(parts[1])' is not a finite number") }
        guard let n = Int(parts[2]), n >= 1, n <= maximumCount else {
            throw fail("number of values '\(parts[2])' must be a whole number from 1 to \(maximumCount)")
        }
        guard n == 1 || b > a else { throw fail("the last value must be greater than the first when N > 1") }
        var axis = AtlasAxis(name: axisName, lower: a, upper: b, count: n)
        axis.option = option
        return axis
    }
}

/// One point of an atlas grid: its position (`index` = iy·Nx + ix, x fastest) and its coordinates.
public struct AtlasPoint: Sendable, Equatable {
    public var index: Int, ix: Int, iy: Int
    /// The x and y values (target DIC, dimensionless; or ḡ, mS/cm²).
    public var x: Double, y: Double
}

/// A firing-pattern atlas over a plane: every cell of a population at every point of an x × y grid, either of
/// target DICs reached by compensating `unknowns` (e.g. the family's modulated pair) or of two conductances
/// set directly. The work is a list of tasks (point, cell), point-major; `shard` runs a contiguous slice of it.
public struct AtlasRequest: Sendable {
    /// The cells, in population order.
    public var cells: [NeuronDescription]
    /// The grid's axes: both DICs (targets of a compensation) or both conductances.
    public var x: AtlasAxis, y: AtlasAxis
    /// The conductances solved for at each point when the axes are DICs.
    public var unknowns: [String] = []
    /// Where the DICs are matched (default: each cell's grid threshold, as `ganglion sweep`).
    public var voltage: CompensationVoltage = .threshold(.grid)
    /// Which DIC computation the solves use.
    public var variant: CompensationVariant = .exact
    /// Simulated duration (ms), analysis window (nil: 3000 ms to the end) and solver settings of every cell, as a sweep's.
    public var duration: Double
    public var window: ClosedRange<Double>?
    public var solverSettings = SolverSettings()
    /// Worker threads (default: the number of cores).
    public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    /// The slice of the tasks this run does.
    public var shard = PopulationShard(index: 0, count: 1)
    /// Polled between cells; true stops the atlas, keeping the finished tasks.
    public var shouldStop: (@Sendable () -> Bool)?

    /// An atlas of `cells` over the grid `x` × `y`, each cell simulated for `duration` ms.
    public init(cells: [NeuronDescription], x: AtlasAxis, y: AtlasAxis, duration: Double) {
        self.cells = cells
        self.x = x
        self.y = y
        self.duration = duration
    }

    /// Whether the axes are target DICs (else conductances).
    public var isDICPlane: Bool { x.dic != nil }

    /// The grid points, x fastest.
    public var points: [AtlasPoint] {
        let xs = x.values, ys = y.values
        return ys.enumerated().flatMap { iy, yv in xs.enumerated().map { ix, xv in AtlasPoint(index: iy * xs.count + ix, ix: ix, iy: iy, x: xv, y: yv) } }
    }

    /// The number of tasks (points × cells).
    public var taskCount: Int { x.count * y.count * cells.count }

    /// The tasks this run's shard does (positions in the point-major task list).
    public var shardTasks: Range<Int> { shard.members(of: taskCount) }

    /// Checks the plane against the cells; throws naming the option and value at fault.
    public func validate() throws(SimulationError) {
        func fail(_ m: String) -> SimulationError { SimulationError(message: m) }
        guard !cells.isEmpty else { throw fail("no cells") }
        guard (x.dic != nil) == (y.dic != nil) else {
            throw fail("the axes \(x.name) and \(y.name) mix a DIC and a conductance: give two DICs (--gs, --gu) or two conductances (--x, --y)")
        }
        guard x.name != y.name else { throw fail("both axes set \(x.name): give two different ones") }
        if isDICPlane {
            guard !unknowns.isEmpty else { throw fail("--unknowns: needed (the cells have no family to take the default pair from)") }
        } else {
            for axis in [x, y] {
                let what = (axis.option.isEmpty ? "" : axis.option + " ") + "'\(axis.name)'"
                if let k = cells.firstIndex(where: { $0.gbar(axis.name) == nil }) {
                    throw fail("\(what): cell \(k) (\(cells[k].name)) has no such conductance (it has \(cells[k].conductanceNames.joined(separator: ", ")))")
                }
                guard axis.lower >= 0 else { throw fail("\(what): ḡ from \(DecimalFormatter.string(axis.lower)) mS/cm²: a conductance must be ≥ 0") }
            }
        }
    }

    /// Task `t`'s grid point and cell.
    public func task(_ t: Int) -> (point: AtlasPoint, cell: Int) {
        let p = t / cells.count, xs = x.count
        let ix = p % xs, iy = p / xs
        return (AtlasPoint(index: p, ix: ix, iy: iy, x: x.values[ix], y: y.values[iy]), t % cells.count)
    }

    /// Runs the tasks at `positions` (of the point-major task list) on `jobs` workers; `completed` receives
    /// each finished task's position and row as it ends (from any worker). Tasks stopped mid-run get no call.
    public func run(_ positions: [Int], completed: @Sendable (Int, SweepRow) -> Void) {
        var sweepSettings = SweepRequest(cells: [], duration: duration)
        sweepSettings.window = window
        sweepSettings.solverSettings = solverSettings
        sweepSettings.shouldStop = shouldStop
        let settings = sweepSettings
        let xs = x.values, ys = y.values, cellCount = cells.count, dics = isDICPlane
        let (cells, x, y, unknowns, voltage, variant) = (self.cells, self.x, self.y, self.unknowns, self.voltage, self.variant)
        SweepWorkers.each(positions.count, jobs: jobs, shouldStop: shouldStop) { k in
            let t = positions[k]
            let p = t / cellCount, c = t % cellCount
            let xv = xs[p % xs.count], yv = ys[p / xs.count]
            var neuron = cells[c]
            var compensation: SweepCompensation?
            if dics {
                compensation = SweepCompensation(unknowns: unknowns, targets: [x.dic!: xv, y.dic!: yv], voltage: voltage, variant: variant)
            } else {
                neuron.setGbar(x.name, xv)
                neuron.setGbar(y.name, yv)
            }
            guard let row = settings.row(index: c, neuron: neuron, compensation: compensation) else { return }
            completed(t, row)
        }
    }
}
