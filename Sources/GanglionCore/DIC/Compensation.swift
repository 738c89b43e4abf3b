import Foundation

/// Which computation the compensation solve uses (Docs/science/dics.md §5–§6).
public enum CompensationVariant: String, Sendable, CaseIterable {
    /// Ganglion's default: exact DICs (Ca∞ with the cell's own, possibly unknown, calcium conductances;
    /// NMDA in S; the leak's "+1" in g_f); nonlinear systems solved by Newton's method.
    case exact
    /// The authors' code: STG: Ca∞ and dCa∞/dV with ḡ_CaS := 10 (quirk 1); DA: no leak "+1" in g_f (quirk 2).
    case paper
    /// The PNAS Nexus code (DA): NMDA left out of S, leak "+1" kept.
    case pnas

    /// The DIC options this variant uses for a neuron: the exact computation, its family's shortcuts
    /// (`NeuronDescription.paperDICOptions`), or NMDA left out of S.
    public func options(for neuron: NeuronDescription) -> DICOptions {
        switch self {
        case .exact: DICOptions()
        case .paper: neuron.paperDICOptions ?? DICOptions()
        case .pnas: DICOptions(excludedChannels: ["NMDA"])
        }
    }
}

/// Where a compensation solve is done.
public enum CompensationVoltage: Sendable, Equatable {
    /// A voltage (mV).
    case value(Double)
    /// The threshold of the cell before the solve (a model's fixed threshold if it has one).
    case threshold(ThresholdMethod)
}

/// The outcome of a compensation solve.
public struct CompensationResult: Sendable {
    /// The voltage of the solve (mV) and how it was chosen.
    public var V: Double
    /// How V was chosen: `given`, or the threshold method (`grid`, `exact`, `fixed`).
    public var voltageMethod: String
    /// The solved conductances (mS/cm²), by name.
    public var solved: [String: Double]
    /// The neuron with the solved conductances.
    public var neuron: NeuronDescription
    /// The target DICs (dimensionless).
    public var targets: [DICName: Double]
    /// The DICs the solved neuron actually has at V, computed exactly.
    public var achieved: DICValues
    /// max |achieved − target| over the targeted DICs.
    public var residual: Double
    /// max |DIC − target| of the variant's own equations (what the solver drove to zero).
    public var solverResidual: Double
    /// `linear`, `newton`, `calcium fixed point`, `calcium fixed point + newton`, `least squares` or
    /// `minimum norm`.
    public var method: String
    /// 1 for the first solve, plus one per Newton step.
    public var iterations: Int
    /// The computation the solve used.
    public var variant: CompensationVariant
}

/// A compensation solve that has no meaningful answer.
public enum CompensationError: Error, Equatable, CustomStringConvertible {
    /// An unknown that is not one of the model's conductances (those are listed).
    case unknownConductance(String, available: [String])
    /// A conductance listed twice among the unknowns.
    case duplicateUnknown(String)
    /// No conductance to solve for.
    case noUnknowns
    /// No DIC to match.
    case noTargets
    /// The unknowns cannot set the targeted DICs independently at V.
    case singular(unknowns: [String], detail: String)
    /// The solution has these negative conductances (mS/cm²).
    case negativeConductances([String: Double])
    /// Newton's method stopped with this max |DIC − target| (dimensionless).
    case noConvergence(residual: Double)
    /// The DICs or the threshold could not be computed.
    case dic(DICError)

    /// What makes the solve meaningless, naming the conductances involved.
    public var description: String {
        switch self {
        case let .unknownConductance(name, available):
            "unknown conductance '\(name)' (this model has \(available.joined(separator: ", ")))"
        case .duplicateUnknown(let name): "conductance '\(name)' is listed twice among the unknowns"
        case .noUnknowns: "no unknown conductances given"
        case .noTargets: "no target DICs given"
        case let .singular(unknowns, detail): "singular system: \(detail) (unknowns \(unknowns.joined(separator: ", ")))"
        case .negativeConductances(let g):
            "the solution has negative conductances: " + g.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")
        case .noConvergence(let r): "Newton's method did not converge (residual \(r))"
        case .dic(let e): e.description
        }
    }
}

