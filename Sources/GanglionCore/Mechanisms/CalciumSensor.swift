import Foundation

/// A calcium-current sensor of Liu, Golowasch, Marder & Abbott (1998), J Neurosci 18:2309, eq. 4 and
/// Table 2: an activation M and (optionally) an inactivation H driven by the calcium current,
///
///     τ_M dM/dt = M∞(I) − M,   M∞(I) = 1/(1 + exp(Z_M + I))
///     τ_H dH/dt = H∞(I) − H,   H∞(I) = 1/(1 + exp(−Z_H − I))
///     sensor value = G M² H    (G M² without inactivation)
///
/// with I = I_Ca/C the calcium current per unit capacitance (nA/nF, i.e. µA/cm² per µF/cm²; negative when
/// calcium enters, so a strong influx activates M and inactivates H).
public struct CalciumSensor: Sendable, Equatable {
    /// Amplitude G (dimensionless).
    public var gain: Double
    /// Z_M and Z_H (dimensionless; in units of I, nA/nF).
    public var activationOffset: Double, inactivationOffset: Double?
    /// τ_M and τ_H (ms).
    public var activationTau: Double, inactivationTau: Double?

    public init(gain: Double, activationOffset: Double, activationTau: Double,
                inactivationOffset: Double? = nil, inactivationTau: Double? = nil) {
        self.gain = gain
        self.activationOffset = activationOffset
        self.activationTau = activationTau
        self.inactivationOffset = inactivationOffset
        self.inactivationTau = inactivationTau
    }

    /// The fast sensor F: G = 10, Z_M = 14.2, Z_H = 9.8, τ_M = 0.5 ms, τ_H = 1.5 ms.
    public static let fast = CalciumSensor(gain: 10, activationOffset: 14.2, activationTau: 0.5, inactivationOffset: 9.8, inactivationTau: 1.5)
    /// The slow sensor S: G = 3, Z_M = 7.2, Z_H = 2.8, τ_M = 50 ms, τ_H = 60 ms.
    public static let slow = CalciumSensor(gain: 3, activationOffset: 7.2, activationTau: 50, inactivationOffset: 2.8, inactivationTau: 60)
    /// The DC sensor D: G = 1, Z_M = 3, τ_M = 500 ms, no inactivation.
    public static let dc = CalciumSensor(gain: 1, activationOffset: 3, activationTau: 500)

    /// Number of states: M, and H when the sensor inactivates.
    public var stateCount: Int { inactivationTau == nil ? 1 : 2 }

    /// M∞(I).
    @inline(__always) public func activation(_ i: Double) -> Double { 1 / (1 + exp(activationOffset + i)) }
    /// H∞(I) (1 without inactivation).
    @inline(__always) public func inactivation(_ i: Double) -> Double {
        inactivationOffset.map { 1 / (1 + exp(-$0 - i)) } ?? 1
    }
    /// The sensor's value G M² H from its states M = x[i], H = x[i + 1].
    @inline(__always) public func value(_ x: MechanismStates, at i: Int) -> Double {
        gain * x[i] * x[i] * (stateCount == 2 ? x[i + 1] : 1)
    }

    func validate(field: String) throws(ModelError) {
        for (n, v) in [("G", gain), ("Z_M", activationOffset), ("Z_H", inactivationOffset ?? 0)] where !v.isFinite {
            throw .invalidValue(field: "\(field).\(n)", value: v, reason: "must be finite")
        }
        for (n, v) in [("tau_M", activationTau), ("tau_H", inactivationTau ?? 1)] where !(v.isFinite && v > 0) {
            throw .invalidValue(field: "\(field).\(n)", value: v, reason: "must be > 0")
        }
        guard (inactivationOffset == nil) == (inactivationTau == nil) else {
            throw .invalidValue(field: "\(field).tau_H", value: inactivationTau ?? .nan, reason: "an inactivating sensor needs both Z_H and tau_H")
        }
    }
}
