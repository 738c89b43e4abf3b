/// Keeps the envelope of a lone cell's V and Ca in memory (`TraceEnvelope`), for drawing. Not saved in
/// checkpoints: a resumed run's envelope covers the resumed part only.
final class EnvelopeObserver: RunObserver {
    let key = "envelope"
    private var builder: TraceEnvelope.Builder

    /// An envelope of a run of `duration` ms in `buckets` buckets.
    init(duration: Double, buckets: Int) {
        builder = TraceEnvelope.Builder(width: duration / Double(max(buckets, 1)), count: max(buckets, 1))
    }

    func sample(_ t: Double, _ y: UnsafeBufferPointer<Double>) throws {
        builder.add(t: t, V: y[0], Ca: y[1])
    }

    /// The envelope of the samples seen so far.
    var envelope: TraceEnvelope {
        var b = builder
        b.flush()
        return b.envelope
    }
}
