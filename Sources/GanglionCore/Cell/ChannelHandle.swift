/// A cell's channel kinetics in a box the compiled neuron keeps alive.
@usableFromInline
final class ChannelBox: Sendable {
    @usableFromInline let kinetics: any ChannelKinetics
    init(_ kinetics: any ChannelKinetics) { self.kinetics = kinetics }
}

/// A trivially copyable reference to a `ChannelBox` owned by the compiled neuron (or its step plan), so the
/// hot loops copy their per-channel records without retaining or copying an existential.
@usableFromInline
struct ChannelHandle: @unchecked Sendable {   // the box outlives every handle: its owner holds it strongly
    let box: Unmanaged<ChannelBox>
    init(_ box: ChannelBox) { self.box = .passUnretained(box) }
    /// Calls `body` with the box, borrowed.
    @inline(__always) func callAsFunction<R>(_ body: (ChannelBox) -> R) -> R { box._withUnsafeGuaranteedRef(body) }
}
