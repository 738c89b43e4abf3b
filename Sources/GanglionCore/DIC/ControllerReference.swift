/// The neuromodulation controller's reference (`control.md` §2): the two modulated conductances that give
/// the target g_s and g_u at V_th, given every other conductance — the compensation solve of dics.md §4,
/// specialised to run at every right-hand-side evaluation without allocating.
///
/// At a fixed V the DIC sensitivities of every channel are constants, except those of calcium-gated
/// channels (KCa), which depend on Ca∞(V) and dCa∞/dV — both linear in the calcium conductances. Those
/// columns are recomputed per solve. When Ca∞ depends on a modulated conductance (STG: CaS) the exact
/// problem is nonlinear: Newton's method on the 2 × 2 fixed point, from the present membrane conductances
/// (so the result is a function of the state alone), to |Δḡ| < 1e−12 (relative). The paper variant holds
/// ḡ_CaS at 10 inside Ca∞, which makes it one linear solve.
public struct ControllerReference: Sendable {
    let V: Double
    let references: (fast: Double, slow: Double, ultraslow: Double)
    let channels: [Conductance]
    let unknowns: (Int, Int)
    /// Per channel: its (s, u) column if constant.
    let constantS: [Double], constantU: [Double]
    let calciumGated: [Bool]
    let excluded: [Bool]
    /// Per calcium channel index: Ca∞ terms open∞(V)(V − E) and its V-derivative; overrides (paper variant).
    let calciumTerms: [(index: Int, a: Double, b: Double, override: Double?)]
    let rest: Double, influx: Double
    let iterates: Bool

    public init(_ neuron: NeuronDescription, modulation m: Neuromodulation) throws(DICError) {
        let calculator = try DICCalculator(neuron)
        V = m.thresholdVoltage
        references = calculator.referenceTimes(at: V)
        channels = neuron.conductances
        unknowns = (channels.firstIndex { $0.name == m.conductances[0] }!, channels.firstIndex { $0.name == m.conductances[1] }!)
        let options = m.variant.options(for: neuron.kind)
        excluded = channels.map { options.excludedChannels.contains($0.name) }
        calciumGated = channels.map { $0.channel.calciumGated }
        var s: [Double] = [], u: [Double] = []
        for c in channels {
            let col = DICCalculator.column(c, at: V, calcium: Dual(neuron.initialCalcium), references: references)
            s.append(col.s)
            u.append(col.u)
        }
        constantS = s
        constantU = u
        let v = Dual.variable(V)
        calciumTerms = channels.enumerated().filter { $0.element.channel.ion == .calcium }.map { j, c in
            let t = c.channel.steadyOpenFraction(v, calcium: Dual(neuron.initialCalcium), context: c.context) * (v - Dual(c.reversal))
            return (j, t.value, t.derivative, options.calciumConductanceOverrides[c.name])
        }
        rest = neuron.calcium.rest
        influx = neuron.calcium.influx
        let (u0, u1) = unknowns
        let unknownInCalcium = calciumTerms.contains { ($0.index == u0 || $0.index == u1) && $0.override == nil }
        iterates = unknownInCalcium && calciumGated.contains(true)
    }

    /// The linear solve with the modulated conductances inside Ca∞ at x.
    @inline(__always)
    func linearSolve(_ g: UnsafePointer<Double>, gLeak: Double, gs: Double, gu: Double, x: (Double, Double)) -> (Double, Double) {
        var ca = 0.0, dca = 0.0
        for t in calciumTerms {
            let gc = t.override ?? (t.index == unknowns.0 ? x.0 : (t.index == unknowns.1 ? x.1 : g[t.index]))
            ca += gc * t.a
            dca += gc * t.b
        }
        let calcium = Dual(rest - influx * ca, derivative: -influx * dca)
        var rs = gs * gLeak, ru = gu * gLeak
        var sX = 0.0, uX = 0.0, sY = 0.0, uY = 0.0
        for j in channels.indices where !excluded[j] {
            var s = constantS[j], u = constantU[j]
            if calciumGated[j] {
                let col = DICCalculator.column(channels[j], at: V, calcium: calcium, references: references)
                s = col.s
                u = col.u
            }
            if j == unknowns.0 { sX = s; uX = u } else if j == unknowns.1 { sY = s; uY = u } else {
                rs -= g[j] * s
                ru -= g[j] * u
            }
        }
        let det = sX * uY - sY * uX
        return ((rs * uY - sY * ru) / det, (sX * ru - rs * uX) / det)
    }

    /// ḡ^ref of the two modulated conductances (mS/cm²), given the conductances in effect `g` (per channel,
    /// in model order; the modulated ones at their present membrane values) and g_leak.
    public func solve(_ g: UnsafePointer<Double>, gLeak: Double, gs: Double, gu: Double) -> (Double, Double) {
        var x = (g[unknowns.0], g[unknowns.1])
        guard iterates else { return linearSolve(g, gLeak: gLeak, gs: gs, gu: gu, x: x) }
        for _ in 0..<30 {
            let F = linearSolve(g, gLeak: gLeak, gs: gs, gu: gu, x: x)
            let r = (F.0 - x.0, F.1 - x.1)
            let h0 = 1e-7 * max(abs(x.0), 1), h1 = 1e-7 * max(abs(x.1), 1)
            let F0 = linearSolve(g, gLeak: gLeak, gs: gs, gu: gu, x: (x.0 + h0, x.1))
            let F1 = linearSolve(g, gLeak: gLeak, gs: gs, gu: gu, x: (x.0, x.1 + h1))
            // Jacobian of G(x) = F(x) − x.
            let a = (F0.0 - F.0) / h0 - 1, b = (F1.0 - F.0) / h1
            let c = (F0.1 - F.1) / h0, d = (F1.1 - F.1) / h1 - 1
            let det = a * d - b * c
            let step = ((-r.0 * d + b * r.1) / det, (-a * r.1 + c * r.0) / det)
            x = (x.0 + step.0, x.1 + step.1)
            if abs(step.0) <= 1e-12 * max(abs(x.0), 1), abs(step.1) <= 1e-12 * max(abs(x.1), 1) { break }
        }
        return x
    }
}
