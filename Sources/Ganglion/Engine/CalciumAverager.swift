/// Trailing time-average of calcium over a window, from the trapezoid integral at regular ticks.
struct CalciumAverager: Codable {
    var window: Double
    private var integral = 0.0
    private var lastT: Double?, lastCa = 0.0
    private var tickTimes: [Double] = []
    private var tickIntegrals: [Double] = []

    init(window: Double) { self.window = window }

    mutating func observe(t: Double, Ca: Double) {
        if let lastT { integral += 0.5 * (lastCa + Ca) * (t - lastT) }
        lastT = t
        lastCa = Ca
    }

    /// The average over [t − window, t] (over [0, t] early on), recorded as a tick at t.
    mutating func tick(at t: Double) -> Double? {
        let eps = 1e-6
        tickTimes.append(t)
        tickIntegrals.append(integral)
        while let first = tickTimes.first, first < t - window - eps {
            tickTimes.removeFirst()
            tickIntegrals.removeFirst()
        }
        if let k = tickTimes.firstIndex(where: { abs($0 - (t - window)) < eps }) {
            return (integral - tickIntegrals[k]) / window
        }
        return t > 0 ? integral / t : lastCa
    }
}
