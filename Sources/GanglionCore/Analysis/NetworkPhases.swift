import Foundation

/// How burst onsets are found in a spike train (Docs/science/networks.md §7).
public enum BurstOnsetRule: Sendable, Equatable, Codable {
    /// The first spike after a long ISI: longer than half = (max ISI + min ISI)/2, as in the burst
    /// analysis (the default).
    case halfRange
    /// The first spike whose preceding ISI exceeds this many ms (the authors' gait analysis: 100 ms).
    case minimumGap(Double)

    /// Burst onset times (ms) of a spike train. The first spike never counts (its preceding ISI is unknown).
    public func onsets(_ spikes: [Double]) -> [Double] {
        guard spikes.count >= 3 else { return [] }
        let isi = zip(spikes.dropFirst(), spikes).map { $0 - $1 }
        let gap: Double
        switch self {
        case .halfRange:
            let lo = isi.min()!, hi = isi.max()!
            guard hi - lo >= 25 else { return [] }   // tonic: no bursts (Docs/science/analysis.md §3, step 1)
            gap = (hi + lo) / 2
        case .minimumGap(let g): gap = g
        }
        return isi.indices.filter { isi[$0] > gap }.map { spikes[$0 + 1] }
    }
}

/// The statistical criterion by which a cell is called phase-locked 1:1 to the reference cell.
///
/// A cell is locked when (1) its burst-onset phases in the reference cycles are concentrated: the
/// Rayleigh test rejects a uniform phase distribution at `significance`, and the mean resultant length
/// R is at least `minimumResultantLength`; and (2) its period agrees with the reference's: the phase
/// drift a period difference accumulates over the N cycles used (the slope of the unwrapped phases per
/// reference cycle, ≈ |T/T_ref − 1|, times N) is below `maximumDrift` of a cycle. Two cells of different periods drift through each other's cycle
/// whatever their phases happened to be; (2) tells them apart from locked cells. With fewer than
/// `minimumCycles` phases, the verdict is `insufficient`.
public struct LockingCriterion: Sendable, Equatable, Codable {
    /// Fewest phases (reference cycles holding an onset of the cell) for a verdict.
    public var minimumCycles = 10
    /// Largest Rayleigh p-value of a locked cell.
    public var significance = 0.001
    /// Smallest mean resultant length R of a locked cell (0: uniform phases, 1: identical phases).
    public var minimumResultantLength = 0.9
    /// Largest accumulated phase drift (fraction of a cycle) of a locked cell.
    public var maximumDrift = 0.05
    /// The default criterion: ≥ 10 cycles, p < 0.001, R ≥ 0.9, drift < 0.05 cycle.
    public init() {}
}

/// Whether a cell's bursts are phase-locked to the reference cell's.
public enum LockingVerdict: String, Sendable, Equatable, Codable {
    /// Both conditions of the `LockingCriterion` hold.
    case locked
    /// Enough cycles, and at least one condition fails.
    case notLocked = "not locked"
    /// Fewer phases than `LockingCriterion.minimumCycles`.
    case insufficient
}

/// The Rayleigh test of n circular samples with mean resultant length R against uniformity: the p-value by
/// Zar's approximation, exp(√(1 + 4n + 4(n² − (nR)²)) − (1 + 2n)), within [0, 1]; 1 without samples.
public func rayleighPValue(n: Int, resultantLength r: Double) -> Double {
    guard n > 0, r.isFinite else { return 1 }
    let nd = Double(n), rn = nd * r
    let p = exp((1 + 4 * nd + 4 * (nd * nd - rn * rn)).squareRoot() - (1 + 2 * nd))
    return min(max(p, 0), 1)
}

