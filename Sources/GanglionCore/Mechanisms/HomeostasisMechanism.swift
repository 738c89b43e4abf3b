/// Calcium homeostasis (`Homeostasis`, Docs/science/controllers.md §1) as a cell mechanism: for each
/// regulated conductance X, in model order (`leak` last), a core state ḡ_X and a diagonal state m_X:
///
///     dm_X/dt = (Ca_tgt − Ca)/τ_X,   dḡ_X/dt = (m_X − ḡ_X)/τ_g
///
/// ḡ_X is held at 0 when the clamp applies (`Homeostasis.allowsNegativeConductance` false); a blocked X
/// is frozen (ḡ_X and m_X constant) while blocked. Built by the compiled cell from its description.
struct HomeostasisMechanism: CellMechanism {
    /// A regulated conductance's constants (no String: the hot loops copy it).
    struct Regulated: Sendable {
        /// τ_X (ms) and the description's ḡ_X (mS/cm², the initial ḡ and m).
        let tauX: Double, initial: Double
        /// Blocked: out of homeostasis, ḡ and m frozen.
        let frozen: Bool
    }

    let name = "homeostasis"
    /// The regulated conductances' names and constants, in model order (`leak` last).
    let conductances: [String]
    let regulated: [Regulated]
    let tauG: Double, calciumTarget: Double
    let clampsAtZero: Bool

    /// The homeostasis of `neuron`, nil without one.
    init?(_ neuron: NeuronDescription) {
        guard let h = neuron.homeostasis else { return nil }
        conductances = neuron.conductanceNames.filter { h.timeConstants[$0] != nil }
        regulated = conductances.map { n in
            Regulated(tauX: h.timeConstants[n]!, initial: neuron.gbar(n)!, frozen: neuron.blockFractions[n] != nil)
        }
        tauG = h.tauG
        calciumTarget = h.calciumTarget
        clampsAtZero = !h.allowsNegativeConductance
    }

    var readsCalciumCurrent: Bool { false }

    /// ḡ states (core), then m states (diagonal); tolerance 1e-6 of the initial size (mS/cm²).
    /// (τ_g for ḡ, ∞ for m; ∞ for both while frozen.)
    var states: [MechanismState] {
        zip(conductances, regulated).map { n, r in
            MechanismState(name: "\(n).gbar", unit: "mS/cm²", absoluteTolerance: 1e-6 * max(r.initial, 1e-3),
                           fixedTimeConstant: r.frozen ? .infinity : tauG)
        } + zip(conductances, regulated).map { n, r in
            MechanismState(name: "\(n).m", unit: "mS/cm²", absoluteTolerance: 1e-6 * max(r.initial, 1e-3),
                           placement: .diagonal, fixedTimeConstant: .infinity)
        }
    }

    var drivenConductances: [DrivenConductance] {
        conductances.enumerated().map { DrivenConductance(conductance: $1, state: $0) }
    }

    func validate(for neuron: NeuronDescription) throws(ModelError) {}

    func initialStates(_ neuron: NeuronDescription, signals: CellSignals, into x: MechanismStates) {
        let n = regulated.count
        for (i, r) in regulated.enumerated() { x[i] = r.initial; x[n + i] = r.initial }
    }

    func derivatives(_ x: MechanismStates, signals: CellSignals, into dx: MechanismStates) {
        let n = regulated.count, Ca = signals.calcium
        for (i, r) in regulated.enumerated() {
            if r.frozen { dx[n + i] = 0; dx[i] = 0; continue }
            dx[n + i] = (calciumTarget - Ca) / r.tauX
            let d = (x[n + i] - x[i]) / tauG
            dx[i] = clampsAtZero && x[i] <= 0 && d < 0 ? 0 : d
        }
    }

    func jacobian(_ x: MechanismStates, signals: CellSignals,
                  dStates: UnsafeMutablePointer<Double>, dSignals: UnsafeMutablePointer<Double>) {
        let n = regulated.count, c = 2 * n
        dStates.update(repeating: 0, count: c * c)
        dSignals.update(repeating: 0, count: c * 3)
        for (i, r) in regulated.enumerated() {
            dSignals[(n + i) * 3 + 1] = r.frozen ? 0 : -1 / r.tauX          // ∂(dm/dt)/∂Ca
            let clamped = r.frozen || (clampsAtZero && x[i] <= 0 && x[n + i] - x[i] < 0)
            dStates[i * c + i] = clamped ? 0 : -1 / tauG
            dStates[i * c + n + i] = clamped ? 0 : 1 / tauG
        }
    }

    /// m: a constant rate over the step (τ = ∞); ḡ relaxes to m with τ_g (to max(m, 0) when clamped at zero).
    func linearForm(_ x: MechanismStates, signals: CellSignals, steadyState: MechanismStates, timeConstant: MechanismStates) {
        // ḡ are the core states, m the diagonal ones, in the same order.
        let m = x.diagonal
        let gInf = steadyState.core, mInf = steadyState.diagonal, gTau = timeConstant.core, mTau = timeConstant.diagonal
        regulated.withUnsafeBufferPointer { list in
            for i in 0..<list.count {
                let r = list[i]
                if r.frozen {
                    mInf[i] = 0; mTau[i] = .infinity
                    gInf[i] = 0; gTau[i] = .infinity
                    continue
                }
                mInf[i] = (calciumTarget - signals.calcium) / r.tauX
                mTau[i] = .infinity
                gInf[i] = clampsAtZero ? max(m[i], 0) : m[i]
                gTau[i] = tauG
            }
        }
    }
}
