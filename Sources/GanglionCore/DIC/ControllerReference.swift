/// The neuromodulation controller's reference (Docs/science/controllers.md §2): the two modulated conductances that give
/// the target g_s and g_u at V_th, given every other conductance — the compensation solve of Docs/science/dics.md §5,
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
        if let c = neuron.conductances.first(where: { $0.nernst != nil }) {
            throw .calciumNernstReversal(channel: c.name, computation: "the neuromodulation controller")
        }
        let calculator = try DICCalculator(neuron)
        V = m.thresholdVoltage
        references = calculator.referenceTimes(at: V)
        channels = neuron.conductances
        unknowns = (channels.firstIndex { $0.name == m.conductances[0] }!, channels.firstIndex { $0.name == m.conductances[1] }!)
        let options = m.variant.options(for: neuron)
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
        calciumTerms = channels.enumerated().filter { $0.element.feedsCalcium }.map { j, c in
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
        let r = detailedSolution(g, gLeak: gLeak, gs: gs, gu: gu)
        return (r.x, r.exact)
    }

    /// One exact solve's residual h(c) = x(c) − c: the conductances, g_leak, the targets, which unknown
    /// enters Ca∞ (`first`: the first) and the unknowns' present values. (An explicit value, not a closure
    /// capturing the reference: that copied the reference, with a retain per array, at every evaluation.)
    struct Residual {
        let g: UnsafePointer<Double>
        let gLeak: Double, gs: Double, gu: Double
        let first: Bool
        let current: (Double, Double)
        /// The unknown's present value.
        var start: Double { first ? current.0 : current.1 }
    }

    @inline(__always)
    func h(_ r: Residual, _ c: Double) -> (value: Double, x: (Double, Double)) {
        let x = linearSolve(r.g, gLeak: r.gLeak, gs: r.gs, gu: r.gu, x: r.first ? (c, r.current.1) : (r.current.0, c))
        return ((r.first ? x.0 : x.1) - c, x)
    }

    /// `solution`, with the fixed-point coordinate c it ended at. `near`: a solution of a nearby problem
    /// (the Jacobian's difference quotients perturb one conductance): Newton's method starts from its c, or,
    /// if it was a closest approach, the minimisation searches close to it — so the perturbed solve stays on
    /// the same branch and costs a few evaluations.
    func detailedSolution(_ g: UnsafePointer<Double>, gLeak: Double, gs: Double, gu: Double,
                          near: (c: Double, exact: Bool)? = nil) -> (x: (Double, Double), exact: Bool, c: Double) {
        let current = (g[unknowns.0], g[unknowns.1])
        guard iterates else { return (linearSolve(g, gLeak: gLeak, gs: gs, gu: gu, x: current), true, .nan) }
        // One modulated conductance (c) enters Ca∞: with c fixed inside Ca∞ the problem is linear, x(c); the
        // solution is the fixed point x_c(c) = c. Newton's method on h(c) = x_c(c) − c from the present value.
        let r = Residual(g: g, gLeak: gLeak, gs: gs, gu: gu,
                         first: calciumTerms.contains { $0.index == unknowns.0 && $0.override == nil }, current: current)
        if let near, !near.exact, near.c.isFinite {
            let width = 1e-3 * max(near.c, 1)
            return closestApproach(r, max(near.c - width, 0), near.c + width, near.c)
        }
        var c = near?.c ?? r.start
        // Chord iterations: the slope (a forward difference) is refreshed only when convergence is slow.
        // (Starting the search below from the chord iterations' best point instead measured 0.5 % more
        // instructions.)
        var slope = 0.0, previous = Double.infinity
        if near != nil {
            // From a nearby problem's root, h is already tiny: one Newton step before the convergence test,
            // or the perturbed solve would return the unperturbed root's linear solve (the Jacobian's
            // difference quotients would lose the Ca∞ feedback).
            let hc = h(r, c).value, delta = 1e-7 * max(abs(c), 1)
            slope = (h(r, c + delta).value - hc) / delta
            let step = -hc / slope
            if step.isFinite { c += step }
        }
        for _ in 0..<20 {
            let (hc, x) = h(r, c)
            guard hc.isFinite else { break }
            if abs(hc) <= 1e-12 * max(abs(c), 1) { return (x, true, c) }
            if abs(hc) >= previous { break }    // not converging from here: search instead
            if slope == 0 || abs(hc) > 0.1 * previous {
                let delta = 1e-7 * max(abs(c), 1)
                slope = (h(r, c + delta).value - hc) / delta
            }
            previous = abs(hc)
            let step = -hc / slope
            guard step.isFinite else { break }
            c += step
            if abs(step) <= 1e-11 * max(abs(c), 1) { return (h(r, c).x, true, c) }
        }
        return search(r, from: max(r.start, 0))
    }

    /// The root of h on the branch through c0, or the closest approach. Walks outwards on both sides in
    /// geometrically growing steps (within [0, 10⁶]); a side stops where |h| starts to grow again. A sign
    /// change is refined by the Illinois (modified regula falsi) method; without one, the local minimum of
    /// |h| by Brent's method.
    func search(_ r: Residual, from c0: Double) -> (x: (Double, Double), exact: Bool, c: Double) {
        let h0 = h(r, c0).value
        guard h0.isFinite else { return ((.nan, .nan), false, .nan) }
        // The two sides' last points (previous, c, h(c)) and whether they still walk.
        var up = (previous: c0, c: c0, h: h0, active: c0 < 1e6), down = (previous: c0, c: c0, h: h0, active: c0 > 0)
        var step = 1e-3 * max(c0, 1)
        // Where |h| has a local minimum: the interval around the best point of a side that stopped.
        var valley: (lo: Double, hi: Double, best: Double, h: Double)?
        while up.active || down.active {
            for k in 0..<2 {
                var side = k == 0 ? up : down
                guard side.active else { continue }
                let next = k == 0 ? min(side.c + step, 1e6) : max(side.c - step, 0)
                let hn = h(r, next).value
                if !hn.isFinite {
                    side.active = false
                } else if (side.h <= 0) != (hn <= 0) {
                    let c = k == 0 ? refineRoot(r, side.c, side.h, next, hn) : refineRoot(r, next, hn, side.c, side.h)
                    return (h(r, c).x, true, c)
                } else if abs(hn) > abs(side.h) {
                    side.active = false
                    if valley == nil || abs(side.h) < abs(valley!.h) {
                        // Around the present value itself the minimum may lie on either side.
                        valley = side.c == c0 ? (max(c0 - step, 0), min(c0 + step, 1e6), c0, side.h)
                            : (min(side.previous, next), max(side.previous, next), side.c, side.h)
                    }
                } else {
                    side = (side.c, next, hn, next > 0 && next < 1e6)
                }
                if k == 0 { up = side } else { down = side }
            }
            step *= 1.5
        }
        // Both sides stopped without a sign change: |h| has its local minimum in the valley (or at a bound).
        guard let valley else {
            let best = abs(up.h) <= abs(down.h) ? up.c : down.c
            return (h(r, best).x, false, best)
        }
        return closestApproach(r, valley.lo, valley.hi, valley.best)
    }

    /// The local minimum of |h| in [a, b] around x (|h(x)| below both ends), by Brent's method (parabolic
    /// steps, golden-section steps when those misbehave) to ≈ √ε relative — or the root, if h changes sign.
    func closestApproach(_ r: Residual, _ a: Double, _ b: Double, _ x: Double) -> (x: (Double, Double), exact: Bool, c: Double) {
        let golden = (3 - 5.0.squareRoot()) / 2
        var (a, b, x) = (a, b, x)
        let hx0 = h(r, x).value
        var (hx, fx) = (hx0, abs(hx0))
        var (w, fw, v, fv) = (x, fx, x, fx)
        var d = 0.0, e = 0.0
        for _ in 0..<100 {
            let m = 0.5 * (a + b)
            let tol1 = 1e-8 * abs(x) + 1e-12, tol2 = 2 * tol1
            if abs(x - m) <= tol2 - 0.5 * (b - a) { break }
            var parabolic = false
            if abs(e) > tol1 {
                let s = (x - w) * (fx - fv)
                var q = (x - v) * (fx - fw)
                var p = (x - v) * q - (x - w) * s
                q = 2 * (q - s)
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
            let hu = h(r, u).value
            // A sign change (two close roots that one step of the walk jumped over): the root.
            if (hu <= 0) != (hx0 <= 0) {
                let c = u < x ? refineRoot(r, u, hu, x, hx) : refineRoot(r, x, hx, u, hu)
                return (h(r, c).x, true, c)
            }
            let fu = abs(hu)
            if fu <= fx {
                if u >= x { a = x } else { b = x }
                (v, fv, w, fw, x, hx, fx) = (w, fw, x, fx, u, hu, fu)
            } else {
                if u < x { a = u } else { b = u }
                if fu <= fw || w == x {
                    (v, fv, w, fw) = (w, fw, u, fu)
                } else if fu <= fv || v == x || v == w {
                    (v, fv) = (u, fu)
                }
            }
        }
        return (h(r, x).x, false, x)
    }

    /// The root of h in [a, b] (h(a), h(b) of opposite signs) by the Illinois method.
    func refineRoot(_ r: Residual, _ a: Double, _ ha: Double, _ b: Double, _ hb: Double) -> Double {
        var (a, ha, b, hb) = (a, ha, b, hb)
        var side = 0
        for _ in 0..<100 where b - a > 1e-12 * max(1, b) {
            let m = (a * hb - b * ha) / (hb - ha)
            let hm = h(r, m).value
            if hm == 0 { return m }
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
        return 0.5 * (a + b)
    }
}
