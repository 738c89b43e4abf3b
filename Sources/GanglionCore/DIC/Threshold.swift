/// How the threshold voltage V_th (where g_in = g_f + g_s + g_u changes sign from + to −) is found
/// (Docs/science/dics.md §4).
public enum ThresholdMethod: String, Sendable, CaseIterable {
    /// The paper's: the first point of the grid −60 : 0.01 : 0 mV where g_in(V_{i−1}) > 0 ≥ g_in(V_i).
    case grid
    /// NmodController's: scan from −80 mV in 0.1 mV steps to the first + → − crossing (up to 80 mV), then
    /// bisect to 1e−6 mV.
    case exact
}

/// A threshold voltage and how it was obtained.
public struct Threshold: Sendable, Equatable {
    /// V_th (mV).
    public var V: Double
    /// `grid`, `exact`, or `fixed` (a model parameter, as the DA model's −55.5 mV).
    public var method: String
    /// A threshold `V` (mV) found by `method`.
    public init(V: Double, method: String) {
        self.V = V
        self.method = method
    }
}

extension DICCalculator {
    /// The threshold by `method`; a model with a fixed threshold returns it (method `fixed`) unless
    /// `ignoringFixed` is set. Throws `DICError.noThreshold` when g_in has no + → − crossing.
    public func threshold(_ method: ThresholdMethod = .grid, ignoringFixed: Bool = false) throws(DICError) -> Threshold {
        if !ignoringFixed, let v = neuron.fixedThreshold { return Threshold(V: v, method: "fixed") }
        func gin(_ V: Double) -> Double { dics(at: V).gin }
        switch method {
        case .grid:
            var previous = gin(-60)
            for i in 1...6000 {
                let V = -60 + Double(i) * 0.01
                let g = gin(V)
                if previous > 0, g <= 0 { return Threshold(V: V, method: "grid") }
                previous = g
            }
            throw .noThreshold(method: "grid", range: -60...0)
        case .exact:
            var a = -80.0, ga = gin(a)
            for i in 1...1600 {
                let b = -80 + Double(i) * 0.1
                let gb = gin(b)
                if ga > 0, gb <= 0 {
                    var lo = a, hi = b
                    while hi - lo > 1e-10 {   // finer than the spec's 1e-6 mV
                        let mid = 0.5 * (lo + hi)
                        if gin(mid) > 0 { lo = mid } else { hi = mid }
                    }
                    return Threshold(V: 0.5 * (lo + hi), method: "exact")
                }
                a = b; ga = gb
            }
            throw .noThreshold(method: "exact", range: -80...80)
        }
    }
}
