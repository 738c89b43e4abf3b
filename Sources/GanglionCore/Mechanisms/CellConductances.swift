/// The conductances in effect of a cell at one state, as a mechanism reads them (`CellSignals.conductances`):
/// every channel's in model order, then the leak (the order of `CompiledNeuron.currentNames`), each with the
/// state that sets it when a mechanism drives it.
///
/// Entry j is ḡ_j × its block fraction (mS/cm²); a driven ḡ is read from its state, never below 0. A
/// mechanism whose derivatives read these values gives its Jacobian with respect to the states behind them
/// (`CellMechanism.jacobian(_:signals:dStates:dSignals:dConductances:)`), chaining through `slope(_:)`: this
/// is how a mechanism's rows reach the states of other mechanisms (a homeostatic ḡ, a regulated ḡ).
///
/// A view of the compiled cell's state: valid only during the call it is passed to.
public struct CellConductances: @unchecked Sendable {
    /// Number of conductances (channels and the leak).
    public let count: Int
    @usableFromInline let state: UnsafePointer<Double>
    @usableFromInline let indices: UnsafePointer<Int>
    @usableFromInline let scales: UnsafePointer<Double>
    @usableFromInline let constants: UnsafePointer<Double>

    /// A view of the conductances at the state `state`: entry j is `max(state[indices[j]], 0) · scales[j]`
    /// where `indices[j] ≥ 0`, else `constants[j]`.
    init(count: Int, state: UnsafePointer<Double>, indices: UnsafePointer<Int>, scales: UnsafePointer<Double>,
         constants: UnsafePointer<Double>) {
        self.count = count
        self.state = state
        self.indices = indices
        self.scales = scales
        self.constants = constants
    }

    /// Storage for the empty view (never read: its count is 0).
    nonisolated(unsafe) private static let nothing = (UnsafeMutablePointer<Double>.allocate(capacity: 1), UnsafeMutablePointer<Int>.allocate(capacity: 1))

    /// No conductances (signals made outside a compiled cell).
    public static let none = CellConductances(count: 0, state: nothing.0, indices: nothing.1, scales: nothing.0, constants: nothing.0)

    /// The j-th conductance in effect (mS/cm²).
    @inlinable @inline(__always) public subscript(j: Int) -> Double {
        let i = indices[j]
        return i >= 0 ? max(state[i], 0) * scales[j] : constants[j]
    }

    /// The index in the cell's state vector of the state that sets the j-th conductance; nil when it is a
    /// constant.
    @inlinable public func stateIndex(_ j: Int) -> Int? {
        let i = indices[j]
        return i >= 0 ? i : nil
    }

    /// ∂g_j/∂y_s for the state s that sets the j-th conductance: its block fraction while the state is
    /// positive; nil when the conductance is a constant or its state is at or below 0 (ḡ held at 0).
    @inlinable public func slope(_ j: Int) -> Double? {
        let i = indices[j]
        return i >= 0 && state[i] > 0 ? scales[j] : nil
    }

    /// Writes the first `count` conductances (`count` ≤ `self.count`) to `out`.
    @inlinable public func write(_ count: Int, into out: UnsafeMutablePointer<Double>) {
        for j in 0..<count { out[j] = self[j] }
    }
}

extension CellConductances: Equatable {
    /// Equal when they hold the same values from the same states.
    public static func == (l: CellConductances, r: CellConductances) -> Bool {
        l.count == r.count && (0..<l.count).allSatisfy { l[$0] == r[$0] && l.stateIndex($0) == r.stateIndex($0) }
    }
}

/// Where a compiled cell's conductances in effect come from (`CellConductances`): per conductance, the
/// index of the state that sets it (−1: a constant), its block fraction and its constant value (mS/cm²).
final class ConductanceSources: @unchecked Sendable {
    let count: Int
    let indices: UnsafeMutablePointer<Int>
    let scales: UnsafeMutablePointer<Double>
    let constants: UnsafeMutablePointer<Double>

    init(indices: [Int], scales: [Double], constants: [Double]) {
        count = indices.count
        self.indices = .allocate(capacity: max(count, 1))
        self.scales = .allocate(capacity: max(count, 1))
        self.constants = .allocate(capacity: max(count, 1))
        self.indices.initialize(from: indices, count: count)
        self.scales.initialize(from: scales, count: count)
        self.constants.initialize(from: constants, count: count)
    }

    deinit {
        indices.deallocate()
        scales.deallocate()
        constants.deallocate()
    }

    /// The conductances in effect at state y.
    @inline(__always) func view(_ y: UnsafePointer<Double>) -> CellConductances {
        CellConductances(count: count, state: y, indices: indices, scales: scales, constants: constants)
    }
}
