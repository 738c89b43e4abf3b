/// A neuron's exponential-Euler step from a gate table (`CompiledNeuron.makeGateTable(step:)`), flattened
/// for its hot loop. The table holds, per Hodgkin–Huxley gate k (the gates of the tabulated channels in
/// model order, m then h), A = x∞(1 − d) in column k and d = e^(−h/(k τ_x)) in column G + k (G gates), so
/// that every gate moves by x ← A + d x in one pass — two gates per instruction when the gates are
/// consecutive states, as they are in every neuron `CompiledNeuron` lays out without kinetic schemes
/// between them. The conductances are then summed grouped by their exponents (p, q), so each group's
/// open fraction m^p h^q is computed without a branch; the terms that need a channel's own code (a
/// calcium-gated m∞, a kinetic scheme's open fraction) are listed apart. Built once per compiled neuron.
struct RushLarsenPlan: Sendable {
    /// One Hodgkin–Huxley conductance: its m and h states (h = m when q = 0); ḡ (a state, or the constant
    /// when `gbarState` < 0, with the block fraction `scale`), E (mV) — or its Nernst law, when E follows the
    /// calcium pool — and whether it carries calcium.
    struct Conductance: Sendable {
        let m: Int, h: Int, gbarState: Int
        let gbar: Double, scale: Double, reversal: Double, carriesCalcium: Bool
        let nernst: NernstReversal?
    }
    /// Conductances `range` of `conductances` share the exponents p and q.
    struct Group: Sendable {
        let p: Int, q: Int, range: Range<Int>
        /// m^p h^q as a case known at compile time, or `.general`.
        let shape: Shape
        init(p: Int, q: Int, range: Range<Int>) {
            self.p = p
            self.q = q
            self.range = range
            shape = (0...1).contains(q) ? Shape(rawValue: p * 2 + q) ?? .general : .general
        }
    }
    /// The exponents (p, q) with their own loop, as p·2 + q.
    enum Shape: Int, Sendable { case m1 = 2, m1h = 3, m3 = 6, m3h = 7, m4 = 8, m4h = 9, general = -1 }
    /// A calcium-gated m∞: its A column (holding a(V)(1 − d) when m∞ = a(V) b(Ca) factors, else written
    /// at each step from m∞(V, Ca) and the d column `decay`).
    struct CalciumGate: Sendable {
        let column: Int, decay: Int, factorized: Bool
        let channel: ChannelHandle
    }

    /// Number of table columns (2 per gate).
    let columns: Int
    /// Number of tabulated gates G.
    var gates: Int { columns / 2 }

    /// The plan's arrays as buffers, for a step's hot loop.
    struct Buffers {
        let conductances: UnsafeBufferPointer<Conductance>
        let groups: UnsafeBufferPointer<Group>
        let calciumGates: UnsafeBufferPointer<CalciumGate>
        /// The state index of each gate, in column order.
        let gateStates: UnsafeBufferPointer<Int>
        /// The state index of gate 0 when gate k is state `firstGateState` + k for every k, else −1.
        let firstGateState: Int
    }

