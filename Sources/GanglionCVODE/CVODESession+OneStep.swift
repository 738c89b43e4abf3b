internal import CSundials
import GanglionCore

// One internal step at a time, and the interpolating polynomial between steps (`LocalStepIntegrator`).
extension CVODESession {
    /// The time CVODE has reached (ms).
    var currentTime: Double {
        var t = 0.0
        CVodeGetCurrentTime(memory!, &t)
        return t
    }

    /// The step size CVODE will try next (ms); 0 before the first step.
    var nextStepSize: Double {
        var h = 0.0
        CVodeGetCurrentStep(memory!, &h)
        return h
    }

    /// The order of the last step (the degree of the interpolating polynomial); 0 before the first step.
    var lastOrder: Int {
        var q: Int32 = 0
        CVodeGetLastOrder(memory!, &q)
        return Int(q)
    }

    /// Takes one internal step, not past `stopTime` (ms), and returns the time reached.
    func step(stopTime: Double) throws(SolverError) -> Double {
        let mem = memory!
        CVodeSetStopTime(mem, stopTime)
        var t = 0.0
        let flag = CVode(mem, stopTime, y, &t, CV_ONE_STEP)
        if flag < 0 { throw failure(flag, at: t) }
        return t
    }

    /// The k-th time derivative of the interpolating polynomial at t (ms), which must lie within the last
    /// step; nil if it does not. The entries stay valid until the next call.
    func interpolate(at t: Double, derivative k: Int) -> UnsafeMutablePointer<Double>? {
        if interpolant == nil { interpolant = N_VClone(y) }
        guard let v = interpolant, CVodeGetDky(memory!, t, Int32(k), v) == CV_SUCCESS else { return nil }
        return N_VGetArrayPointer(v)
    }

    /// The state at the last step.
    var state: UnsafeMutablePointer<Double> { N_VGetArrayPointer(y)! }
}
