import GanglionCore

/// What a run integrates and how its events act on it: one cell (`CellSubject`) or a circuit of cells
/// (`CircuitSubject`; a cell is a circuit of one as far as the observers are concerned: both give their
/// compiled cells and where each cell's states start).
protocol RunSubject: AnyObject {
    /// The compiled system integrated now (recompiled when an event changes it).
    var system: any ODESystem { get }
    /// The state of the whole system, in its layout order.
    var state: [Double] { get set }
    /// The compiled cells of the system and the index of each one's first state (V) in `state`.
    var cells: [(compiled: CompiledNeuron, offset: Int)] { get }
    /// The cells' names for messages (nil for a lone cell).
    var cellNames: [String]? { get }
    /// Times (ms) inside the run where the subject needs a boundary besides its events.
    var extraBoundaries: [Double] { get }
    /// The times (ms) of its events, in order.
    var eventTimes: [Double] { get }
    /// The run has reached t (ms), before the events there.
    func reached(_ t: Double)
    /// Applies the events due at t not applied yet, and recompiles the system if any acted; returns whether one did.
    func applyEvents(at t: Double) throws(SimulationError) -> Bool
    /// A failure of the integrator, as the run reports it.
    func describe(_ error: SolverError) -> String
    /// The subject's state for a checkpoint (the time and the state vector are saved by the engine).
    func save() throws -> String
    /// Takes a checkpoint's state back (`save`'s text), recompiling the system as it was then.
    func restore(_ saved: String) throws(SimulationError)
}

extension RunSubject {
    var cellNames: [String]? { nil }
    var extraBoundaries: [Double] { [] }
    func reached(_ t: Double) {}
}
