import Foundation

/// The three dynamic input conductances, normalised by the leak (dimensionless; Docs/science/dics.md §3).
/// A negative DIC is positive feedback.
public struct DICValues: Sendable, Equatable {
    /// Fast DIC g_f.
    public var gf: Double
    /// Slow DIC g_s.
    public var gs: Double
    /// Ultraslow DIC g_u.
    public var gu: Double
    /// The DICs g_f, g_s and g_u (dimensionless).
    public init(gf: Double, gs: Double, gu: Double) {
        self.gf = gf
        self.gs = gs
        self.gu = gu
    }
    /// Total input conductance g_in = g_f + g_s + g_u.
    public var gin: Double { gf + gs + gu }
    /// The value of a DIC by name.
    public subscript(_ name: DICName) -> Double {
        switch name {
        case .f: gf
        case .s: gs
        case .u: gu
        }
    }
}

/// The names of the three DICs (`gf`, `gs`, `gu` on command lines).
public enum DICName: String, Sendable, CaseIterable, Comparable {
    case f = "gf", s = "gs", u = "gu"
    /// Orders the DICs from fast to ultraslow: f, s, u.
    public static func < (a: DICName, b: DICName) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// Options of the DIC computation; the defaults are the correct computation (Docs/science/dics.md §3), the others
/// reproduce the authors' shortcuts (Docs/science/dics.md §6).
public struct DICOptions: Sendable, Equatable {
    /// Conductances replaced by a constant in Ca∞(V) and dCa∞/dV (the authors' linearisation uses
    /// `["CaS": 10]`).
    public var calciumConductanceOverrides: [String: Double] = [:]
    /// Channels left out of S (the PNAS Nexus code leaves out NMDA).
    public var excludedChannels: Set<String> = []
    /// Whether g_f includes the leak's "+1" (the paper's DA generation leaves it out).
    public var leakInFastDIC = true
    /// Options; the defaults are the exact computation.
    public init(calciumConductanceOverrides: [String: Double] = [:], excludedChannels: Set<String> = [],
                leakInFastDIC: Bool = true) {
        self.calciumConductanceOverrides = calciumConductanceOverrides
        self.excludedChannels = excludedChannels
        self.leakInFastDIC = leakInFastDIC
    }
}

/// The sensitivity matrix S(V) of a neuron (Docs/science/dics.md §3): per channel, its contribution to each DIC per
/// unit of ḡ, so that g_x = (Σ_j ḡ_j S_x,j [+ g_leak on f]) / g_leak. Values are unscaled (divide by g_leak
/// for the "scaled" S of the spec's tables).
public struct SensitivityMatrix: Sendable, Equatable {
    /// Voltage (mV).
    public var V: Double
    /// Channel names, in model order (the columns).
    public var channels: [String]
    /// Per channel, its contribution to g_f per unit ḡ (dimensionless, unscaled).
    public var f: [Double]
    /// Per channel, its contribution to g_s per unit ḡ (dimensionless, unscaled).
    public var s: [Double]
    /// Per channel, its contribution to g_u per unit ḡ (dimensionless, unscaled).
    public var u: [Double]
    /// The row of a DIC.
    public func row(_ name: DICName) -> [Double] {
        switch name {
        case .f: f
        case .s: s
        case .u: u
        }
    }
}

/// Computes DICs, sensitivity matrices and thresholds of a neuron from its channels' own gating
/// functions: derivatives are exact (dual numbers), the timescale split uses the model family's
/// reference time constants, and calcium-gated channels get the calcium path through Ca∞(V).
public struct DICCalculator: Sendable {
    /// The neuron whose DICs are computed, with its conductances as given.
    public let neuron: NeuronDescription
    /// The computation's options (exact by default).
    public let options: DICOptions
    let references: DICReferences

    /// A calculator for `neuron`. Throws `DICError.noReferences` if its family defines no reference
    /// time constants, or one refers to a channel the cell does not have.
    public init(_ neuron: NeuronDescription, options: DICOptions = DICOptions()) throws(DICError) {
        guard let references = neuron.dicReferences else { throw .noReferences(kind: neuron.kind) }
        for r in [references.fast, references.slow, references.ultraslow] {
            if case .activation(let name) = r, !neuron.conductances.contains(where: { $0.name == name }) {
                throw .noReferences(kind: neuron.kind)
            }
        }
        self.neuron = neuron
        self.options = options
        self.references = references
    }

