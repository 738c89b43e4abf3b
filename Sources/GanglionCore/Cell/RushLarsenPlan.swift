/// A neuron's exponential-Euler step from a gate table (`CompiledNeuron.makeGateTable(step:)`), flattened
/// for its hot loop. The table holds, per Hodgkin–Huxley gate, A = x∞(1 − d) and d = e^(−h/(k τ_x)), so
/// that a gate moves by x ← A + d x. The conductances are grouped by their exponents (p, q), so each
/// group's open fraction m^p h^q is computed without a branch; the terms that need a channel's own code
/// (a calcium-gated m∞, a kinetic scheme's open fraction) are listed apart. Built once per compiled neuron.
struct RushLarsenPlan: Sendable {
    /// One Hodgkin–Huxley conductance: its m and h states (h = m when q = 0) and their table columns
    /// (A, d); ḡ (a state, or the constant when `gbarState` < 0, with the block fraction `scale`), E (mV)
    /// and whether it carries calcium (1 or 0).
    struct Conductance: Sendable {
        let m: Int, h: Int, mA: Int, mD: Int, hA: Int, hD: Int, gbarState: Int
        let gbar: Double, scale: Double, reversal: Double, calcium: Double
    }
    /// Conductances `range` of `conductances` share the exponents p and q.
    struct Group: Sendable { let p: Int, q: Int, range: Range<Int> }
    /// A calcium-gated m∞: its A column (holding a(V)(1 − d) when m∞ = a(V) b(Ca) factors, else written
    /// at each step from m∞(V, Ca) and the d column `decay`).
    struct CalciumGate: Sendable {
        let column: Int, decay: Int, factorized: Bool
        let channel: any IonChannel.Type
    }

    /// Number of table columns.
    let columns: Int

    /// The plan's arrays as buffers, for a step's hot loop.
    struct Buffers {
        let conductances: UnsafeBufferPointer<Conductance>
        let groups: UnsafeBufferPointer<Group>
        let calciumGates: UnsafeBufferPointer<CalciumGate>
    }

    /// The plan's conductances (sorted into groups), groups and calcium-gated m∞, in buffers that live as
    /// long as the plan, so a step reaches them without retaining anything.
    private final class Storage: @unchecked Sendable {   // immutable after init
        let buffers: Buffers
        init(_ c: [Conductance], _ g: [Group], _ k: [CalciumGate]) {
            func copy<T>(_ a: [T]) -> UnsafeBufferPointer<T> {
                let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(a.count, 1))
                _ = p.initialize(from: a)
                return UnsafeBufferPointer(start: p.baseAddress, count: a.count)
            }
            buffers = Buffers(conductances: copy(c), groups: copy(g), calciumGates: copy(k))
        }
        deinit {
            func free<T>(_ b: UnsafeBufferPointer<T>) {
                UnsafeMutablePointer(mutating: b.baseAddress!).deinitialize(count: b.count)
                b.baseAddress!.deallocate()
            }
            free(buffers.conductances); free(buffers.groups); free(buffers.calciumGates)
        }
    }
    private let storage: Storage

    /// Calls `body` with the plan's arrays as buffers (fetch them once for many steps).
    @inline(__always)
    func withBuffers<R>(_ body: (Buffers) -> R) -> R {
        body(storage.buffers)
    }

    init(_ slots: [CompiledNeuron.Slot]) {
        var column = 0
        var items: [(p: Int, q: Int, c: Conductance)] = []
        var calciumGates: [CalciumGate] = []
        for s in slots where s.hodgkinHuxley {
            let m = column, h = s.q > 0 ? column + 2 : column
            if s.calciumGated {
                calciumGates.append(CalciumGate(column: m, decay: m + 1, factorized: s.calciumFactorized, channel: s.channel))
            }
            items.append((s.p, s.q, Conductance(m: s.offset, h: s.q > 0 ? s.offset + 1 : s.offset, mA: m, mD: m + 1, hA: h, hD: h + 1,
                                                gbarState: s.gbarState, gbar: s.gbar, scale: s.scale, reversal: s.reversal,
                                                calcium: s.carriesCalcium ? 1 : 0)))
            column += s.q > 0 ? 4 : 2
        }
        columns = column
        items.sort { ($0.p, $0.q) < ($1.p, $1.q) }
        var groups: [Group] = []
        var start = 0
        for i in items.indices where i + 1 == items.count || (items[i + 1].p, items[i + 1].q) != (items[i].p, items[i].q) {
            groups.append(Group(p: items[i].p, q: items[i].q, range: start..<(i + 1)))
            start = i + 1
        }
        storage = Storage(items.map(\.c), groups, calciumGates)
    }
}

