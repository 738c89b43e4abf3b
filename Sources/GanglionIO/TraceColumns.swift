/// Names of the columns of Ganglion's trace tables. Every name ends in its unit: `_ms`, `_mV`, `_uA_cm2`,
/// `_mS_cm2`, and `_au` for calcium, which the models keep in arbitrary units. Gates are dimensionless.
public enum TraceColumns {
    /// The calcium column (model units).
    public static let calcium = "Ca_au"
    /// The calcium moving average of `conductances.csv` (model units).
    public static let calciumAverage = "Ca_average_au"
    /// dV/dt from the cell's right-hand side (mV/ms), recorded for phase planes.
    public static let voltageDerivative = "dVdt_mV_ms"
    /// The calcium column as other tools and files written before the unit suffix name it; readers accept it.
    public static let legacyCalcium = "Ca"

    /// The column of a recorded state: calcium gets its unit suffix, other states (gates, homeostatic and
    /// controller states, whose units the NWB export reads from their names) keep their layout name.
    public static func name(ofState state: String) -> String {
        state == "Ca" ? calcium : state
    }

    /// Whether a column holds calcium or its moving average (with or without the unit suffix).
    public static func isCalcium(_ column: String) -> Bool {
        [calcium, calciumAverage, legacyCalcium, "Ca_average"].contains(column)
    }
}
