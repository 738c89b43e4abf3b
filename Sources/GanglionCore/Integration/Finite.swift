/// Whether every one of the `count` values at `p` is finite: x − x is 0 for a finite x and NaN otherwise,
/// so the sum of the differences is 0 exactly when all are. Four partial sums, no branch per value (the
/// integrators check every state or right-hand side they compute).
@inlinable
public func allFinite(_ p: UnsafePointer<Double>, count: Int) -> Bool {
    var residue = SIMD4<Double>(repeating: 0)
    var i = 0
    while i &+ 4 <= count {
        let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
        residue += v - v
        i &+= 4
    }
    while i < count { residue[0] += p[i] - p[i]; i &+= 1 }
    return residue.sum() == 0
}
