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
    /// Per calcium-gated channel, its gates' timescale weights at V (τ depends on V only).
    let gateWeights: [[TimescaleWeights]]
    let excluded: [Bool]
    /// Per calcium channel index: Ca∞ terms open∞(V)(V − E) and its V-derivative; overrides (paper variant).
    let calciumTerms: [(index: Int, a: Double, b: Double, override: Double?)]
    let rest: Double, influx: Double
    let iterates: Bool

    /// The reference of `m` for `neuron`, with the sensitivities precomputed at V_th. Throws `DICError`
    /// if the model family has no DIC reference time constants.
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
        let r = references
        gateWeights = channels.map { c in
            guard c.channel.calciumGated else { return [] }
            return c.channel.dicTerms(V: m.thresholdVoltage, calcium: neuron.initialCalcium, context: c.context).gates.map {
                TimescaleWeights(tau: $0.tau, fast: r.fast, slow: r.slow, ultraslow: r.ultraslow)
            }
        }
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
                let col = gateWeights.withUnsafeBufferPointer { w in
                    DICCalculator.column(channels[j], at: V, calcium: calcium) { k, _ in w[j][k] }
                }
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
    /// in model order; the modulated ones at their present membrane values) and g_leak. NaN when the exact
    /// problem has no non-negative-branch solution near (the caller reports it).
    public func solve(_ g: UnsafePointer<Double>, gLeak: Double, gs: Double, gu: Double) -> (Double, Double) {
        let current = (g[unknowns.0], g[unknowns.1])
        guard iterates else { return linearSolve(g, gLeak: gLeak, gs: gs, gu: gu, x: current) }
        // One modulated conductance (c) enters Ca∞: with c fixed inside Ca∞ the problem is linear, x(c); the
        // solution is the fixed point x_c(c) = c. Newton's method on h(c) = x_c(c) − c from the present value.
        let first = calciumTerms.contains { $0.index == unknowns.0 && $0.override == nil }
        func h(_ c: Double) -> (value: Double, x: (Double, Double)) {
            let x = linearSolve(g, gLeak: gLeak, gs: gs, gu: gu, x: first ? (c, current.1) : (current.0, c))
            return ((first ? x.0 : x.1) - c, x)
        }
        var c = first ? current.0 : current.1
        // Chord iterations: the slope (a forward difference) is refreshed only when convergence is slow.
        var slope = 0.0, previous = Double.infinity
        for _ in 0..<20 {
            let (hc, x) = h(c)
            guard hc.isFinite else { break }
            if abs(hc) <= 1e-12 * max(abs(c), 1) { return x }
            if abs(hc) >= previous { break }    // not converging from here: search instead
            if slope == 0 || abs(hc) > 0.1 * previous {
                let delta = 1e-7 * max(abs(c), 1)
                slope = (h(c + delta).value - hc) / delta
            }
            previous = abs(hc)
            let step = -hc / slope
            guard step.isFinite else { break }
            c += step
            if abs(step) <= 1e-11 * max(abs(c), 1) { return h(c).x }
        }
        // No convergence from the present value (near a fold of the solution branch): search outwards from
        // it in geometrically growing steps, on both sides, for the nearest sign change of h in [0, 10⁶],
        // then refine the bracket by the Illinois (modified regula falsi) method.
        let c0 = max(first ? current.0 : current.1, 0)
        let h0 = h(c0).value
        var step = 1e-3 * max(c0, 1)
        var below = (c: c0, h: h0), above = (c: c0, h: h0)
        var bracket: (a: Double, ha: Double, b: Double, hb: Double)?
        while bracket == nil, below.c > 0 || above.c < 1e6 {
            if above.c < 1e6 {
                let c = min(above.c + step, 1e6), hc = h(c).value
                if above.h.isFinite, hc.isFinite, (above.h <= 0) != (hc <= 0) { bracket = (above.c, above.h, c, hc); break }
                above = (c, hc)
            }
            if below.c > 0 {
                let c = max(below.c - step, 0), hc = h(c).value
                if below.h.isFinite, hc.isFinite, (below.h <= 0) != (hc <= 0) { bracket = (c, hc, below.c, below.h); break }
                below = (c, hc)
            }
            step *= 1.5
        }
        guard var (a, ha, b, hb) = bracket else { return (.nan, .nan) }
        var side = 0
        for _ in 0..<100 where b - a > 1e-12 * max(1, b) {
            let m = (a * hb - b * ha) / (hb - ha)
            let hm = h(m).value
            if hm == 0 { return h(m).x }
            if (hm <= 0) == (ha <= 0) {
                (a, ha) = (m, hm)
                if side == -1 { hb /= 2 }
                side = -1
            } else {
                (b, hb) = (m, hm)
                if side == 1 { ha /= 2 }
                side = 1
            }
        }
        return h(0.5 * (a + b)).x
    }
}