/// The timing of one cell's bursts relative to a reference cell's cycle.
public struct PhaseRelation: Sendable, Equatable, Codable {
    /// Phase of each of the cell's burst onsets that falls inside a complete reference cycle
    /// (fraction of the cycle, in [0, 1)).
    public var phases: [Double]
    /// Circular mean phase (fraction of a cycle, [0, 1)); nil without phases.
    public var meanPhase: Double?
    /// Mean resultant length R of the phases (0 = uniform, 1 = identical); nil without phases.
    public var resultantLength: Double?
    /// Circular spread 1 − R; nil without phases.
    public var spread: Double? { resultantLength.map { 1 - $0 } }
    /// Rayleigh test p-value of the phases against a uniform distribution; nil without phases.
    public var rayleighP: Double?
    /// Mean interval between the cell's burst onsets (ms), and the reference's.
    public var period: Double?, referencePeriod: Double?
    /// Phase drift over the N cycles used (fraction of a cycle): |slope| · N, the slope of the least-squares line
    /// through the unwrapped phases against the reference cycles elapsed (≈ |T/T_ref − 1| per cycle); nil with fewer than 2 phases.
    public var drift: Double?
    /// Locked, not locked, or insufficient, by `criterion`.
    public var verdict: LockingVerdict
    /// The criterion the verdict applied.
    public var criterion: LockingCriterion
    /// Whether the cell is locked 1:1 to the reference by `criterion`.
    public var locked: Bool { verdict == .locked }
    /// Number of reference cycles holding an onset of the cell: the phases the statistics use.
    public var cycles: Int { phases.count }
    /// Antiphase measure for the pair: the mean phase (0.5 for perfect alternation); nil without phases.
    public var antiphase: Double? { meanPhase }

    /// Phases of `onsets` relative to the cycles [t_ref,i, t_ref,i+1) of `reference` burst onsets, and
    /// the verdict of `criterion`.
    public init(onsets: [Double], reference: [Double], criterion: LockingCriterion = LockingCriterion()) {
        var phases: [Double] = []
        var position: [Double] = []   // reference cycles elapsed at each phase: cycle index + phase
        if reference.count >= 2 {
            var i = 0
            for t in onsets {
                while i + 1 < reference.count && reference[i + 1] <= t { i += 1 }
                guard i + 1 < reference.count, t >= reference[i] else { continue }
                let phase = (t - reference[i]) / (reference[i + 1] - reference[i])
                phases.append(phase)
                position.append(Double(i) + phase)
            }
        }
        self.phases = phases
        self.criterion = criterion
        if phases.isEmpty {
            meanPhase = nil
            resultantLength = nil
            rayleighP = nil
        } else {
            let c = phases.map { cos(2 * Double.pi * $0) }.reduce(0, +) / Double(phases.count)
            let s = phases.map { sin(2 * Double.pi * $0) }.reduce(0, +) / Double(phases.count)
            var m = atan2(s, c) / (2 * Double.pi)
            if m < 0 { m += 1 }
            if m >= 1 { m -= 1 }
            meanPhase = m
            let r = min((c * c + s * s).squareRoot(), 1)
            resultantLength = r
            rayleighP = rayleighPValue(n: phases.count, resultantLength: r)
        }
        func meanInterval(_ x: [Double]) -> Double? { x.count >= 2 ? (x.last! - x.first!) / Double(x.count - 1) : nil }
        period = meanInterval(onsets)
        referencePeriod = meanInterval(reference)
        drift = Self.drift(phases: phases, positions: position)
        if phases.count < criterion.minimumCycles {
            verdict = .insufficient
        } else if let p = rayleighP, let r = resultantLength, let d = drift,
                  p < criterion.significance, r >= criterion.minimumResultantLength, d < criterion.maximumDrift {
            verdict = .locked
        } else {
            verdict = .notLocked
        }
    }

    /// The phase drift over the cycles used: |slope| · N, the slope the least-squares line through the unwrapped
    /// phases (each step wrapped into [−½, ½)) against the reference cycles elapsed; nil with fewer than 2 phases.
    /// A period difference ΔT/T makes the phase slide by ≈ ΔT/T per cycle; a locked cell's phase has no trend.
    static func drift(phases: [Double], positions: [Double]) -> Double? {
        guard phases.count >= 2 else { return nil }
        var unwrapped = [phases[0]]
        for k in 1..<phases.count {
            var step = phases[k] - phases[k - 1]
            step -= (step + 0.5).rounded(.down)
            unwrapped.append(unwrapped[k - 1] + step)
        }
        let n = Double(phases.count)
        let mx = positions.reduce(0, +) / n, my = unwrapped.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (x, y) in zip(positions, unwrapped) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx) }
        guard sxx > 0 else { return nil }
        return abs(sxy / sxx) * n
    }

    /// The phases in degrees, values above 270° wrapped by −360° (the authors' gait plots).
    public var gaitDegrees: [Double] { phases.map { let d = 360 * $0; return d > 270 ? d - 360 : d } }
}
