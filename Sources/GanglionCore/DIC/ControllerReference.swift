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
    /// in model order; the modulated ones at their present membrane values) and g_leak. Past a fold of the
    /// exact problem, the closest approach (see `solution`); NaN when the solve is singular.
    @inline(__always)
    public func solve(_ g: UnsafePointer<Double>, gLeak: Double, gs: Double, gu: Double) -> (Double, Double) {
        solution(g, gLeak: gLeak, gs: gs, gu: gu).x
    }

    /// ḡ^ref and whether it meets the targets exactly (`exact`), or is the closest approach.
    ///
    /// The exact STG problem is a fixed point c = x(c) in the modulated calcium conductance c (x: the linear
    /// solve with c inside Ca∞). The reference is the root of h(c) = x(c) − c on the branch through the
    /// present value: Newton's method from it, else a search outwards from it on both sides while |h|
    /// decreases. Homeostatic growth can carry the branch into a fold, where its two roots merge and vanish
    /// (the targets are out of reach of every (ḡ_CaS, ḡ_A) near the present ones; the next roots may lie two
    /// orders of magnitude away). There the reference is the closest approach — the linear solve at the
    /// local minimum of |h| — which is continuous in the state and meets the targets again as soon as the
    /// branch returns; `exact` is false while it is in use.
    public func solution(_ g: UnsafePointer<Double>, gLeak: Double, gs: Double, gu: Double) -> (x: (Double, Double), exact: Bool) {
        let current = (g[unknowns.0], g[unknowns.1])
        guard iterates else { return (linearSolve(g, gLeak: gLeak, gs: gs, gu: gu, x: current), true) }
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
            if abs(hc) <= 1e-12 * max(abs(c), 1) { return (x, true) }
            if abs(hc) >= previous { break }    // not converging from here: search instead
            if slope == 0 || abs(hc) > 0.1 * previous {
                let delta = 1e-7 * max(abs(c), 1)
                slope = (h(c + delta).value - hc) / delta
            }
            previous = abs(hc)
            let step = -hc / slope
            guard step.isFinite else { break }
            c += step
            if abs(step) <= 1e-11 * max(abs(c), 1) { return (h(c).x, true) }
        }
        return search(from: max(first ? current.0 : current.1, 0), h)
    }

    /// The root of `h` on the branch through c0, or the closest approach. Walks outwards on both sides in
    /// geometrically growing steps (within [0, 10⁶]); a side stops where |h| starts to grow again. A sign
    /// change is refined by the Illinois (modified regula falsi) method; without one, the local minimum of
    /// |h| by golden-section search.
    func search(from c0: Double, _ h: (Double) -> (value: Double, x: (Double, Double))) -> (x: (Double, Double), exact: Bool) {
        let h0 = h(c0).value
        guard h0.isFinite else { return ((.nan, .nan), false) }
        struct Side { var previous: Double; var c: Double; var h: Double; var active: Bool }
        // (The two sides live on the stack: this runs at every right-hand-side evaluation past a fold.)
        return withUnsafeTemporaryAllocation(of: Side.self, capacity: 2) { sides in
            sides[0] = Side(previous: c0, c: c0, h: h0, active: c0 < 1e6)
            sides[1] = Side(previous: c0, c: c0, h: h0, active: c0 > 0)
            var step = 1e-3 * max(c0, 1)
            // Where |h| has a local minimum: the interval around the best point of a side that stopped.
            var valley: (lo: Double, hi: Double, best: Double)?
            while sides[0].active || sides[1].active {
                for k in 0..<2 where sides[k].active {
                    let next = k == 0 ? min(sides[k].c + step, 1e6) : max(sides[k].c - step, 0)
                    let hn = h(next).value
                    guard hn.isFinite else { sides[k].active = false; continue }
                    if (sides[k].h <= 0) != (hn <= 0) {
                        let (a, b) = k == 0 ? (sides[k].c, next) : (next, sides[k].c)
                        return (refineRoot(a, h(a).value, b, h(b).value, h), true)
                    }
                    if abs(hn) > abs(sides[k].h) {
                        sides[k].active = false
                        if valley == nil || abs(sides[k].h) < abs(h(valley!.best).value) {
                            // Around the present value itself the minimum may lie on either side.
                            valley = sides[k].c == c0 ? (max(c0 - step, 0), min(c0 + step, 1e6), c0)
                                : (min(sides[k].previous, next), max(sides[k].previous, next), sides[k].c)
                        }
                        continue
                    }
                    sides[k] = Side(previous: sides[k].c, c: next, h: hn, active: next > 0 && next < 1e6)
                }
                step *= 1.5
            }
            // Both sides stopped without a sign change: |h| has its local minimum in the valley (or at a bound).
            guard let (lo, hi, best) = valley else {
                let best = abs(sides[0].h) <= abs(sides[1].h) ? sides[0].c : sides[1].c
                return (h(best).x, false)
            }
            return closestApproach(lo, hi, best, h)
        }
    }

    /// The local minimum of |h| in [a, b] around x (|h(x)| below both ends), by Brent's method (parabolic
    /// steps, golden-section steps when those misbehave) to ≈ √ε relative — or the root, if h changes sign.
    func closestApproach(_ a: Double, _ b: Double, _ x: Double, _ h: (Double) -> (value: Double, x: (Double, Double))) -> (x: (Double, Double), exact: Bool) {
        let golden = (3 - 5.0.squareRoot()) / 2
        var (a, b, x) = (a, b, x)
        let hx0 = h(x).value
        var fx = abs(hx0)
        var (w, fw, v, fv) = (x, fx, x, fx)
        var d = 0.0, e = 0.0
        for _ in 0..<100 {
            let m = 0.5 * (a + b)
            let tol1 = 1e-8 * abs(x) + 1e-12, tol2 = 2 * tol1
            if abs(x - m) <= tol2 - 0.5 * (b - a) { break }
            var parabolic = false
            if abs(e) > tol1 {
                let r = (x - w) * (fx - fv)
                var q = (x - v) * (fx - fw)
                var p = (x - v) * q - (x - w) * r
                q = 2 * (q - r)
                if q > 0 { p = -p } else { q = -q }
                if abs(p) < abs(0.5 * q * e), p > q * (a - x), p < q * (b - x) {
                    e = d
                    d = p / q
                    if x + d - a < tol2 || b - (x + d) < tol2 { d = m > x ? tol1 : -tol1 }
                    parabolic = true
                }
            }
            if !parabolic {
                e = x >= m ? a - x : b - x
                d = golden * e
            }
            let u = abs(d) >= tol1 ? x + d : x + (d > 0 ? tol1 : -tol1)
            let hu = h(u).value
            // A sign change (two close roots that one step of the walk jumped over): the root.
            if (hu <= 0) != (hx0 <= 0) {
                let (lo, hlo, hi, hhi) = u < x ? (u, hu, x, h(x).value) : (x, h(x).value, u, hu)
                return (refineRoot(lo, hlo, hi, hhi, h), true)
            }
            let fu = abs(hu)
            if fu <= fx {
                if u >= x { a = x } else { b = x }
                (v, fv, w, fw, x, fx) = (w, fw, x, fx, u, fu)
            } else {
                if u < x { a = u } else { b = u }
                if fu <= fw || w == x {
                    (v, fv, w, fw) = (w, fw, u, fu)
                } else if fu <= fv || v == x || v == w {
                    (v, fv) = (u, fu)
                }
            }
        }
        return (h(x).x, false)
    }

    /// The root of `h` in [a, b] (h(a), h(b) of opposite signs) by the Illinois method; the linear solve there.
    func refineRoot(_ a: Double, _ ha: Double, _ b: Double, _ hb: Double, _ h: (Double) -> (value: Double, x: (Double, Double))) -> (Double, Double) {
        var (a, ha, b, hb) = (a, ha, b, hb)
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
