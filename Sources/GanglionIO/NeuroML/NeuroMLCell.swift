import Foundation

/// A single-compartment NeuroML 2 cell as Ganglion imports it, in Ganglion's units: its Hodgkin–Huxley
/// channels with their gating functions as formula text (V in mV, rates in 1/ms, time constants in ms),
/// densities in mS/cm², reversal potentials in mV, the leak, the capacitance (µF/cm²), the initial
/// potential, the calcium pool (µM, ms) and the membrane area (cm²) that converts absolute currents.
public struct NeuroMLCell: Sendable {
    /// One gate: its NeuroML id and kind, its exponent (`instances`) and either its rates or its steady
    /// state and time constant (formula text).
    public struct Gate: Sendable {
        public enum Kinetics: Sendable {
            /// α(V), β(V) in 1/ms.
            case rates(alpha: String, beta: String)
            /// x∞(V) and τ(V) in ms.
            case steadyState(inf: String, tau: String)
        }
        public var id: String
        public var kind: String
        public var exponent: Int
        public var kinetics: Kinetics
    }

    /// A gated channel and its density on the cell.
    public struct Channel: Sendable {
        /// The Ganglion channel name (the NeuroML ionChannel id).
        public var name: String
        /// Ganglion's ion (`sodium`, `potassium`, `calcium`, `nonspecific`).
        public var ion: String
        /// The NeuroML ion of its channelDensity (`na`, `k`, `ca`, `non_specific`, …).
        public var neuromlIon: String
        /// At most two gates: the activation m, then the inactivation h.
        public var gates: [Gate]
        /// ḡ (mS/cm²).
        public var density: Double
        /// E (mV).
        public var reversal: Double
        /// Where it came from, for the channel file's `source`.
        public var source: String
    }

    /// A fixedFactorConcentrationModel: τ_Ca dCa/dt = −f I_Ca − Ca + Ca_rest with Ca in µM.
    public struct CalciumPool: Sendable {
        /// The NeuroML concentration model's id.
        public var id: String
        /// decayConstant (ms).
        public var tau: Double
        /// restingConc (µM).
        public var rest: Double
        /// rho (mol/(m·A·s)).
        public var rho: Double
        /// The species' initialConcentration (µM).
        public var initial: Double
        /// f (µM per µA/cm²) = rho · τ (ms) · 10⁻²: see `influx(rho:tau:)`.
        public var influx: Double { Self.influx(rho: rho, tau: tau) }

        /// f for Ganglion's pool τ dCa/dt = −f I_Ca − Ca + Ca_rest (Ca in µM, I_Ca in µA/cm², τ in ms) from
        /// NeuroML's dC/dt = ρ i_Ca/A − (C − C_rest)/τ (C in mol/m³, i_Ca/A the inward calcium current density in
        /// A/m², ρ in mol/(m·A·s), t in s). i_Ca/A = −10⁻² I_Ca; per ms, dC/dt gains a factor 10⁻³; in µM,
        /// 10³: so τ dCa/dt = −(ρ τ 10⁻²) I_Ca − (Ca − Ca_rest).
        public static func influx(rho: Double, tau: Double) -> Double { rho * tau / 100 }
    }

    /// A pulseGenerator of the document: amplitude (nA), delay and duration (ms).
    public struct Pulse: Sendable {
        public var id: String
        public var amplitude: Double, delay: Double, duration: Double
    }

    /// The cell's id.
    public var id: String
    /// The file it was read from.
    public var file: String
    public var channels: [Channel]
    /// The passive channels combined into one leak: g (mS/cm²), E (mV) (the conductance-weighted mean of
    /// their reversals), and their NeuroML ids.
    public var leak: (conductance: Double, reversal: Double, ids: [String])
    /// C (µF/cm²).
    public var capacitance: Double
    /// The initial membrane potential (mV).
    public var initialVoltage: Double
    public var calcium: CalciumPool?
    /// The membrane area (cm²) and how it was computed (sphere or cylinder).
    public var area: Double
    public var areaShape: String
    /// The document's pulse generators.
    public var pulses: [Pulse]
    /// The temperature (°C) used for q10 scaling, when a gate has one that depends on it.
    public var temperature: Double?

    /// The current density (µA/cm²) of an absolute current `nanoamperes` on this cell: 1 nA = 10⁻³ µA.
    public func density(ofCurrent nanoamperes: Double) -> Double { nanoamperes * 1e-3 / area }
}
