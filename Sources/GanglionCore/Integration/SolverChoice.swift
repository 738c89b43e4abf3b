/// The integration methods a user can pick by name.
public enum SolverChoice: String, CaseIterable, Sendable {
    case cvodeBDF = "cvode-bdf"
    case cvodeAdams = "cvode-adams"
    case expEuler = "exp-euler"
    case rk4 = "rk4"

    /// Default fixed step (ms) for the fixed-step methods: the largest step with which the named STG
    /// models' firing features stay within 0.5 % of the reference (see `Docs/performance.md`).
    public var defaultStep: Double? {
        switch self {
        case .expEuler: 0.05
        case .rk4: 0.0015
        default: nil
        }
    }
}
