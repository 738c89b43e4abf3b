/// A network of single-compartment cells coupled by graded chemical synapses and gap junctions
/// (Docs/science/networks.md), as plain data. Compile it with `compile()` for one right-hand side over all cells.
///
/// Membrane equation of cell i:
///
///     C_i dV_i/dt = −Σ I_ion,i − Σ_{j→i} ḡ_ji s_ji (V_i − E_syn) − Σ_{j~i} g_el (V_i − V_j) + I_app,i
public struct NetworkDescription: Sendable {
    /// A named cell (names are unique; they name the trace columns `<cell>.V_mV`).
    public struct Cell: Sendable {
        /// The cell's name.
        public var name: String
        /// The cell's model.
        public var neuron: NeuronDescription
        /// A cell named `name` with model `neuron`.
        public init(name: String, neuron: NeuronDescription) {
            self.name = name
            self.neuron = neuron
        }
    }
    /// The cells, in network order (the order of the state vector and of the reports).
    public var cells: [Cell]
    /// Graded chemical synapses between cells.
    public var synapses: [ChemicalSynapse]
    /// Gap junctions between cells.
    public var electricalSynapses: [ElectricalSynapse]

    /// A network of `cells` coupled by `synapses` and `electricalSynapses` (none by default).
    public init(cells: [Cell], synapses: [ChemicalSynapse] = [], electricalSynapses: [ElectricalSynapse] = []) {
        self.cells = cells
        self.synapses = synapses
        self.electricalSynapses = electricalSynapses
    }

    /// Index of the cell with this name.
    public func index(of name: String) -> Int? { cells.firstIndex { $0.name == name } }

    /// The largest synaptic or gap-junction conductance accepted (mS/cm²): 10⁶, a hundred times the largest
    /// ionic conductance of the models (ḡ_Na ≈ 10⁴). Far above it the coupling current g·(V_i − V_j) is
    /// dominated by rounding (at 10²⁰ a 10⁻¹⁴ mV difference is 10⁶ µA/cm²) and the integrator crawls.
    public static let maximumCouplingConductance = 1e6

    /// Checks names, synapse endpoints and parameters. Self-synapses, unknown cells, duplicate synapses
    /// (same cells, same form) and negative, non-finite or too large (`maximumCouplingConductance`)
    /// conductances are errors naming the synapse.
    public func validate() throws(NetworkError) {
        guard !cells.isEmpty else { throw NetworkError(field: "cells", reason: "a network needs at least one cell") }
        var seen = Set<String>()
        for (i, c) in cells.enumerated() {
            guard !c.name.isEmpty else { throw NetworkError(field: "cells[\(i)].name", reason: "empty name") }
            guard seen.insert(c.name).inserted else { throw NetworkError(field: "cells[\(i)].name", reason: "duplicate cell name '\(c.name)'") }
            do { try c.neuron.validate() } catch { throw NetworkError(field: "cells[\(i)] (\(c.name))", reason: "\(error)") }
        }
        let known = cells.map(\.name).joined(separator: ", ")
        var pairs = Set<String>()
        for (k, s) in synapses.enumerated() {
            let field = "synapses[\(k)] (\(s.pre) → \(s.post))"
            for n in [s.pre, s.post] where index(of: n) == nil {
                throw NetworkError(field: field, reason: "unknown cell '\(n)' (cells: \(known))")
            }
            guard s.pre != s.post else { throw NetworkError(field: field, reason: "a self-synapse (\(s.pre) onto itself)") }
            guard s.gbar.isFinite, s.gbar >= 0, s.gbar <= Self.maximumCouplingConductance else {
                throw NetworkError(field: "\(field).gbar", reason: "\(s.gbar) must be finite, ≥ 0 and ≤ 10⁶ mS/cm² (Docs/network-files.md)")
            }
            guard s.reversal.isFinite else { throw NetworkError(field: "\(field).E", reason: "\(s.reversal) must be finite") }
            switch s.kinetics {
            case let .graded(th, slope, tau):
                guard th.isFinite, slope.isFinite, slope > 0, tau.isFinite, tau > 0 else {
                    throw NetworkError(field: field, reason: "graded kinetics need a finite threshold, slope > 0 and τ > 0 (got \(th), \(slope), \(tau))")
                }
            case let .sigmoid(h, slope, km):
                guard h.isFinite, slope.isFinite, slope > 0, km.isFinite, km > 0 else {
                    throw NetworkError(field: field, reason: "sigmoid kinetics need a finite V_half, Δ > 0 and k₋ > 0 (got \(h), \(slope), \(km))")
                }
            }
            let form = if case .graded = s.kinetics { "graded" } else { "sigmoid" }
            guard pairs.insert("\(s.pre)\u{0}\(s.post)\u{0}\(form)").inserted else {
                throw NetworkError(field: field, reason: "a duplicate synapse (another \(form) synapse joins the same cells)")
            }
        }
        var gapPairs = Set<String>()
        for (k, e) in electricalSynapses.enumerated() {
            let field = "electrical[\(k)] (\(e.a) ~ \(e.b))"
            for n in [e.a, e.b] where index(of: n) == nil {
                throw NetworkError(field: field, reason: "unknown cell '\(n)' (cells: \(known))")
            }
            guard e.a != e.b else { throw NetworkError(field: field, reason: "a cell coupled to itself") }
            guard e.conductance.isFinite, e.conductance >= 0, e.conductance <= Self.maximumCouplingConductance else {
                throw NetworkError(field: "\(field).g", reason: "\(e.conductance) must be finite, ≥ 0 and ≤ 10⁶ mS/cm² (Docs/network-files.md)")
            }
            let key = [e.a, e.b].sorted().joined(separator: "\u{0}")
            guard gapPairs.insert(key).inserted else { throw NetworkError(field: field, reason: "a duplicate gap junction") }
        }
    }

    /// Compiles the network (validating it first).
    public func compile() throws(NetworkError) -> CompiledNetwork { try CompiledNetwork(self) }
}

/// A network that cannot be built as described: which field, and why.
public struct NetworkError: Error, Equatable, CustomStringConvertible {
    /// The field at fault (`cells[1].name`, `synapses[0] (AB → LP).gbar`, …).
    public var field: String
    /// Why it is wrong.
    public var reason: String
    /// An error in `field`, for `reason`.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
    /// The field and the reason, as `field: reason`.
    public var description: String { "\(field): \(reason)" }
}
