/// The gates of a network's chemical synapses as functions of time, for integrators that step each cell on
/// its own (`NetworkPartition`): after each of its steps, a presynaptic cell publishes every gate it drives
/// as a polynomial around its current time (its integrator's interpolating polynomial), and a postsynaptic
/// cell reads the gate at any time it needs, interpolating behind the presynaptic cell and extrapolating
/// a little ahead of it.
///
/// Not thread-safe: one per integration.
public final class SynapseInputs: @unchecked Sendable {
    /// The highest polynomial degree kept (CVODE's Adams order 12; BDF stops at 5).
    public static let maximumDegree = 12
    /// Number of synapses.
    public let count: Int
    private let stride = maximumDegree + 1
    /// Per synapse: the time the polynomial is centred on (ms), its degree, and its coefficients
    /// c_k = s⁽ᵏ⁾(t₀)/k! (1/ms^k).
    private let origins: UnsafeMutablePointer<Double>
    private let degrees: UnsafeMutablePointer<Int>
    private let coefficients: UnsafeMutablePointer<Double>

    /// Inputs for `count` synapses, each the constant 0 until published.
    public init(count: Int) {
        self.count = count
        origins = .allocate(capacity: max(count, 1))
        origins.initialize(repeating: 0, count: max(count, 1))
        degrees = .allocate(capacity: max(count, 1))
        degrees.initialize(repeating: 0, count: max(count, 1))
        coefficients = .allocate(capacity: max(count, 1) * (Self.maximumDegree + 1))
        coefficients.initialize(repeating: 0, count: max(count, 1) * (Self.maximumDegree + 1))
    }

    deinit {
        origins.deallocate()
        degrees.deallocate()
        coefficients.deallocate()
    }

    /// Synapse `w`'s gate is s(t) = Σ_k c_k (t − t₀)^k with t₀ = `origin` and c_k = `derivatives[k]`/k!,
    /// where `derivatives` holds s and its time derivatives at t₀ (at most `maximumDegree` + 1 of them).
    public func publish(_ w: Int, origin: Double, derivatives: UnsafeBufferPointer<Double>) {
        let n = min(derivatives.count, stride)
        origins[w] = origin
        degrees[w] = n - 1
        var factorial = 1.0
        for k in 0..<n {
            if k > 1 { factorial *= Double(k) }
            coefficients[w * stride + k] = derivatives[k] / factorial
        }
    }

    /// Synapse `w`'s gate at time t (ms), held in [0, 1] (an extrapolated polynomial may overshoot).
    @inline(__always)
    public func value(_ w: Int, at t: Double) -> Double {
        let x = t - origins[w], c = coefficients + w * stride
        var s = c[degrees[w]]
        var k = degrees[w] - 1
        while k >= 0 { s = s * x + c[k]; k -= 1 }
        return min(max(s, 0), 1)
    }
}
