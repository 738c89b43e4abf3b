import Foundation

extension CompiledNeuron {
    /// The mechanisms' rows of the Jacobian's arrow blocks (A k×k and B k×n row-major, C n×k gate-major,
    /// D n): each mechanism's own block, its signal sensitivities chained through ∂V/∂y, ∂Ca/∂y and
    /// ∂I_Ca/∂y, and its sensitivities to the states behind the conductances in effect where it reads them.
    /// A core state's row goes to A and B, a diagonal state's to C and D.
    func mechanismJacobian(_ y: UnsafePointer<Double>, A: UnsafeMutablePointer<Double>, B: UnsafeMutablePointer<Double>,
                           C: UnsafeMutablePointer<Double>, D: UnsafeMutablePointer<Double>) {
        let k = coreCount, n = dimension - coreCount
        let signals = self.signals(y, calciumCurrent: mechanismsReadCalciumCurrent)
        let largest = mechanismSlots.reduce(0) { max($0, $1.count) }
        let conductances = signals.conductances, g = conductances.count
        withUnsafeTemporaryAllocation(of: Double.self, capacity: dimension + largest * largest + 3 * largest + largest * g) { scratch in
            let dICa = scratch.baseAddress!, dStates = dICa + dimension, dSignals = dStates + largest * largest
            let dConductances = dSignals + 3 * largest
            if mechanismsReadCalciumCurrent { calciumCurrentGradient(y, into: dICa) }
            // No core row depends on a mechanism's diagonal state except through the mechanism's own rows.
            for slot in mechanismSlots {
                for j in slot.coreCount..<slot.count {
                    let g = slot.index(j) - k
                    var c = 0
                    while c < k { B[c &* n &+ g] = 0; c &+= 1 }
                }
            }
            for slot in mechanismSlots {
                let c = slot.count
                slot.mechanism.jacobian(slot.view(y), signals: signals, dStates: dStates, dSignals: dSignals, dConductances: dConductances)
                for r in 0..<c {
                    let row = slot.index(r)
                    let dV = dSignals[r * 3], dCa = dSignals[r * 3 + 1], dI = dSignals[r * 3 + 2]
                    if r < slot.coreCount {
                        if dI != 0 {
                            for j in 0..<k { A[row * k + j] = dI * dICa[j] }
                            for g in 0..<n { B[row * n + g] = dI * dICa[k + g] }
                        }
                        A[row * k + 0] += dV
                        A[row * k + 1] += dCa
                        for j in 0..<c {
                            let col = slot.index(j)
                            if j < slot.coreCount { A[row * k + col] += dStates[r * c + j] } else { B[row * n + col - k] += dStates[r * c + j] }
                        }
                    } else {
                        let g = row - k, line = C + g * k
                        line.update(repeating: 0, count: k)
                        if dI != 0 { for j in 0..<k { line[j] = dI * dICa[j] } }
                        line[0] += dV
                        line[1] += dCa
                        for j in 0..<slot.coreCount { line[slot.coreOffset + j] += dStates[r * c + j] }
                        D[g] = dStates[r * c + r] + (dI != 0 ? dI * dICa[row] : 0)
                    }
                }
                if slot.readsConductances { addConductanceJacobian(slot, dConductances, conductances, A: A, B: B, C: C, D: D) }
            }
        }
    }

    /// Adds a mechanism's sensitivities to the states behind the conductances in effect (`dConductances`,
    /// count × conductances.count row-major) at those states' columns.
    private func addConductanceJacobian(_ slot: MechanismSlot, _ dConductances: UnsafeMutablePointer<Double>, _ conductances: CellConductances,
                                        A: UnsafeMutablePointer<Double>, B: UnsafeMutablePointer<Double>,
                                        C: UnsafeMutablePointer<Double>, D: UnsafeMutablePointer<Double>) {
        let k = coreCount, n = dimension - coreCount, count = conductances.count
        for j in 0..<count {
            guard let col = conductances.stateIndex(j) else { continue }
            for r in 0..<slot.count {
                let v = dConductances[r * count + j]
                guard v != 0 else { continue }
                let row = slot.index(r)
                if r < slot.coreCount {
                    if col < k { A[row * k + col] += v } else { B[row * n + col - k] += v }
                } else {
                    precondition(col < k || col == row, "mechanism '\(slot.mechanism.name)': a diagonal state's row reaches another diagonal state")
                    if col < k { C[(row - k) * k + col] += v } else { D[row - k] += v }
                }
            }
        }
    }

