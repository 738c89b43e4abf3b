import Synchronization
/// Functions of the membrane potential tabulated on a uniform grid and read back by cubic Hermite
/// interpolation (values and exact first derivatives at the nodes, so the interpolant is C¹).
///
/// The exponential integrator uses it for a neuron's Hodgkin–Huxley gates: per gate, the Rush–Larsen
/// decay factor d = e^(−h/τ_x(V)) for one fixed step h and A = x∞(V)(1 − d), which replaces about 40 `exp` calls and
/// as many divisions per step with one table read (the technique of NEURON's `usetable`, there with
/// linear interpolation). The table checks itself when it is built: every grid interval where the
/// interpolant misses a function by more than `tolerance` at the interval's midpoint (a pole or a
/// kink, e.g. the DA sodium τ_m near −38.72 mV) is marked, and there, as outside the grid, `evaluate`
/// returns false and the caller computes the functions exactly. Elsewhere the error is below 1e-8 for
/// the STG and DA channels (`GateTableTests`), far below the method's own step error.
public final class GateTable: @unchecked Sendable {   // immutable after init; the buffers are never written again
    /// Grid bounds (mV): spikes and hyperpolarisations of the models stay well inside.
    public static let lowerVoltage = -150.0, upperVoltage = 100.0
    /// Grid spacings tried, coarsest first (mV): the first with at most 1 % of its intervals marked is kept
    /// (0.125 mV for the STG channels; the DA CaL activation, a Boltzmann of slope 2 mV, needs 0.0625).
    public static let spacings = [0.125, 0.0625, 0.03125]
    /// Largest interpolation error allowed at an interval's midpoint (absolute, relative above 1).
    public static let tolerance = 1e-9

    /// Number of tabulated functions.
    public let columns: Int
    /// Grid spacing (mV).
    public let spacing: Double
    let points: Int
    let inverseSpacing: Double
    /// Per node i: the `columns` values, then the `columns` derivatives times the spacing.
    let data: UnsafeMutablePointer<Double>
    /// Per interval: 1 where the functions are computed exactly (the interpolant misses them).
    let exact: UnsafeMutablePointer<UInt8>
    /// Number of intervals computed exactly.
    public let exactIntervals: Int
    /// Values that depend on the step only, kept with the table (a neuron's calcium decay e^(−h/τ_Ca)).
    public let constants: [Double]

    /// Tabulates `columns` functions: `functions(V, out)` writes each f(V) and df/dV (dual numbers) to
    /// `out[0..<columns]`; `constants` are kept as they are. Returns nil if a function is not finite
    /// somewhere on the grid.
    public init?(columns: Int, constants: [Double] = [], _ functions: (Dual, UnsafeMutablePointer<Dual>) -> Void) {
        self.columns = columns
        self.constants = constants
        var built: (spacing: Double, points: Int, data: UnsafeMutablePointer<Double>, exact: UnsafeMutablePointer<UInt8>, marked: Int)?
        for h in Self.spacings {
            if let b = built { b.data.deallocate(); b.exact.deallocate() }
            guard let b = Self.build(columns: columns, functions, spacing: h) else { return nil }
            built = b
            if b.marked * 100 <= b.points { break }
        }
        let b = built!
        spacing = b.spacing
        points = b.points
        inverseSpacing = 1 / b.spacing
        data = b.data
        exact = b.exact
        exactIntervals = b.marked
    }

    deinit { data.deallocate(); exact.deallocate() }

    /// Nodes and marks on a grid of the given spacing (mV).
    static func build(columns: Int, _ functions: (Dual, UnsafeMutablePointer<Dual>) -> Void, spacing: Double)
        -> (spacing: Double, points: Int, data: UnsafeMutablePointer<Double>, exact: UnsafeMutablePointer<UInt8>, marked: Int)? {
        let points = Int(((upperVoltage - lowerVoltage) / spacing).rounded()) + 1
        let data = UnsafeMutablePointer<Double>.allocate(capacity: max(1, 2 * columns * points))
        let exact = UnsafeMutablePointer<UInt8>.allocate(capacity: points)
        exact.initialize(repeating: 0, count: points)
        let f = UnsafeMutablePointer<Dual>.allocate(capacity: max(1, columns))
        let values = UnsafeMutablePointer<Double>.allocate(capacity: max(1, columns))
        defer { f.deallocate(); values.deallocate() }
        for i in 0..<points {
            functions(.variable(lowerVoltage + Double(i) * spacing), f)
            let node = data + 2 * columns * i
            for c in 0..<columns {
                guard f[c].value.isFinite, f[c].derivative.isFinite else { data.deallocate(); exact.deallocate(); return nil }
                node[c] = f[c].value
                node[columns + c] = f[c].derivative * spacing
            }
        }
        // Mark the intervals the interpolant cannot follow: the cubic's error peaks mid-interval.
        var marked = 0
        for i in 0..<(points - 1) {
            functions(.variable(lowerVoltage + (Double(i) + 0.5) * spacing), f)
            interpolate(data, columns: columns, interval: i, fraction: 0.5, into: values)
            for c in 0..<columns where !(abs(values[c] - f[c].value) <= tolerance * max(1, abs(f[c].value))) {
                exact[i] = 1
                marked += 1
                break
            }
        }
        return (spacing, points, data, exact, marked)
    }

