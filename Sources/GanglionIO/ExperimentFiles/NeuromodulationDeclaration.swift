import GanglionCore

/// A file's `neuromodulation` block as written (`Docs/experiment-files.md`, "Neuromodulation"): the controller's
/// settings; what is not given takes the cell family's or the profile's default when the file is resolved.
public struct NeuromodulationDeclaration: Sendable {
    /// The modulated pair; `nil`: the cell family's.
    public var conductances: [String]?
    /// The initial DIC targets g_s, g_u (dimensionless).
    public var gs: Double, gu: Double
    /// V_th (mV); `nil`: each cell's grid threshold.
    public var thresholdVoltage: Double?
    /// Gains and bounds as given (`alpha`, `beta`, `K_p`, `K_i`, `K_t`, `u_max`); `nil`: the controller's default.
    public var alpha: Double?, beta: Double?, kp: Double?, ki: Double?, kt: Double?, uMax: Double?
    /// `anti_windup`; `nil`: the profile's and family's default.
    public var antiWindup: Bool?
    /// `integrator_start`; `nil`: not given.
    public var integratorStart: Neuromodulation.IntegratorStart?
    /// `variant` of the compensation solve; `nil`: the profile's.
    public var variant: CompensationVariant?

    /// The block at `neuromodulation` of a file (`nil` if absent). Throws `ModelFileError` naming the field at fault.
    public static func parse(_ value: Any?, _ f: FieldReader) throws(ModelFileError) -> NeuromodulationDeclaration? {
        guard let n = try f.object(value, "neuromodulation",
                                   allowed: ["conductances", "g_s", "g_u", "V_th", "alpha", "beta", "K_p", "K_i", "K_t", "u_max",
                                             "anti_windup", "integrator_start", "variant"]) else { return nil }
        let pair = try f.strings(n["conductances"], "neuromodulation.conductances")
        guard let gs = try f.number(n["g_s"], "neuromodulation.g_s") else { throw f.fail("neuromodulation.g_s", "missing (the initial target)") }
        guard let gu = try f.number(n["g_u"], "neuromodulation.g_u") else { throw f.fail("neuromodulation.g_u", "missing (the initial target)") }
        var d = NeuromodulationDeclaration(conductances: pair, gs: gs, gu: gu)
        d.alpha = try f.positive(n["alpha"], "neuromodulation.alpha")
        d.beta = try f.positive(n["beta"], "neuromodulation.beta")
        d.kp = try f.positive(n["K_p"], "neuromodulation.K_p")
        d.ki = try f.positive(n["K_i"], "neuromodulation.K_i")
        d.kt = try f.positive(n["K_t"], "neuromodulation.K_t")
        d.uMax = try f.positive(n["u_max"], "neuromodulation.u_max")
        d.antiWindup = try f.bool(n["anti_windup"], "neuromodulation.anti_windup")
        if let z = try f.string(n["integrator_start"], "neuromodulation.integrator_start") {
            guard let v = Neuromodulation.IntegratorStart(rawValue: z) else {
                throw f.fail("neuromodulation.integrator_start", "unknown '\(z)' (steady-state or zero)")
            }
            d.integratorStart = v
        }
        if let v = try f.string(n["variant"], "neuromodulation.variant") {
            guard let c = CompensationVariant(rawValue: v) else { throw f.fail("neuromodulation.variant", "unknown variant '\(v)' (exact, paper, pnas)") }
            d.variant = c
        }
        d.thresholdVoltage = try f.number(n["V_th"], "neuromodulation.V_th")
        return d
    }
}
