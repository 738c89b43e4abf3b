import GanglionCore

/// Watches whether each cell's controller reference is past a fold of the exact problem (where it is the
/// closest approach), every `checkInterval` ms of simulated time (the reference solve is too dear for every
/// sample): the time spent there and the first time it was.
final class FoldMonitor: RunObserver {
    static let checkInterval = 10.0
    struct Saved: Codable {
        var time: [Double]
        var first: [Double?]
        var next: Double
    }

    let key = "fold"
    private unowned let subject: any RunSubject
    private var cells: [(compiled: CompiledNeuron, offset: Int)] = []
    private(set) var saved: Saved

    init(subject: any RunSubject) {
        self.subject = subject
        let n = subject.cells.count
        saved = Saved(time: Array(repeating: 0, count: n), first: Array(repeating: nil, count: n), next: 0)
    }

    func sample(_ t: Double, _ y: UnsafeBufferPointer<Double>) throws {
        guard t >= saved.next else { return }
        for (i, c) in cells.enumerated() where c.compiled.controllerReferenceCanFold
            && !c.compiled.controllerReferenceIsExact(state: y.baseAddress! + c.offset) {
            saved.time[i] += Self.checkInterval
            if saved.first[i] == nil { saved.first[i] = t }
        }
        saved.next += Self.checkInterval
    }

    func systemChanged() throws { cells = subject.cells }
    func save(at t: Double) throws -> String? { try checkpointText(saved) }
    func restore(_ s: String?) throws { saved = try checkpointValue(Saved.self, from: s, what: "fold monitor") }
}
