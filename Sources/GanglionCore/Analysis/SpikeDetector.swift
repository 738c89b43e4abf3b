/// Streaming spike detector (Docs/science/analysis.md §1): a spike is an upward crossing of +10 mV while armed; the
/// detector re-arms when V falls below 0 mV, and starts armed. The spike time is the crossing time,
/// interpolated linearly between the two samples that bracket it (the first sample's time if the
/// trace starts above threshold).
public struct SpikeDetector: Sendable, Codable {
    /// Detection threshold (mV).
    public var threshold = 10.0
    /// Re-arm level (mV).
    public var rearm = 0.0
    /// Spike times detected so far (ms).
    public private(set) var spikeTimes: [Double] = []
    private var armed = true
    private var lastT: Double?, lastV = 0.0

    /// A detector with detection threshold `threshold` and re-arm level `rearm` (mV); defaults 10 and 0 mV.
    public init(threshold: Double = 10, rearm: Double = 0) {
        self.threshold = threshold
        self.rearm = rearm
    }

    /// Feeds one sample: time (ms) and membrane potential (mV). Samples must come in time order.
    public mutating func observe(t: Double, V: Double) {
        if armed, V > threshold {
            if let t0 = lastT, case let V0 = lastV, V0 <= threshold {
                spikeTimes.append(t0 + (threshold - V0) / (V - V0) * (t - t0))
            } else {
                spikeTimes.append(t)
            }
            armed = false
        } else if !armed, V < rearm {
            armed = true
        }
        lastT = t
        lastV = V
    }
}
