/// Integer power by repeated multiplication (p is 0…4 in the models here).
@inlinable @inline(__always)
func integerPower(_ x: Double, _ p: Int) -> Double {
    switch p {
    case 0: return 1
    case 1: return x
    case 2: return x * x
    case 3: return x * x * x
    case 4: let x2 = x * x; return x2 * x2
    default:
        var r = 1.0
        for _ in 0..<p { r *= x }
        return r
    }
}

extension IonChannel {
    @inlinable
    public static func gateDerivatives(V: Double, calcium Ca: Double, gates: UnsafePointer<Double>,
                                       tauScale: Double, into d: UnsafeMutablePointer<Double>) -> Double {
        let m = gates[0]
        d[0] = (mInf(V, calcium: Ca) - m) / (tauScale * tauM(V))
        var open = integerPower(m, activationExponent)
        if inactivationExponent > 0 {
            let h = gates[1]
            d[1] = (hInf(V) - h) / (tauScale * tauH(V))
            open *= integerPower(h, inactivationExponent)
        }
        return open
    }

    @inlinable
    public static func gateSteadyStates(V: Double, calcium Ca: Double, tauScale: Double,
                                        inf: UnsafeMutablePointer<Double>, tau: UnsafeMutablePointer<Double>) {
        inf[0] = mInf(V, calcium: Ca)
        tau[0] = tauScale * tauM(V)
        if inactivationExponent > 0 {
            inf[1] = hInf(V)
            tau[1] = tauScale * tauH(V)
        }
    }

    @inlinable
    public static func openFraction(gates: UnsafePointer<Double>, dOpen: UnsafeMutablePointer<Double>) -> Double {
        let p = activationExponent, q = inactivationExponent
        let m = gates[0]
        let mp = integerPower(m, p)
        if q == 0 {
            dOpen[0] = Double(p) * integerPower(m, p - 1)
            return mp
        }
        let h = gates[1]
        let hq = integerPower(h, q)
        dOpen[0] = Double(p) * integerPower(m, p - 1) * hq
        dOpen[1] = mp * Double(q) * integerPower(h, q - 1)
        return mp * hq
    }

    @inlinable
    public static func gateJacobian(V: Double, calcium Ca: Double, gates: UnsafePointer<Double>, tauScale: Double,
                                    dV: UnsafeMutablePointer<Double>, dCa: UnsafeMutablePointer<Double>,
                                    dSelf: UnsafeMutablePointer<Double>) {
        // d/dV [(x∞ − x)/τ] = x∞′/τ − (x∞ − x)·τ′/τ²
        let v = Dual.variable(V)
        let mi = mInf(v, calcium: Dual(Ca))
        let tm = tauM(v)
        let tau = tauScale * tm.value
        dV[0] = mi.derivative / tau - (mi.value - gates[0]) * tauScale * tm.derivative / (tau * tau)
        dSelf[0] = -1 / tau
        dCa[0] = calciumGated ? mInf(Dual(V), calcium: Dual.variable(Ca)).derivative / tau : 0
        if inactivationExponent > 0 {
            let hi = hInf(v), th = tauH(v)
            let tauh = tauScale * th.value
            dV[1] = hi.derivative / tauh - (hi.value - gates[1]) * tauScale * th.derivative / (tauh * tauh)
            dSelf[1] = -1 / tauh
            dCa[1] = 0
        }
    }
}
