import Foundation
import GanglionCore
import GanglionNWB

/// Where a trace column's value comes from.
enum TraceSource: Equatable {
    /// A state of the system, by index.
    case state(Int)
    /// A homeostatic ḡ state, written as the conductance in effect, max(ḡ, 0).
    case conductanceState(Int)
    /// The current (µA/cm²) of channel `channel` (`CompiledNeuron.currentNames` order) of cell `cell`.
    case current(cell: Int, channel: Int)
    /// dV/dt (mV/ms) of cell `cell` from its right-hand side at the sample.
    case voltageDerivative(cell: Int)
    /// The current (µA/cm²) a voltage clamp of cell `cell` injects at the sample (`CompiledNeuron.clampCurrent`).
    case clampCurrent(cell: Int)
}

/// Writes samples inside a time window to a trace sink (CSV or NWB, `TraceSinkFormat`), one row per sample: t,
/// then one value per column.
/// The columns' sources are resolved again whenever an event recompiles the system.
final class TraceObserver: RunObserver {
    let key: String
    /// The trace file's final path.
    var path: String { output.path }
    let window: ClosedRange<Double>
    private unowned let subject: any RunSubject
    private let resolve: (any RunSubject) throws(SimulationError) -> [TraceSource]
    private var sources: [TraceSource] = []
    /// The cells some column needs the currents of.
    private var currentCells: [Int] = []
    private var cells: [(compiled: CompiledNeuron, offset: Int)] = []
    private let output: CheckpointedSink
    private let row: UnsafeMutableBufferPointer<Double>
    private let currents: UnsafeMutablePointer<Double>
    /// Scratch for a cell's right-hand side (`TraceSource.voltageDerivative`).
    private let derivatives: UnsafeMutablePointer<Double>
    private let currentCapacity: Int

    /// A trace of `columns` (the first one the time) written to `path`; `resuming`: the file is reopened by
    /// `restore` instead of created.
    init(key: String, path: String, format: TraceSinkFormat = .csv, columns: [String], window: ClosedRange<Double>?, duration: Double,
         subject: any RunSubject, replacingPartial: Bool, resuming: Bool,
         sources resolve: @escaping (any RunSubject) throws(SimulationError) -> [TraceSource]) throws(SimulationError) {
        self.key = key
        self.window = window ?? (-Double.infinity...Double.infinity)
        self.subject = subject
        self.resolve = resolve
        row = .allocate(capacity: max(1, columns.count))
        currentCapacity = subject.cells.map { $0.compiled.currentNames.count }.max() ?? 0
        currents = .allocate(capacity: currentCapacity + 1)
        derivatives = .allocate(capacity: max(1, subject.cells.map { $0.compiled.dimension }.max() ?? 0))
        output = try CheckpointedSink(path: path, format: format, columns: columns, duration: duration,
                                      replacingPartial: replacingPartial, resuming: resuming)
        try remap()
    }

    deinit {
        row.deallocate()
        currents.deallocate()
        derivatives.deallocate()
    }

    private func remap() throws(SimulationError) {
        sources = try resolve(subject)
        currentCells = Array(Set(sources.compactMap { if case let .current(c, _) = $0 { c } else { nil } })).sorted()
        cells = subject.cells
    }

    func sample(_ t: Double, _ y: UnsafeBufferPointer<Double>) throws {
        guard let writer = output.writer, window.contains(t) else { return }
        var c = 0
        for s in sources {
            switch s {
            case .state(let i): row[c] = y[i]
            case .conductanceState(let i): row[c] = max(y[i], 0)
            case .current: break
            case .voltageDerivative(let k):
                let cell = cells[k]
                cell.compiled.rightHandSide(t, y.baseAddress! + cell.offset, derivatives)
                row[c] = derivatives[0]
            case .clampCurrent(let k): row[c] = cells[k].compiled.clampCurrent(t, y.baseAddress! + cells[k].offset)
            }
            c += 1
        }
        if !currentCells.isEmpty {
            for k in currentCells {
                cells[k].compiled.currents(y.baseAddress! + cells[k].offset, into: currents)
                for (j, s) in sources.enumerated() { if case let .current(cell, channel) = s, cell == k { row[j] = currents[channel] } }
            }
        }
        try writer.write(time: t, values: UnsafeBufferPointer(rebasing: row[0..<c]))
    }

    func systemChanged() throws { try remap() }

    func finish(_ outcome: RunEngine.Outcome) throws { try output.commit(solver: JSONOutput.string(outcome.solverObject, pretty: true)) }

    func abandon() -> String? { output.keepPartial() }

    func save(at t: Double) throws -> String? { try checkpointText(try output.position(at: t)) }

    func restore(_ saved: String?) throws {
        try output.reopen(at: try checkpointValue(CheckpointedSink.Position.self, from: saved, what: "position of \(path)"))
    }
}