/// Solves for conductances that give target DICs (Docs/science/dics.md §5).
///
/// The DICs are linear in the conductances except through Ca∞(V) (the KCa calcium path), which depends on
/// the calcium conductances: with such an unknown the exact variant is a small nonlinear system, solved
/// by Newton's method (central-difference Jacobian) to max |DIC − target| < 1e−10. Newton starts from
/// the non-negative fixed point of the calcium conductance found by a scan (one calcium unknown), else
/// from the linear solve at the cell's current conductances. More targets than unknowns: least squares; fewer: minimum norm (both reported).
public func compensate(_ neuron: NeuronDescription, unknowns: [String], targets: [DICName: Double],
                       at voltage: CompensationVoltage, variant: CompensationVariant = .exact) throws(CompensationError) -> CompensationResult {
    let names = neuron.conductances.map(\.name)
    guard !unknowns.isEmpty else { throw .noUnknowns }
    guard !targets.isEmpty else { throw .noTargets }
    var seen = Set<String>()
    for u in unknowns {
        guard names.contains(u) else { throw .unknownConductance(u, available: names) }
        guard seen.insert(u).inserted else { throw .duplicateUnknown(u) }
    }
    let options = variant.options(for: neuron)
    let V: Double, method: String
    do throws(DICError) {
        switch voltage {
        case .value(let v):
            guard v > -150, v < 100 else { throw DICError.voltageOutOfRange(v) }
            V = v; method = "given"
        case .threshold(let m):
            let th = try DICCalculator(neuron).threshold(m)
            V = th.V; method = th.method
        }
    } catch { throw .dic(error) }
    let rows = targets.keys.sorted()
    let index = unknowns.map { u in neuron.conductances.firstIndex { $0.name == u }! }

    func withUnknowns(_ x: [Double]) -> NeuronDescription {
        var n = neuron
        for (k, j) in index.enumerated() { n.conductances[j].gbar = x[k] }
        return n
    }
    func residual(_ x: [Double], _ opts: DICOptions) throws(CompensationError) -> [Double] {
        let d: DICValues
        do { d = try DICCalculator(withUnknowns(x), options: opts).dics(at: V) } catch { throw .dic(error) }
        return rows.map { d[$0] - targets[$0]! }
    }
    // Linear model at the given conductances: A[r][k] = S_r,k / g_leak.
    func matrix(_ x: [Double], _ opts: DICOptions) throws(CompensationError) -> [[Double]] {
        let S: SensitivityMatrix
        do { S = try DICCalculator(withUnknowns(x), options: opts).sensitivity(at: V) } catch { throw .dic(error) }
        return rows.map { r in index.map { S.row(r)[$0] / neuron.leakConductance } }
    }

    var x = index.map { neuron.conductances[$0].gbar }
    let A = try matrix(x, options)
    // Singularity: a zero column, or a rank-deficient system.
    let scale = A.flatMap { $0 }.map(abs).max() ?? 0
    for (k, u) in unknowns.enumerated() where A.allSatisfy({ abs($0[k]) <= 1e-13 * max(scale, 1e-300) }) {
        throw .singular(unknowns: unknowns, detail: "ḡ_\(u) has no effect on \(rows.map(\.rawValue).joined(separator: ", ")) at V = \(V) mV")
    }
    let solveMethod = rows.count == unknowns.count ? "linear" : (rows.count > unknowns.count ? "least squares" : "minimum norm")
    let singularDetail = "the DICs \(rows.map(\.rawValue).joined(separator: ", ")) cannot be set independently by these conductances at V = \(V) mV"
    /// One linear step from x with the DICs computed under `opts` (exact when opts makes them linear).
    func linearStep(_ x: [Double], _ opts: DICOptions) throws(CompensationError) -> [Double] {
        guard let step = solveLeastSquares(try matrix(x, opts), try residual(x, opts).map { -$0 }) else {
            throw .singular(unknowns: unknowns, detail: singularDetail)
        }
        return zip(x, step).map { $0 + $1 }
    }
    // The exact DICs depend on a calcium conductance through Ca∞(V) (the KCa calcium path). With one such
    // unknown, c, the system is linear once c is fixed inside Ca∞: x(c) solves it, and the solution is a
    // fixed point x_c(c) = c. Scan c over [0, max(1000, 10·ḡ)] (widened ×10 until a root, up to 1e6) for sign changes of x_c(c) − c and bisect:
    // this finds the non-negative root Newton's method may miss from a poor start.
    let calciumUnknowns = unknowns.enumerated().filter { k, u in
        neuron.conductances[index[k]].feedsCalcium && options.calciumConductanceOverrides[u] == nil
    }
    let calciumGated = neuron.conductances.contains { $0.channel.calciumGated && $0.gbar > 0 }
    var scanned = false
    if calciumGated, calciumUnknowns.count == 1, rows.count == unknowns.count {
        let (kc, name) = calciumUnknowns[0]
        func fixedPoint(_ c: Double) throws(CompensationError) -> (x: [Double], h: Double) {
            var o = options
            o.calciumConductanceOverrides[name] = c
            let xc = try linearStep(x, o)
            return (xc, xc[kc] - c)
        }
        // The scan widens (×10, up to 1e6 mS/cm²) until it finds a root.
        var roots: [[Double]] = []
        var (lo, hlo) = (0.0, try fixedPoint(0).h)
        var upper = max(1000, 10 * x[kc])
        var start = 0.0
        while roots.isEmpty, start < 1e6 {
          let steps = 500
          for i in 1...steps {
            let c = start + (upper - start) * Double(i) / Double(steps)
            let h = try fixedPoint(c).h
            if (hlo <= 0) != (h <= 0) {
                var a = lo, b = c, ha = hlo
                for _ in 0..<100 where b - a > 1e-13 * max(1, b) {
                    let m = 0.5 * (a + b)
                    let hm = try fixedPoint(m).h
                    if (ha <= 0) == (hm <= 0) { a = m; ha = hm } else { b = m }
                }
                roots.append(try fixedPoint(0.5 * (a + b)).x)
            }
            (lo, hlo) = (c, h)
          }
          start = upper
          upper *= 10
        }
        let admissible = roots.filter { $0.allSatisfy { $0 >= 0 } }
        let pool = admissible.isEmpty ? roots : admissible
        if let best = pool.min(by: { abs($0[kc] - x[kc]) < abs($1[kc] - x[kc]) }) {
            x = best
            scanned = true
        }
    }
    if !scanned { x = try linearStep(x, options) }
    var r = try residual(x, options)
    var iterations = 1
    var usedNewton = false
    while r.map(abs).max()! >= 1e-10, iterations < 60 {
        // Newton step with a central-difference Jacobian of the full (possibly nonlinear) residual.
        usedNewton = true
        var columns: [[Double]] = []
        for k in x.indices {
            let h = 1e-6 * max(abs(x[k]), 1e-3)
            var xp = x, xm = x
            xp[k] += h; xm[k] -= h
            let rp = try residual(xp, options), rm = try residual(xm, options)
            columns.append(zip(rp, rm).map { ($0 - $1) / (2 * h) })
        }
        let jacobian = rows.indices.map { i in columns.map { $0[i] } }
        guard let step = solveLeastSquares(jacobian, r.map { -$0 }) else {
            throw .singular(unknowns: unknowns, detail: "the Newton matrix became singular at V = \(V) mV")
        }
        for k in x.indices { x[k] += step[k] }
        r = try residual(x, options)
        iterations += 1
        if rows.count != unknowns.count, step.map(abs).max()! < 1e-14 * max(1, x.map(abs).max()!) { break }
    }
    let solverResidual = r.map(abs).max()!
    if rows.count == unknowns.count, solverResidual >= 1e-10 { throw .noConvergence(residual: solverResidual) }
    let negative = Dictionary(uniqueKeysWithValues: zip(unknowns, x).filter { $0.1 < 0 })
    if !negative.isEmpty { throw .negativeConductances(negative) }
    let solvedNeuron = withUnknowns(x)
    let achieved: DICValues
    do { achieved = try DICCalculator(solvedNeuron).dics(at: V) } catch { throw .dic(error) }
    return CompensationResult(
        V: V, voltageMethod: method, solved: Dictionary(uniqueKeysWithValues: zip(unknowns, x)), neuron: solvedNeuron,
        targets: targets, achieved: achieved, residual: rows.map { abs(achieved[$0] - targets[$0]!) }.max()!,
        solverResidual: solverResidual,
        method: scanned ? (usedNewton ? "calcium fixed point + newton" : "calcium fixed point")
            : (usedNewton && solveMethod == "linear" ? "newton" : solveMethod),
        iterations: iterations, variant: variant)
}

