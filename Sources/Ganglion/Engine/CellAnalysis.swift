import GanglionCore

/// The analyses of a lone cell's samples: firing features and mean calcium over the main window, the extra
/// windows and each protocol segment; the time each regulated ḡ spent at or below zero and when it first got
/// there; the means of the mechanisms' readouts over the windows.
final class CellAnalysis: RunObserver {
    struct Saved: Codable {
        var analyzer: WindowAnalyzer
        var extraAnalyzers: [WindowAnalyzer]
        /// One per segment between protocol events (nil for a run without segments).
        var segmentAnalyzers: [WindowAnalyzer]?
        var clamped: [Double]
        var wasClamped: [Bool]
        /// First sample time (ms) at which each regulated ḡ was at or below zero.
        var firstZero: [Double?]
        var lastSample = 0.0
        /// Means of the readouts over the main window, then each extra window (nil without readouts).
        var readoutAveragers: [ReadoutAverager]?
    }

    let key = "analysis"
    private unowned let subject: CellSubject
    private let regulatedIndex: [Int]
    private let readoutCount: Int
    @exclusivity(unchecked) private(set) var saved: Saved

    init(subject: CellSubject, window: ClosedRange<Double>, extraWindows: [ClosedRange<Double>], segmentWindows: [ClosedRange<Double>]) {
        self.subject = subject
        regulatedIndex = subject.regulatedIndex
        let n = regulatedIndex.count
        readoutCount = subject.compiled.readouts.count
        saved = Saved(analyzer: WindowAnalyzer(window: window), extraAnalyzers: extraWindows.map { WindowAnalyzer(window: $0) },
                      segmentAnalyzers: segmentWindows.isEmpty ? nil : segmentWindows.map { WindowAnalyzer(window: $0) },
                      clamped: Array(repeating: 0, count: n), wasClamped: Array(repeating: false, count: n),
                      firstZero: Array(repeating: nil, count: n))
        if readoutCount > 0 {
            saved.readoutAveragers = ([window] + extraWindows).map { ReadoutAverager(window: $0, readouts: readoutCount) }
        }
    }

    func sample(_ t: Double, _ y: UnsafeBufferPointer<Double>) throws {
        let V = y[0], Ca = y[1]
        saved.analyzer.observe(t: t, V: V, Ca: Ca)
        for i in saved.extraAnalyzers.indices { saved.extraAnalyzers[i].observe(t: t, V: V, Ca: Ca) }
        if saved.segmentAnalyzers != nil { for i in saved.segmentAnalyzers!.indices { saved.segmentAnalyzers![i].observe(t: t, V: V, Ca: Ca) } }
        for (k, i) in regulatedIndex.enumerated() {
            let now = y[i] <= 0
            if now, saved.wasClamped[k] { saved.clamped[k] += t - saved.lastSample }
            if now, saved.firstZero[k] == nil { saved.firstZero[k] = t }
            saved.wasClamped[k] = now
        }
        saved.lastSample = t
        if saved.readoutAveragers != nil {
            withUnsafeTemporaryAllocation(of: Double.self, capacity: readoutCount) { v in
                subject.compiled.readoutValues(y.baseAddress!, into: v.baseAddress!)
                for i in saved.readoutAveragers!.indices { saved.readoutAveragers![i].observe(t: t, UnsafeBufferPointer(v)) }
            }
        }
    }

    func save(at t: Double) throws -> String? { try checkpointText(saved) }
    func restore(_ s: String?) throws { saved = try checkpointValue(Saved.self, from: s, what: "analysis") }
}
