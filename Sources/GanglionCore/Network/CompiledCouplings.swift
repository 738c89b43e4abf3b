import Foundation

/// A chemical synapse as the hot loops use it: state indices and constants, no names (the description,
/// `ChemicalSynapse`, keeps those for input and output). Trivially copyable: reading one copies a few
/// words and retains nothing.
@usableFromInline struct CompiledSynapse: Sendable {
    /// s∞ and τ_s as functions of the presynaptic V.
    let kinetics: ChemicalSynapse.Kinetics
    /// ḡ_syn (mS/cm²) and E_syn (mV).
    let gbar: Double, reversal: Double
    /// Presynaptic and postsynaptic cell indices.
    let preCell: Int, postCell: Int
    /// State indices of the presynaptic V, the postsynaptic V and the synapse's gate s.
    let preV: Int, postV: Int, state: Int
    /// Membrane capacitance of the postsynaptic cell (µF/cm²).
    let capacitance: Double
}

/// A gap junction as the hot loops use it: cell and state indices and constants.
@usableFromInline struct CompiledGap: Sendable {
    /// Cell indices of the two ends.
    let a: Int, b: Int
    /// State indices of their voltages.
    let aV: Int, bV: Int
    /// g_el (mS/cm²) and the two cells' capacitances (µF/cm²).
    let g: Double, capA: Double, capB: Double
}

extension ChemicalSynapse.Kinetics {
    /// s∞(V) (dimensionless).
    @inline(__always) public func steadyState(_ V: Double) -> Double {
        switch self {
        case let .graded(th, k, _): V < th ? 0 : Foundation.tanh((V - th) / k)
        case let .sigmoid(h, k, _): 1 / (1 + Foundation.exp((h - V) / k))
        }
    }

    /// τ_s(V) (ms).
    @inline(__always) public func timeConstant(_ V: Double) -> Double {
        switch self {
        case let .graded(_, _, tau): tau
        // 1 − s∞ = 1/(1 + exp((V − V_half)/Δ)), written so that it never rounds to 0 before it underflows.
        case let .sigmoid(h, k, km): max(1 / (km * (1 + boundedExp((V - h) / k))), 1e-300)
        }
    }

    /// The constant τ_s (ms) of graded kinetics; nil when τ_s depends on V.
    @inline(__always) var constantTimeConstant: Double? {
        if case let .graded(_, _, tau) = self { tau } else { nil }
    }

    /// ds/dt at presynaptic V and gating s, and its partial derivatives ∂/∂V_pre and ∂/∂s.
    @inline(__always) func rate(V: Double, s: Double) -> (rate: Double, dV: Double, ds: Double) {
        switch self {
        case let .graded(th, k, tau):
            guard V >= th else { return (-s / tau, 0, -1 / tau) }
            let x = Foundation.tanh((V - th) / k)
            return ((x - s) / tau, (1 - x * x) / (k * tau), -1 / tau)
        case let .sigmoid(h, k, km):
            // ds/dt = (s∞ − s)/τ = k₋ (q (1 − s) − s) with q = exp((V − V_half)/Δ).
            // (q bounded: at an absurd trial V the rate stays finite, and the step is rejected, not fatal.)
            let q = boundedExp((V - h) / k)
            return (km * (q * (1 - s) - s), km * (1 - s) * q / k, -km * (1 + q))
        }
    }
}
