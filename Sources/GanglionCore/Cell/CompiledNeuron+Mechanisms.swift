extension CompiledNeuron {
    /// The mechanisms' rows of the Jacobian's arrow blocks (A k×k and B k×n row-major, C n×k gate-major,
    /// D n): each mechanism's own block, and its signal sensitivities chained through ∂V/∂y, ∂Ca/∂y and
    /// ∂I_Ca/∂y. A core state's row goes to A and B, a diagonal state's to C and D.
    func mechanismJacobian(_ y: UnsafePointer<Double>, A: UnsafeMutablePointer<Double>, B: UnsafeMutablePointer<Double>,
                           C: UnsafeMutablePointer<Double>, D: UnsafeMutablePointer<Double>) {
        let k = coreCount, n = dimension - coreCount
        let signals = self.signals(y, calciumCurrent: mechanismsReadCalciumCurrent)
        let largest = mechanismSlots.reduce(0) { max($0, $1.count) }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: dimension + largest * largest + 3 * largest) { scratch in
            let dICa = scratch.baseAddress!, dStates = dICa + dimension, dSignals = dStates + largest * largest
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
                slot.mechanism.jacobian(slot.view(y), signals: signals, dStates: dStates, dSignals: dSignals)
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
            }
        }
    }

    /// ∂I_Ca/∂y (µA/cm² per unit of each state) at state y, into `out` (dimension values): through V, the
    /// calcium channels' states and their ḡ states.
    func calciumCurrentGradient(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        out.update(repeating: 0, count: dimension)
        let V = y[0]
        withUnsafeTemporaryAllocation(of: Double.self, capacity: maxStates + 1) { dOpen in
            let d = dOpen.baseAddress!
            for s in slots where s.carriesCalcium {
                let open = s.channel.openFraction(V: V, states: y + s.offset, context: s.context, dOpen: d)
                let drive = V - s.reversal, g = gbar(s, y)
                out[0] += g * (open + d[s.stateCount] * drive)
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
        slots.filter { $0.gbarState >= 0 }.map { ($0.channel.name, $0.gbarState) }
            + (leakState >= 0 ? [("leak", leakState)] : [])
    }

    /// `neuron` as it is at state y without its state-carrying mechanisms: every driven ḡ taken from the
    /// state (never below 0), homeostasis, controller and mechanisms removed, blockades kept.
    public func plainCell(_ neuron: NeuronDescription, state y: UnsafePointer<Double>) -> NeuronDescription {
        var cell = neuron
        for (name, i) in drivenConductanceStates { cell.setGbar(name, max(y[i], 0)) }
        cell.homeostasis = nil
        cell.neuromodulation = nil
        cell.mechanisms = []
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

/// How the exponential integrator steps a cell's mechanism states, from their fixed time constants
/// (`MechanismState.fixedTimeConstant`): a decay from the step's tables, a constant rate, or the general
/// update from the linear form.
struct MechanismSteps: Sendable {
    /// Index of the first mechanism decay in a gate table's constants (after τ_Ca and the controller's two).
    static let firstConstant = 3
    /// The distinct finite fixed time constants (ms), in order of first use; their decays follow the table's
    /// first constants.
    let decayTimeConstants: [Double]
    /// States with a finite fixed τ, and the index of its decay in `decayTimeConstants`.
    let decayed: [(Int, Int)]
    /// States with τ = ∞ (a constant rate).
    let constantRate: [Int]
    /// The other states.
    let general: [Int]

    init(_ slots: [CompiledNeuron.MechanismSlot], states: [[MechanismState]]) {
        var taus: [Double] = [], decayed: [(Int, Int)] = [], constantRate: [Int] = [], general: [Int] = []
        for (slot, list) in zip(slots, states) {
            for (j, state) in list.enumerated() {
                let i = slot.index(j)
                switch state.fixedTimeConstant {
                case nil: general.append(i)
                case .infinity?: constantRate.append(i)
                case let tau?:
                    let c = taus.firstIndex(of: tau) ?? { taus.append(tau); return taus.count - 1 }()
                    decayed.append((i, c))
                }
            }
        }
        decayTimeConstants = taus
        self.decayed = decayed
        self.constantRate = constantRate
        self.general = general
    }
}
