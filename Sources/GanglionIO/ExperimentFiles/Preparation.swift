/// A preparatory run (Docs/science/controllers.md §4): the cell with its controllers runs for a while (with these DIC
/// targets), then the experiment starts from its conductances with fresh initial conditions (V, gates, Ca,
/// m = ḡ, pool = ḡ, z at steady state) and τ_X recomputed from them; V_th stays the initial cell's.
public struct Preparation: Sendable {
    /// Duration of the preparatory run (ms).
    public var duration: Double
    /// DIC targets g_s and g_u (dimensionless) from the start of the preparatory run; `nil`: the
    /// controller's own.
    public var gs: Double?, gu: Double?

    /// A preparatory run of `duration` ms, with DIC targets `gs`, `gu` if given.
    public init(duration: Double, gs: Double? = nil, gu: Double? = nil) {
        self.duration = duration
        self.gs = gs
        self.gu = gu
    }
}
