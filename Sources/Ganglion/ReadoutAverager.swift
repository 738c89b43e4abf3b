/// Mean of a cell's mechanism readouts (`CompiledNeuron.readouts`) over the samples of one analysis window.
struct ReadoutAverager: Codable, Sendable {
    var window: ClosedRange<Double>
    private(set) var sums: [Double]
    private(set) var count = 0

    init(window: ClosedRange<Double>, readouts: Int) {
        self.window = window
        sums = Array(repeating: 0, count: readouts)
    }

    mutating func observe(t: Double, _ values: UnsafeBufferPointer<Double>) {
        guard window.contains(t) else { return }
        for i in sums.indices { sums[i] += values[i] }
        count += 1
    }

    /// The means, or nil before the window's first sample.
    var means: [Double]? { count == 0 ? nil : sums.map { $0 / Double(count) } }
}