    /// The plan's conductances (sorted into groups), groups and calcium-gated m∞, in buffers that live as
    /// long as the plan, so a step reaches them without retaining anything.
    private final class Storage: @unchecked Sendable {   // immutable after init
        let buffers: Buffers
        init(_ c: [Conductance], _ g: [Group], _ k: [CalciumGate], _ gateStates: [Int]) {
            func copy<T>(_ a: [T]) -> UnsafeBufferPointer<T> {
                let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(a.count, 1))
                _ = p.initialize(from: a)
                return UnsafeBufferPointer(start: p.baseAddress, count: a.count)
            }
            let consecutive = gateStates.indices.allSatisfy { gateStates[$0] == gateStates[0] + $0 }
            buffers = Buffers(conductances: copy(c), groups: copy(g), calciumGates: copy(k), gateStates: copy(gateStates),
                              firstGateState: consecutive && !gateStates.isEmpty ? gateStates[0] : -1)
        }
        deinit {
            func free<T>(_ b: UnsafeBufferPointer<T>) {
                UnsafeMutablePointer(mutating: b.baseAddress!).deinitialize(count: b.count)
                b.baseAddress!.deallocate()
            }
            free(buffers.conductances); free(buffers.groups); free(buffers.calciumGates); free(buffers.gateStates)
        }
    }
    private let storage: Storage

    /// Calls `body` with the plan's arrays as buffers (fetch them once for many steps).
    @inline(__always)
    func withBuffers<R>(_ body: (Buffers) -> R) -> R {
        body(storage.buffers)
    }

    init(_ slots: [CompiledNeuron.Slot]) {
        let tabulated = slots.filter(\.hodgkinHuxley)
        let gates = tabulated.reduce(0) { $0 + ($1.q > 0 ? 2 : 1) }
        var gate = 0
        var gateStates: [Int] = []
        var items: [(p: Int, q: Int, c: Conductance)] = []
        var calciumGates: [CalciumGate] = []
        for s in tabulated {
            if s.calciumGated {
                calciumGates.append(CalciumGate(column: gate, decay: gates + gate, factorized: s.calciumFactorized, channel: s.channel))
            }
            items.append((s.p, s.q, Conductance(m: s.offset, h: s.q > 0 ? s.offset + 1 : s.offset,
                                                gbarState: s.gbarState, gbar: s.gbar, scale: s.scale, reversal: s.reversal,
                                                carriesCalcium: s.carriesCalcium, nernst: s.nernst)))
            gateStates += s.q > 0 ? [s.offset, s.offset + 1] : [s.offset]
            gate += s.q > 0 ? 2 : 1
        }
        columns = 2 * gates
        items.sort { ($0.p, $0.q) < ($1.p, $1.q) }
        var groups: [Group] = []
        var start = 0
        for i in items.indices where i + 1 == items.count || (items[i + 1].p, items[i + 1].q) != (items[i].p, items[i].q) {
            groups.append(Group(p: items[i].p, q: items[i].q, range: start..<(i + 1)))
            start = i + 1
        }
        storage = Storage(items.map(\.c), groups, calciumGates, gateStates)
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

extension RushLarsenPlan.Buffers {
    /// For every tabulated gate k, with its state x, its first column a = `column[k]` and its second
    /// b = `column[G + k]`: writes f(x, a, b) to the gate's entry of `out` (which may be y). Two gates at a
    /// time when they are consecutive states (f is applied lane by lane, so the numbers are those of a
    /// scalar loop); through `gateStates` otherwise.
    @inline(__always)
    func mapGates(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, columns column: UnsafePointer<Double>,
                  _ f: (SIMD2<Double>, SIMD2<Double>, SIMD2<Double>) -> SIMD2<Double>) {
        let count = gateStates.count
        let second = column + count
        if firstGateState >= 0 {
            let x = y + firstGateState, o = out + firstGateState
            @inline(__always) func load(_ p: UnsafePointer<Double>) -> SIMD2<Double> {
                UnsafeRawPointer(p).loadUnaligned(as: SIMD2<Double>.self)
            }
            var k = 0
            while k &+ 2 <= count {
                UnsafeMutableRawPointer(o + k).storeBytes(of: f(load(x + k), load(column + k), load(second + k)), as: SIMD2<Double>.self)
                k &+= 2
            }
            if k < count { o[k] = f(SIMD2(repeating: x[k]), SIMD2(repeating: column[k]), SIMD2(repeating: second[k]))[0] }
        } else {
            for k in 0..<count {
                let i = gateStates[k]
                out[i] = f(SIMD2(repeating: y[i]), SIMD2(repeating: column[k]), SIMD2(repeating: second[k]))[0]
            }
        }
    }

    /// Moves every tabulated gate by x ← A + d x, with A in `column[k]` and d in `column[G + k]`.
    @inline(__always)
    func advanceGates(_ y: UnsafeMutablePointer<Double>, columns column: UnsafePointer<Double>) {
        mapGates(y, into: y, columns: column) { x, a, d in a + d * x }
    }

    /// Writes the derivative (x∞ − x)/τ of every tabulated gate, with x∞ in `column[k]` and 1/τ in
    /// `column[G + k]`.
    @inline(__always)
    func deriveGates(_ y: UnsafePointer<Double>, _ dy: UnsafeMutablePointer<Double>, columns column: UnsafePointer<Double>) {
        mapGates(y, into: dy, columns: column) { x, steadyState, rate in (steadyState - x) * rate }
    }
}

/// Σ g (mS/cm²), Σ g E (µA/cm²) and the calcium current (µA/cm²) of tabulated conductances.
struct MembraneSums {
    var gTotal = 0.0, gE = 0.0, iCa = 0.0

    /// Adds the conductances of `range` at the gates in y.
    @inline(__always)
    mutating func add<S: GateShape>(_ shape: S.Type, _ range: Range<Int>, _ y: UnsafePointer<Double>,
                                    _ conductances: UnsafeBufferPointer<RushLarsenPlan.Conductance>, V: Double) {
        for i in range {
            let c = conductances[i]
            add(c, S.open(y[c.m], S.inactivates ? y[c.h] : 1), y, V: V)
        }
    }

    /// `add` for exponents known only at run time.
    @inline(__always)
    mutating func add(_ range: Range<Int>, p: Int, q: Int, _ y: UnsafePointer<Double>,
                      _ conductances: UnsafeBufferPointer<RushLarsenPlan.Conductance>, V: Double) {
        for i in range {
            let c = conductances[i]
            var open = integerPower(y[c.m], p)
            if q > 0 { open *= integerPower(y[c.h], q) }
            add(c, open, y, V: V)
        }
    }

    /// Adds the conductances of every group at the gates in y.
    @inline(__always)
    mutating func add(_ plan: RushLarsenPlan.Buffers, _ y: UnsafePointer<Double>, V: Double) {
        let conductances = plan.conductances
        for group in plan.groups {
            let r = group.range
            switch group.shape {
            case .m3h: add(M3H.self, r, y, conductances, V: V)
            case .m4: add(M4.self, r, y, conductances, V: V)
            case .m3: add(M3.self, r, y, conductances, V: V)
            case .m1: add(M1.self, r, y, conductances, V: V)
            case .m1h: add(M1H.self, r, y, conductances, V: V)
            case .m4h: add(M4H.self, r, y, conductances, V: V)
            case .general: add(r, p: group.p, q: group.q, y, conductances, V: V)
            }
        }
    }

    @inline(__always)
    mutating func add(_ c: RushLarsenPlan.Conductance, _ open: Double, _ y: UnsafePointer<Double>, V: Double) {
        let g = (c.gbarState >= 0 ? max(y[c.gbarState], 0) * c.scale : c.gbar) * open
        // y[1] is Ca: the state vector of one cell starts V, Ca.
        let E = c.nernst.map { $0.potential(calcium: y[1]) } ?? c.reversal
        gTotal += g
        gE += g * E
        if c.carriesCalcium { iCa += g * (V - E) }
    }
}