    func referenceTau(_ r: TimescaleReference, _ V: Double) -> Double {
        switch r {
        case .constant(let tau): return tau
        case .activation(let name):
            let c = neuron.conductances.first { $0.name == name }!
            return c.context.tauScale * c.channel.tauM(V)
        case .channel(let reference): return reference.kinetics.tauM(V)
        }
    }

    /// The three reference time constants (ms) at V.
    public func referenceTimes(at V: Double) -> (fast: Double, slow: Double, ultraslow: Double) {
        (referenceTau(references.fast, V), referenceTau(references.slow, V), referenceTau(references.ultraslow, V))
    }

    /// Timescale weights of every gating variable at V, by `<channel>.<gate index>`.
    public func weights(at V: Double) -> [(channel: String, gate: Int, tau: Double, weights: TimescaleWeights)] {
        let (tf, ts, tu) = referenceTimes(at: V)
        let ca = calciumSteadyState(Dual.variable(V)).value
        return neuron.conductances.flatMap { c in
            c.channel.dicTerms(V: V, calcium: ca, context: c.context).gates.enumerated().map { (i, g) in
                (c.name, i, g.tau, TimescaleWeights(tau: g.tau, fast: tf, slow: ts, ultraslow: tu))
            }
        }
    }

    /// Steady-state calcium Ca∞(V) = Ca_rest − f Σ ḡ open∞(V) (V − E) over the currents feeding the pool, with its
    /// V-derivative.
    /// When E follows the pool (Nernst), Ca∞ solves that equation with E = E(Ca∞) (see `nernstCalciumSteadyState`).
    public func calciumSteadyState(_ V: Dual) -> Dual {
        if neuron.conductances.contains(where: { $0.nernst != nil && $0.feedsCalcium }) {
            return nernstCalciumSteadyState(V)
        }
        var sum = Dual(0)
        for c in neuron.conductances where c.feedsCalcium {
            let g = options.calciumConductanceOverrides[c.name] ?? c.gbar
            // The currents feeding the pool are not calcium-gated (family files refuse it), so Ca does not enter
            // their open fraction.
            sum = sum + Dual(g) * c.channel.steadyOpenFraction(V, calcium: Dual(neuron.initialCalcium), context: c.context)
                * (V - Dual(c.reversal))
        }
        return Dual(neuron.calcium.rest) - Dual(neuron.calcium.influx) * sum
    }

    /// Ca∞(V) when calcium reversals follow the pool: the root of
    ///
    ///     F(Ca) = Ca − Ca_rest + f Σ ḡ o∞(V) (V − E(Ca)) = 0,
    ///
    /// whose root is unique (`CalciumPool.restingCalcium`); dCa∞/dV = −(∂F/∂V) / F′ by the implicit function
    /// theorem.
    func nernstCalciumSteadyState(_ V: Dual) -> Dual {
        let terms = neuron.conductances.filter(\.feedsCalcium).map { c in
            let g = options.calciumConductanceOverrides[c.name] ?? c.gbar
            return (g: g, open: c.channel.steadyOpenFraction(V, calcium: Dual(neuron.initialCalcium), context: c.context), c: c)
        }
        let f = neuron.calcium.influx, v = V.value
        let (ca, slope) = neuron.calcium.restingCalcium(V: v, feeds: terms.map {
            CalciumPool.Feed(conductance: $0.g * $0.open.value, reversal: $0.c.reversal, nernst: $0.c.nernst)
        })
        var dFdV = 0.0
        for t in terms { dFdV += f * t.g * (t.open.derivative * (v - t.c.reversal(calcium: ca)) + t.open.value) }
        return Dual(ca, derivative: -dFdV / slope)
    }

