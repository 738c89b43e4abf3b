/// A run's V and Ca kept in memory for drawing: the run split into equal time buckets, and in each the
/// samples where V is lowest and highest, in time order (so every spike's peak and trough is kept however
/// few the points). At most 2 × `buckets` points; times in ms, V in mV, Ca in model units.
public struct TraceEnvelope: Sendable, Equatable {
    /// Sample times (ms), non-decreasing.
    public var time: [Double] = []
    /// Membrane potential (mV) at each time.
    public var voltage: [Double] = []
    /// Calcium (model units) at each time.
    public var calcium: [Double] = []

    /// An empty envelope.
    public init() {}

    /// The envelope of samples given one by one (`add`), over `count` buckets of `width` ms starting at 0
    /// (samples past the last bucket's end go into it).
    struct Builder {
        let width: Double
        let count: Int
        var envelope = TraceEnvelope()
        private var bucket = -1
        private var low: (t: Double, V: Double, Ca: Double)?
        private var high: (t: Double, V: Double, Ca: Double)?

        init(width: Double, count: Int) {
            self.width = width
            self.count = count
        }

        mutating func add(t: Double, V: Double, Ca: Double) {
            let k = min(max(Int((t / width).rounded(.down)), 0), count - 1)
            if k != bucket { flush(); bucket = k }
            if low == nil || V < low!.V { low = (t, V, Ca) }
            if high == nil || V > high!.V { high = (t, V, Ca) }
        }

        /// Appends the current bucket's samples (lowest and highest V, in time order; one if they coincide).
        mutating func flush() {
            guard let a = low, let b = high else { return }
            for p in a.t == b.t ? [a] : (a.t < b.t ? [a, b] : [b, a]) {
                envelope.time.append(p.t)
                envelope.voltage.append(p.V)
                envelope.calcium.append(p.Ca)
            }
            low = nil
            high = nil
        }
    }
}
