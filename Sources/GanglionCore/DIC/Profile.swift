/// Which computations an experiment uses where the authors' code differs from the correct one
/// (Docs/science/controllers.md §6).
public enum Profile: String, Sendable, CaseIterable {
    /// Ganglion's defaults: exact compensation solves, conductances kept ≥ 0, sharp switches at the event time.
    case ganglion
    /// The authors' choices: linearised solve (ḡ_CaS := 10), negative conductance states allowed (max(ḡ, 0)
    /// in the currents), the sharp switch restarts V, gates and Ca.
    case paper

    /// The compensation computation of this profile: `paper` for the paper profile, else `exact`.
    public var compensationVariant: CompensationVariant { self == .paper ? .paper : .exact }
}