    /// S(V), unscaled.
    public func sensitivity(at V: Double) -> SensitivityMatrix {
        let (tf, ts, tu) = referenceTimes(at: V)
        let ca = calciumSteadyState(Dual.variable(V))
        var S = SensitivityMatrix(V: V, channels: neuron.conductances.map(\.name), f: [], s: [], u: [])
        for c in neuron.conductances {
            guard !options.excludedChannels.contains(c.name) else {
                S.f.append(0); S.s.append(0); S.u.append(0)
                continue
            }
            let (f, s, u) = Self.column(c, at: V, calcium: ca, references: (tf, ts, tu))
            S.f.append(f); S.s.append(s); S.u.append(u)
        }
        return S
    }

    /// One channel's column of S(V) (unscaled: per unit ḡ), given Ca∞(V) with its V-derivative and the
    /// reference time constants (ms).
    @inlinable
    public static func column(_ c: Conductance, at V: Double, calcium ca: Dual,
                              references r: (fast: Double, slow: Double, ultraslow: Double)) -> (f: Double, s: Double, u: Double) {
        column(c, at: V, calcium: ca) { TimescaleWeights(tau: $1.tau, fast: r.fast, slow: r.slow, ultraslow: r.ultraslow) }
    }

    /// The column with the gates' timescale weights given (gate index, gate) → weights, e.g. precomputed at a
    /// fixed V.
    @inlinable @inline(__always)
    public static func column(_ c: Conductance, at V: Double, calcium ca: Dual,
                              weights: (Int, DICGate) -> TimescaleWeights) -> (f: Double, s: Double, u: Double) {
        let drive = V - c.reversal(calcium: ca.value)
        let (open, gates) = c.channel.dicTerms(V: V, calcium: ca.value, context: c.context)
        var f = open, s = 0.0, u = 0.0
        // A reversal that follows the pool: ∂I/∂Ca = −open E′(Ca), through Ca∞ — ultraslow.
        if let n = c.nernst { u -= open * n.slope(calcium: ca.value) * ca.derivative }
        for (k, g) in gates.enumerated() {
            let P = g.openSlope * g.voltageSlope * drive
            let w = weights(k, g)
            f += w.fs * P
            s += (w.su - w.fs) * P
            u += (1 - w.su) * P
            // The calcium path (KCa): ultraslow.
            if g.calciumSlope != 0 { u += g.openSlope * g.calciumSlope * ca.derivative * drive }
        }
        return (f, s, u)
    }

    /// The DICs at V.
    public func dics(at V: Double) -> DICValues {
        let S = sensitivity(at: V)
        let gl = neuron.leakConductance
        var gf = options.leakInFastDIC ? gl : 0, gs = 0.0, gu = 0.0
        for (j, c) in neuron.conductances.enumerated() {
            gf += c.gbar * S.f[j]; gs += c.gbar * S.s[j]; gu += c.gbar * S.u[j]
        }
        return DICValues(gf: gf / gl, gs: gs / gl, gu: gu / gl)
    }
}

/// A DIC computation that cannot be done.
public enum DICError: Error, Equatable, CustomStringConvertible {
    /// The model family defines no usable DIC reference time constants.
    case noReferences(kind: String)
    /// No threshold: g_in does not change sign from + to − in `range` (mV) by this search method.
    case noThreshold(method: String, range: ClosedRange<Double>)
    /// The voltage (mV) lies outside the models' range −150…100 mV.
    case voltageOutOfRange(Double)
    /// The computation assumes fixed calcium reversal potentials; `channel`'s follows the calcium pool.
    case calciumNernstReversal(channel: String, computation: String)

    /// What cannot be computed, and why.
    public var description: String {
        switch self {
        case .noReferences(let kind): "the model family '\(kind)' defines no DIC reference time constants"
        case let .noThreshold(method, range):
            "no threshold: g_in does not change sign from + to − in [\(range.lowerBound), \(range.upperBound)] mV (\(method) search)"
        case .voltageOutOfRange(let V): "voltage \(V) mV is outside the models' range −150…100 mV"
        case let .calciumNernstReversal(channel, computation):
            "\(computation) needs fixed calcium reversal potentials, but \(channel)'s follows the calcium pool (Nernst); give the family a fixed E_Ca"
        }
    }
}