/// The open fraction m^p h^q of one group of conductances, known at compile time.
protocol GateShape {
    static var inactivates: Bool { get }
    static func open(_ m: Double, _ h: Double) -> Double
}
enum M3H: GateShape { static let inactivates = true; @inline(__always) static func open(_ m: Double, _ h: Double) -> Double { m * m * m * h } }
enum M4: GateShape { static let inactivates = false; @inline(__always) static func open(_ m: Double, _ h: Double) -> Double { let m2 = m * m; return m2 * m2 } }
enum M3: GateShape { static let inactivates = false; @inline(__always) static func open(_ m: Double, _ h: Double) -> Double { m * m * m } }
enum M1: GateShape { static let inactivates = false; @inline(__always) static func open(_ m: Double, _ h: Double) -> Double { m } }
enum M1H: GateShape { static let inactivates = true; @inline(__always) static func open(_ m: Double, _ h: Double) -> Double { m * h } }
enum M4H: GateShape { static let inactivates = true; @inline(__always) static func open(_ m: Double, _ h: Double) -> Double { let m2 = m * m; return m2 * m2 * h } }

/// Σ g (mS/cm²), Σ g E (µA/cm²) and the calcium current (µA/cm²) of conductances advanced from a gate table.
struct MembraneSums {
    var gTotal = 0.0, gE = 0.0, iCa = 0.0

    /// Advances the gates of conductances `range` (x ← A + d x) and adds their conductances.
    @inline(__always)
    mutating func advance<S: GateShape>(_ shape: S.Type, _ range: Range<Int>, _ y: UnsafeMutablePointer<Double>,
                                        _ column: UnsafeMutablePointer<Double>,
                                        _ conductances: UnsafeBufferPointer<RushLarsenPlan.Conductance>, V: Double) {
        for i in range {
            let c = conductances[i]
            let m = column[c.mA] + column[c.mD] * y[c.m]
            y[c.m] = m
            var h = m
            if S.inactivates {
                h = column[c.hA] + column[c.hD] * y[c.h]
                y[c.h] = h
            }
            add(c, S.open(m, h), y, V: V)
        }
    }

    /// `advance` for exponents known only at run time.
    @inline(__always)
    mutating func advance(_ range: Range<Int>, p: Int, q: Int, _ y: UnsafeMutablePointer<Double>, _ column: UnsafeMutablePointer<Double>,
                          _ conductances: UnsafeBufferPointer<RushLarsenPlan.Conductance>, V: Double) {
        for i in range {
            let c = conductances[i]
            let m = column[c.mA] + column[c.mD] * y[c.m]
            y[c.m] = m
            var open = integerPower(m, p)
            if q > 0 {
                let h = column[c.hA] + column[c.hD] * y[c.h]
                y[c.h] = h
                open *= integerPower(h, q)
            }
            add(c, open, y, V: V)
        }
    }

    @inline(__always)
    mutating func add(_ c: RushLarsenPlan.Conductance, _ open: Double, _ y: UnsafePointer<Double>, V: Double) {
        let g = (c.gbarState >= 0 ? max(y[c.gbarState], 0) * c.scale : c.gbar) * open
        gTotal += g
        gE += g * c.reversal
        iCa += c.calcium * g * (V - c.reversal)
    }
}
