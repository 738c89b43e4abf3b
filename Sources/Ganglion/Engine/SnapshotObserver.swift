import GanglionCore

/// At requested times (after the events there): each cell's conductances in effect (`ConductanceSample`), and
/// snapshots — each cell with the conductances it has then, frozen, rerun alone with the run's solver settings
/// and analysed (`Snapshot.take`).
final class SnapshotObserver: RunObserver {
    /// A cell as it is at a time: its name in a circuit (nil for a lone cell), its plain description with the
    /// conductances in effect, and those conductances by name.
    typealias CellNow = (name: String?, cell: NeuronDescription, conductances: [String: Double])

    struct Saved: Codable {
        var samples: [ConductanceSample] = []
        var snapshots: [CellSnapshot] = []
    }

    /// A snapshot of one cell (`cell` nil for a lone cell).
    struct CellSnapshot: Codable {
        var cell: String?
        var snapshot: Snapshot
    }

    let key = "snapshots"
    let sampleTimes: Set<Double>
    let snapshotTimes: Set<Double>
    let duration: Double
    let window: ClosedRange<Double>
    let settings: SolverSettings
    let shouldStop: (@Sendable () -> Bool)?
    private let cellsAt: (Double) -> [CellNow]
    private(set) var saved = Saved()

    init(sampleTimes: [Double], snapshotTimes: [Double], duration: Double, window: ClosedRange<Double>, settings: SolverSettings,
         shouldStop: (@Sendable () -> Bool)?, cellsAt: @escaping (Double) -> [CellNow]) {
        self.sampleTimes = Set(sampleTimes)
        self.snapshotTimes = Set(snapshotTimes)
        self.duration = duration
        self.window = window
        self.settings = settings
        self.shouldStop = shouldStop
        self.cellsAt = cellsAt
    }

    var watchesSamples: Bool { false }
    func sample(_ t: Double, _ y: UnsafeBufferPointer<Double>) throws {}

    func boundary(_ t: Double, changed: Bool) throws {
        let sample = sampleTimes.contains(t), snap = snapshotTimes.contains(t)
        guard sample || snap else { return }
        for now in cellsAt(t) {
            if sample, now.name == nil { saved.samples.append(ConductanceSample(time: t, conductances: now.conductances)) }
            if snap {
                let s = try Snapshot.take(of: now.cell, at: t, conductances: now.conductances, duration: duration, window: window,
                                          settings: settings, shouldStop: shouldStop)
                saved.snapshots.append(CellSnapshot(cell: now.name, snapshot: s))
            }
        }
    }

    func save(at t: Double) throws -> String? { try checkpointText(saved) }
    func restore(_ s: String?) throws { saved = try checkpointValue(Saved.self, from: s, what: "snapshots") }
}
