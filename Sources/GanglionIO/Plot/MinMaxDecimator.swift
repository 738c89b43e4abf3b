/// Reduces a long series to at most four points per pixel column — the first, the minimum, the maximum and
/// the last sample of the column, in time order — so a plotted line keeps every extreme: no spike peak or
/// trough is lost however long the trace (a 300 s trace at 0.1 ms is 3 million samples).
public struct MinMaxDecimator: Sendable {
    /// Time range mapped to the columns (ms).
    public let range: ClosedRange<Double>
    /// Number of pixel columns (at least 1).
    public let columns: Int
    private var column = -1
    private var first = (t: 0.0, y: 0.0), last = (t: 0.0, y: 0.0)
    private var low = (t: 0.0, y: Double.infinity), high = (t: 0.0, y: -Double.infinity)
    /// The kept points (time, value).
    public private(set) var points: [(Double, Double)] = []

    /// A decimator over `range` (ms) into `columns` pixel columns.
    public init(range: ClosedRange<Double>, columns: Int) {
        self.range = range
        self.columns = max(1, columns)
    }

    /// Adds a sample; samples must come in non-decreasing time. Non-finite values are skipped.
    public mutating func add(_ t: Double, _ y: Double) {
        guard y.isFinite, range.contains(t) else { return }
        let width = range.upperBound - range.lowerBound
        let c = width > 0 ? min(columns - 1, Int((t - range.lowerBound) / width * Double(columns))) : 0
        if c != column {
            flush()
            column = c
            first = (t, y)
            low = (t, y)
            high = (t, y)
        }
        if y < low.y { low = (t, y) }
        if y > high.y { high = (t, y) }
        last = (t, y)
    }

    /// Ends the series (call once after the last sample).
    public mutating func finish() {
        flush()
        column = -1
    }

    private mutating func flush() {
        guard column >= 0 else { return }
        var kept = [first, low, high, last].sorted { $0.t < $1.t }
        // Drop exact repeats (a column with one sample gives one point).
        var unique: [(t: Double, y: Double)] = []
        for p in kept where !(unique.last.map { $0.t == p.t && $0.y == p.y } ?? false) { unique.append(p) }
        kept = unique
        for p in kept { points.append((p.t, p.y)) }
    }
}
