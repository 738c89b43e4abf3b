/// Firing pattern of a trace, by the rule that decided it.
public enum FiringPattern: String, Sendable, Codable, CaseIterable {
    /// No spike in the window.
    case silent
    /// Regular spiking: max ISI − min ISI < 25 ms.
    case tonic
    /// Bursts measured by the burst criteria.
    case bursting
    /// Enough spikes and long ISIs to measure bursts, but the burst criteria fail.
    case irregular
    /// Too few spikes (1 or 2) or too few long ISIs (fewer than 3) to classify: `FiringFeatures.evidence` says how many.
    case insufficient
}

/// What a window held when it was too little to classify: how many of a thing were seen and how many are needed.
public struct FiringEvidence: Sendable, Equatable, Codable {
    /// What was counted: `spikes` or `long ISIs` (the gaps that start a burst).
    public var quantity: String
    /// How many were seen in the window.
    public var seen: Int
    /// How many the classification needs.
    public var needed: Int
    /// A count of `quantity` seen against the count needed.
    public init(quantity: String, seen: Int, needed: Int) {
        self.quantity = quantity
        self.seen = seen
        self.needed = needed
    }
}

/// Firing features of a spike train, as defined in Docs/science/analysis.md (the paper's definitions).
/// Frequencies in Hz, times in ms. Unavailable metrics are `nil`.
public struct FiringFeatures: Sendable, Equatable, Codable {
    /// Spike times (ms).
    public var spikeTimes: [Double]
    /// Silent, tonic, bursting, irregular or insufficient (Docs/science/analysis.md §5).
    public var pattern: FiringPattern
    /// Which rule decided `pattern`.
    public var rule: String
    /// 1 / mean ISI (Hz); needs ≥ 3 spikes.
    public var frequency: Double?
    /// n · f_intra / T_inter (Hz²), bursting cells only.
    public var burstiness: Double?
    /// n, spikes per burst.
    public var spikesPerBurst: Int?
    /// 1 / mean short (intraburst) ISI (Hz).
    public var intraburstFrequency: Double?
    /// 1 / mean long ISI (Hz): the inverse of the silent gap between bursts, not the burst rate.
    public var interburstFrequency: Double?
    /// Burst period 1/f_inter + (n − 1)/f_intra (ms).
    public var burstPeriod: Double?
    /// ((n − 1)/f_intra) / period.
    public var dutyCycle: Double?
    /// For an `insufficient` train: what was counted, how many were seen and how many are needed.
    public var evidence: FiringEvidence?

    /// Computes the features of a spike train (times in ms, increasing).
    public init(spikeTimes: [Double]) {
        self.spikeTimes = spikeTimes
        pattern = .silent
        rule = "no spikes"
        guard !spikeTimes.isEmpty else { return }
        guard spikeTimes.count >= 3 else {
            pattern = .insufficient
            rule = "\(spikeTimes.count) spike\(spikeTimes.count == 1 ? "" : "s") in the window, 3 needed"
            evidence = FiringEvidence(quantity: "spikes", seen: spikeTimes.count, needed: 3)
            return
        }
        let isi = zip(spikeTimes.dropFirst(), spikeTimes).map { $0 - $1 }   // ms
        let meanISI = isi.reduce(0, +) / Double(isi.count)
        frequency = 1000 / meanISI
        let lo = isi.min()!, hi = isi.max()!
        guard hi - lo >= 25 else {
            pattern = .tonic
            rule = "max ISI − min ISI < 25 ms"
            return
        }
        let half = (hi + lo) / 2
        let longIndices = isi.indices.filter { isi[$0] > half }
        let short = isi.filter { $0 < half }
        let long = longIndices.map { isi[$0] }
        guard longIndices.count >= 3 else {
            pattern = .insufficient
            rule = "\(longIndices.count) long ISI\(longIndices.count == 1 ? "" : "s") in the window, 3 needed (2 whole bursts)"
            evidence = FiringEvidence(quantity: "long ISIs", seen: longIndices.count, needed: 3)
            return
        }
        pattern = .irregular
        guard !short.isEmpty else {
            rule = "no short ISIs"
            return
        }
        let gaps = zip(longIndices.dropFirst(), longIndices).map { Double($0 - $1) }
        let meanGap = gaps.reduce(0, +) / Double(gaps.count)
        guard meanGap >= 1.5, meanGap <= 500 else {
            rule = "mean spikes per burst \(meanGap) outside [1.5, 500]"
            return
        }
        let n = Int(meanGap.rounded(.toNearestOrEven))
        let tInter = long.reduce(0, +) / Double(long.count) / 1000      // s
        let fIntra = 1000 / (short.reduce(0, +) / Double(short.count))  // Hz
        let fInter = 1 / tInter
        pattern = .bursting
        rule = "bursting criteria met"
        spikesPerBurst = n
        intraburstFrequency = fIntra
        interburstFrequency = fInter
        burstiness = Double(n) * fIntra / tInter
        let active = Double(n - 1) / fIntra     // s
        let period = 1 / fInter + active        // s
        burstPeriod = period * 1000
        dutyCycle = active / period
    }
}

/// Streams samples of a run, keeping only what the firing analysis of one window needs: spikes and
/// the time-averaged calcium. Memory does not grow with the number of samples.
public struct WindowAnalyzer: Sendable, Codable {
    /// Analysis window [start, end] (ms).
    public let window: ClosedRange<Double>
    private var detector = SpikeDetector()
    private var caIntegral = 0.0
    private var caLastT: Double?, caLastValue = 0.0
    private var caFirstTime: Double?

    /// An analyzer of the samples inside `window` (ms).
    public init(window: ClosedRange<Double>) { self.window = window }

    /// Feeds one sample (t in ms, V in mV, Ca in model units; Ca may be NaN if not recorded).
    public mutating func observe(t: Double, V: Double, Ca: Double) {
        guard window.contains(t) else { return }
        detector.observe(t: t, V: V)
        if let lastT = caLastT {
            caIntegral += 0.5 * (caLastValue + Ca) * (t - lastT)
        } else {
            caFirstTime = t
        }
        caLastT = t
        caLastValue = Ca
    }

    /// Firing features of the samples seen so far.
    public var features: FiringFeatures { FiringFeatures(spikeTimes: detector.spikeTimes) }

    /// Time-averaged calcium over the samples seen (model units): the one value after a single sample, nil before any.
    public var meanCalcium: Double? {
        guard let lastT = caLastT else { return nil }
        guard let t0 = caFirstTime, lastT > t0 else { return caLastValue }
        return caIntegral / (lastT - t0)
    }

    /// The part of the window actually covered by samples [first, last] (ms).
    public var coveredWindow: ClosedRange<Double>? {
        guard let t0 = caFirstTime, let lastT = caLastT else { return nil }
        return t0...lastT
    }
}
