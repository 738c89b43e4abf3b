import GanglionCore

/// Stops a run whose cells leave the range the model describes: |V| above `voltageBound` (mV) or calcium
/// below zero (e.g. an applied current of 10⁹ µA/cm², or a fixed step far too large), instead of reporting
/// numbers that mean nothing.
final class StateBoundsGuard: RunObserver {
    static let voltageBound = 1000.0
    let key = "bounds"
    private unowned let subject: any RunSubject
    /// Each cell's name for the message (nil for a lone cell) and the index of its V.
    private var cells: [(name: String?, offset: Int)] = []
    private let names: [String]?

    init(subject: any RunSubject, cellNames: [String]?) {
        self.subject = subject
        names = cellNames
        remap()
    }

    private func remap() {
        cells = subject.cells.enumerated().map { (names?[$0.offset], $0.element.offset) }
    }

    func sample(_ t: Double, _ y: UnsafeBufferPointer<Double>) throws {
        for (name, o) in cells {
            let V = y[o], Ca = y[o + 1]
            guard V >= -Self.voltageBound, V <= Self.voltageBound, Ca >= 0 else {
                let what = Ca >= 0 ? "V = \(V) mV, outside ±\(Self.voltageBound) mV" : "Ca = \(Ca), below 0"
                let whose = name.map { "cell \($0): " } ?? ""
                throw SimulationError(message: "at t = \(t) ms, \(whose)\(what): the cell has left the range the model describes (applied current or step too large?)")
            }
        }
    }

    func systemChanged() throws { remap() }
}

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
    private(set) var saved: Saved

    init(subject: any RunSubject) {
        self.subject = subject
        let n = subject.cells.count
        saved = Saved(time: Array(repeating: 0, count: n), first: Array(repeating: nil, count: n), next: 0)
    }

    func sample(_ t: Double, _ y: UnsafeBufferPointer<Double>) throws {
        guard t >= saved.next else { return }
        for (i, c) in subject.cells.enumerated() where c.compiled.controllerReferenceCanFold
            && !c.compiled.controllerReferenceIsExact(state: y.baseAddress! + c.offset) {
            saved.time[i] += Self.checkInterval
            if saved.first[i] == nil { saved.first[i] = t }
        }
        saved.next += Self.checkInterval
    }

    func save(at t: Double) throws -> String? { try checkpointText(saved) }
    func restore(_ s: String?) throws { saved = try checkpointValue(Saved.self, from: s, what: "fold monitor") }
}
