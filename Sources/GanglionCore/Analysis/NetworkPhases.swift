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

/// The timing of one cell's bursts relative to a reference cell's cycle.
public struct PhaseRelation: Sendable, Equatable, Codable {
    /// Phase of each of the cell's burst onsets that falls inside a complete reference cycle
    /// (fraction of the cycle, in [0, 1)).
    public var phases: [Double]
    /// Circular mean phase (fraction of a cycle, [0, 1)); nil without phases.
    public var meanPhase: Double?
    /// Circular spread: 1 − R, R the mean resultant length (0 = perfectly regular, 1 = uniform).
    public var spread: Double?
    /// Mean interval between the cell's burst onsets (ms), and the reference's.
    public var period: Double?, referencePeriod: Double?
    /// |T / T_ref − 1| < `lockTolerance` and a spread below 0.1: the cell is locked 1:1 to the reference.
    public var locked: Bool
    /// Antiphase measure for the pair: the mean phase (0.5 for perfect alternation); nil without phases.
    public var antiphase: Double? { meanPhase }

    enum CodingKeys: String, CodingKey {
        case phases, meanPhase = "mean_phase", spread, period = "period_ms", referencePeriod = "reference_period_ms", locked
    }

    /// Phases of `onsets` relative to the cycles [t_ref,i, t_ref,i+1) of `reference` burst onsets.
    public init(onsets: [Double], reference: [Double], lockTolerance: Double = 0.02) {
        var phases: [Double] = []
        if reference.count >= 2 {
            var i = 0
            for t in onsets {
                while i + 1 < reference.count && reference[i + 1] <= t { i += 1 }
                guard i + 1 < reference.count, t >= reference[i] else { continue }
                phases.append((t - reference[i]) / (reference[i + 1] - reference[i]))
            }
        }
        self.phases = phases
        if phases.isEmpty {
            meanPhase = nil
            spread = nil
        } else {
            let c = phases.map { cos(2 * Double.pi * $0) }.reduce(0, +) / Double(phases.count)
            let s = phases.map { sin(2 * Double.pi * $0) }.reduce(0, +) / Double(phases.count)
            var m = atan2(s, c) / (2 * Double.pi)
            if m < 0 { m += 1 }
            if m >= 1 { m -= 1 }
            meanPhase = m
            spread = 1 - (c * c + s * s).squareRoot()
        }
        func meanInterval(_ x: [Double]) -> Double? { x.count >= 2 ? (x.last! - x.first!) / Double(x.count - 1) : nil }
        period = meanInterval(onsets)
        referencePeriod = meanInterval(reference)
        if let p = period, let r = referencePeriod, let sp = spread {
            locked = abs(p / r - 1) < lockTolerance && sp < 0.1
        } else {
            locked = false
        }
    }

    /// The phases in degrees, values above 270° wrapped by −360° (the authors' gait plots).
    public var gaitDegrees: [Double] { phases.map { let d = 360 * $0; return d > 270 ? d - 360 : d } }
}