    /// Writes every function at V (mV) to `out[0..<columns]`; false (nothing written) when V is outside
    /// the grid, not a number, or in a marked interval.
    @inline(__always)
    public func evaluate(_ V: Double, into out: UnsafeMutablePointer<Double>) -> Bool {
        let x = (V - Self.lowerVoltage) * inverseSpacing
        guard x >= 0, x < Double(points - 1) else { return false }
        let i = Int(x)
        guard exact[i] == 0 else { return false }
        Self.interpolate(data, columns: columns, interval: i, fraction: x - Double(i), into: out)
        return true
    }

    /// The interpolant on interval i at fraction t ∈ [0, 1) of it, two columns at a time.
    @inline(__always)
    static func interpolate(_ data: UnsafeMutablePointer<Double>, columns: Int, interval i: Int, fraction t: Double,
                            into out: UnsafeMutablePointer<Double>) {
        let s = 1 - t
        // Hermite basis: h00 = (1 + 2t)(1 − t)², h10 = t(1 − t)², h01 = t²(3 − 2t), h11 = −t²(1 − t).
        let h00 = (1 + 2 * t) * s * s, h10 = t * s * s, h01 = t * t * (3 - 2 * t), h11 = -t * t * s
        let a = data + 2 * columns * i, b = a + 2 * columns
        let da = a + columns, db = b + columns
        let w00 = SIMD2(repeating: h00), w10 = SIMD2(repeating: h10), w01 = SIMD2(repeating: h01), w11 = SIMD2(repeating: h11)
        @inline(__always) func load(_ p: UnsafeMutablePointer<Double>) -> SIMD2<Double> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD2<Double>.self)
        }
        var c = 0
        while c + 2 <= columns {
            let v = w00 * load(a + c) + w10 * load(da + c) + w01 * load(b + c) + w11 * load(db + c)
            UnsafeMutableRawPointer(out + c).storeBytes(of: v, as: SIMD2<Double>.self)
            c += 2
        }
        if c < columns { out[c] = h00 * a[c] + h10 * da[c] + h01 * b[c] + h11 * db[c] }
    }
}

/// Gate tables of a system for one fixed step: one `GateTable` per cell (nil for a cell with none).
public final class RateTables: Sendable {
    /// The step h (ms) the decay factors were computed for.
    public let step: Double
    /// Per cell, in the system's cell order (a neuron has one).
    public let cells: [GateTable?]
    /// Largest number of columns of a cell's table.
    public let columns: Int
    /// Scratch a step needs beyond 2·dimension doubles: the columns, and `extraScratch` more.
    public let scratch: Int
    /// The first cell's table (a neuron's).
    public let first: GateTable?
    /// `first` without ownership (`cells` owns it), for hot loops that borrow it without a retain.
    public let firstReference: Unmanaged<GateTable>?
    /// Every cell's table without ownership (`cells` owns them), for hot loops over many cells.
    public let references: [Unmanaged<GateTable>?]
    /// Other values that depend on the step only, in the system's own order (a network's: each cell's
    /// calcium decay e^(−h/τ_Ca), then each synapse's decay e^(−h/τ_s), NaN where τ_s depends on V).
    public let constants: [Double]

    /// Tables for step `step` (ms); a step through them needs `extraScratch` doubles more than the columns.
    public init(step: Double, cells: [GateTable?], extraScratch: Int = 0, constants: [Double] = []) {
        self.step = step
        self.cells = cells
        self.constants = constants
        first = cells.first ?? nil
        firstReference = first.map { Unmanaged.passUnretained($0) }
        references = cells.map { $0.map { Unmanaged.passUnretained($0) } }
        columns = cells.map { $0?.columns ?? 0 }.max() ?? 0
        scratch = columns + extraScratch
    }

    /// Whether these tables serve a step of h ms (relative difference ≤ 1e-9: the steps of successive
    /// output intervals differ in their last bits).
    @inline(__always)
    public func serves(_ h: Double) -> Bool { abs(h - step) <= 1e-9 * step }
}

/// The gate tables built in this process, by key (a neuron's channel kinetics and constant decays, and the
/// step): a table depends on neither the conductances nor the state, so every cell of a population, every
/// segment of a protocol and every repeated run shares one. Thread-safe; at most `capacity` tables are kept.
public final class GateTableStore: Sendable {
    /// The process's store.
    public static let shared = GateTableStore()
    /// Most tables kept (about 1 MB each).
    public let capacity = 32
    private let tables = Mutex<[String: GateTable]>([:])

    /// The table for `key`, built by `build` the first time (outside the lock: workers building other
    /// tables do not wait). A nil build is not kept.
    public func table(key: String, build: () -> GateTable?) -> GateTable? {
        if let t = tables.withLock({ $0[key] }) { return t }
        guard let t = build() else { return nil }
        return tables.withLock { stored in
            if let other = stored[key] { return other }   // another worker built it meanwhile
            if stored.count >= capacity { stored.removeValue(forKey: stored.keys.first!) }
            stored[key] = t
            return t
        }
    }

    /// Number of tables kept.
    public var count: Int { tables.withLock { $0.count } }
}