/// Least-squares (m ≥ n) or minimum-norm (m < n) solution of A x = b by Gaussian elimination on the
/// normal equations, with a relative rank test; nil if rank-deficient.
func solveLeastSquares(_ A: [[Double]], _ b: [Double]) -> [Double]? {
    let m = A.count, n = A[0].count
    if m == n { return gaussianSolve(A, b) }
    if m > n {
        let AtA = (0..<n).map { i in (0..<n).map { j in (0..<m).reduce(0.0) { $0 + A[$1][i] * A[$1][j] } } }
        let Atb = (0..<n).map { i in (0..<m).reduce(0.0) { $0 + A[$1][i] * b[$1] } }
        return gaussianSolve(AtA, Atb)
    }
    let AAt = (0..<m).map { i in (0..<m).map { j in (0..<n).reduce(0.0) { $0 + A[i][$1] * A[j][$1] } } }
    guard let y = gaussianSolve(AAt, b) else { return nil }
    return (0..<n).map { j in (0..<m).reduce(0.0) { $0 + A[$1][j] * y[$1] } }
}

/// Gaussian elimination with partial pivoting and column scaling; nil if numerically singular.
func gaussianSolve(_ A0: [[Double]], _ b0: [Double]) -> [Double]? {
    let n = A0.count
    // Scale columns to unit max so that the rank test is independent of the conductances' units.
    let colScale = (0..<n).map { j in A0.map { abs($0[j]) }.max()! }
    guard colScale.allSatisfy({ $0 > 0 }) else { return nil }
    var A = A0.map { row in (0..<n).map { row[$0] / colScale[$0] } }
    var b = b0
    for c in 0..<n {
        let p = (c..<n).max { abs(A[$0][c]) < abs(A[$1][c]) }!
        guard abs(A[p][c]) > 1e-12 else { return nil }
        A.swapAt(c, p); b.swapAt(c, p)
        for i in (c + 1)..<n {
            let f = A[i][c] / A[c][c]
            for j in c..<n { A[i][j] -= f * A[c][j] }
            b[i] -= f * b[c]
        }
    }
    var x = Array(repeating: 0.0, count: n)
    for i in stride(from: n - 1, through: 0, by: -1) {
        x[i] = (b[i] - ((i + 1)..<n).reduce(0.0) { $0 + A[i][$1] * x[$1] }) / A[i][i]
    }
    return (0..<n).map { x[$0] / colScale[$0] }
}