    /// ∂I_Ca/∂y (µA/cm² per unit of each state) at state y, into `out` (dimension values): through V, the
    /// calcium channels' states and their ḡ states.
    func calciumCurrentGradient(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        out.update(repeating: 0, count: dimension)
        let V = y[0], Ca = y[1]
        withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStates + 1) { dOpen in
            let d = dOpen.baseAddress!
            for s in slots where s.carriesCalcium {
                let open = s.channel { $0.kinetics.openFraction(V: V, states: y + s.offset, context: s.context, dOpen: d) }
                let drive = V - s.reversal(calcium: Ca), g = gbar(s, y)
                out[0] += g * (open + d[s.stateCount] * drive)
                if let nernst = s.nernst { out[1] -= g * open * nernst.slope(calcium: Ca) }
                for a in 0..<s.stateCount { out[s.offset + a] += g * d[a] * drive }
                if s.gbarState >= 0, y[s.gbarState] > 0 { out[s.gbarState] += s.scale * open * drive }
            }
        }
    }
}

extension CompiledNeuron {
    /// Every conductance whose ḡ is a state — regulated by homeostasis, driven by the neuromodulation
    /// controller or by a mechanism — with the index of that state, in model order (`leak` last).
    public var drivenConductanceStates: [(conductance: String, index: Int)] {
        zip(slots, neuron.conductances).filter { $0.0.gbarState >= 0 }.map { ($0.1.name, $0.0.gbarState) }
            + (leakState >= 0 ? [("leak", leakState)] : [])
    }

    /// `neuron` as it is at state y without its state-carrying mechanisms: every driven ḡ taken from the
    /// state (never below 0), homeostasis, controller, mechanisms and any voltage clamp removed, blockades kept.
    public func plainCell(_ neuron: NeuronDescription, state y: UnsafePointer<Double>) -> NeuronDescription {
        var cell = neuron
        for (name, i) in drivenConductanceStates { cell.setGbar(name, max(y[i], 0)) }
        cell.homeostasis = nil
        cell.neuromodulation = nil
        cell.mechanisms = []
        cell.voltageClamp = nil
        return cell
    }
}

extension CompiledNeuron {
    /// Every mechanism's readouts, named `<mechanism>.<readout>`, in mechanism order.
    public var readouts: [(name: String, readout: MechanismReadout)] {
        mechanismSlots.flatMap { slot in slot.mechanism.readouts.map { ("\(slot.mechanism.name).\($0.name)", $0) } }
    }

    /// Writes the readouts' values at state y, in the order of `readouts`.
    public func readoutValues(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        var k = 0
        for slot in mechanismSlots {
            slot.mechanism.readoutValues(slot.view(y), into: out + k)
            k += slot.readoutCount
        }
    }
}

/// How the exponential integrator steps a cell's mechanism states, from their fixed time constants or decay
/// rates (`MechanismState.fixedTimeConstant`, `.fixedDecayRate`): a decay from the step's tables, a constant
/// rate, or the general update from the linear form.
struct MechanismSteps: Sendable {
    /// A state's fixed decay over a step h: e^(−h/τ) or e^(−h·rate).
    enum Decay: Sendable, Equatable {
        case timeConstant(Double), rate(Double)
        /// The decay factor over a step of h ms.
        func factor(_ h: Double) -> Double {
            switch self {
            case let .timeConstant(tau): exp(-h / tau)
            case let .rate(rate): exp(-h * rate)
            }
        }
        /// A key for `CompiledNeuron.gateTableKey`.
        var key: String {
            switch self {
            case let .timeConstant(tau): "tau:\(tau.bitPattern)"
            case let .rate(rate): "rate:\(rate.bitPattern)"
            }
        }
    }

    /// Index of the first mechanism decay in a gate table's constants (after τ_Ca's).
    static let firstConstant = 1
    /// The distinct fixed decays, in order of first use; they follow the table's first constants.
    let decays: [Decay]
    /// States with a fixed finite decay, and the index of its decay in `decays`.
    let decayed: [(Int, Int)]
    /// States with τ = ∞ (a constant rate).
    let constantRate: [Int]
    /// The other states.
    let general: [Int]

    init(_ slots: [CompiledNeuron.MechanismSlot], states: [[MechanismState]]) {
        var decays: [Decay] = [], decayed: [(Int, Int)] = [], constantRate: [Int] = [], general: [Int] = []
        func add(_ i: Int, _ decay: Decay) {
            let c = decays.firstIndex(of: decay) ?? { decays.append(decay); return decays.count - 1 }()
            decayed.append((i, c))
        }
        for (slot, list) in zip(slots, states) {
            for (j, state) in list.enumerated() {
                let i = slot.index(j)
                if let rate = state.fixedDecayRate {
                    add(i, .rate(rate))
                    continue
                }
                switch state.fixedTimeConstant {
                case nil: general.append(i)
                case .infinity?: constantRate.append(i)
                case let tau?: add(i, .timeConstant(tau))
                }
            }
        }
        self.decays = decays
        self.decayed = decayed
        self.constantRate = constantRate
        self.general = general
    }
}
