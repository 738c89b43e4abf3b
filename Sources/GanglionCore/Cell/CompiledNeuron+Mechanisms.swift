extension CompiledNeuron {
    /// The mechanisms' rows of the Jacobian's core block A (k×k row-major) and of B (k×n): each
    /// mechanism's own block, and its signal sensitivities chained through ∂V/∂y, ∂Ca/∂y and ∂I_Ca/∂y.
    func mechanismJacobian(_ y: UnsafePointer<Double>, A: UnsafeMutablePointer<Double>, B: UnsafeMutablePointer<Double>) {
        let k = coreCount, n = dimension - coreCount
        let signals = self.signals(y)
        let largest = mechanismSlots.map(\.count).max() ?? 0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: dimension + largest * largest + 3 * largest) { scratch in
            let dICa = scratch.baseAddress!, dStates = dICa + dimension, dSignals = dStates + largest * largest
            calciumCurrentGradient(y, into: dICa)
            for slot in mechanismSlots {
                let c = slot.count
                slot.mechanism.jacobian(y + slot.offset, signals: signals, dStates: dStates, dSignals: dSignals)
                for r in 0..<c {
                    let row = slot.offset + r
                    let dV = dSignals[r * 3], dCa = dSignals[r * 3 + 1], dI = dSignals[r * 3 + 2]
                    for j in 0..<k { A[row * k + j] = dI * dICa[j] }
                    A[row * k + 0] += dV
                    A[row * k + 1] += dCa
                    for j in 0..<c { A[row * k + slot.offset + j] += dStates[r * c + j] }
                    for g in 0..<n { B[row * n + g] = dI * dICa[k + g] }
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
            slot.mechanism.readoutValues(y + slot.offset, into: out + k)
            k += slot.mechanism.readouts.count
        }
    }
}
