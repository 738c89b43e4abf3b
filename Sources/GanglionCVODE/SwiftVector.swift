internal import CSundials
import Foundation

/// A SUNDIALS `N_Vector` whose operations are implemented in Swift.
///
/// Debian's SUNDIALS is compiled without optimisation, and CVODE spends most of its time in vector
/// operations on short vectors (13 entries for an STG cell); these optimised loops replace them. The
/// vector is serial and contiguous like `N_VNew_Serial`'s.
enum SwiftVector {
    struct Content {
        var length: Int
        var data: UnsafeMutablePointer<Double>?
        var ownsData: Bool
    }

    /// The entries of a vector made by `make` (or cloned from one).
    @inline(__always) static func data(_ v: N_Vector?) -> UnsafeMutablePointer<Double> { nvData(v) }

    /// The weighted root-mean-square norm √(Σ (x_i w_i)² / n), summed in order: a reordered sum rounds
    /// differently and changes CVODE's step sequence.
    @inline(__always)
    static func wrmsNorm(_ n: Int, _ x: UnsafePointer<Double>, _ w: UnsafePointer<Double>) -> Double {
        var s = 0.0
        for i in 0..<n { let p = x[i] * w[i]; s += p * p }
        return (s / Double(n)).squareRoot()
    }

    /// A new vector of `length` entries, zeroed.
    static func make(length: Int, context: SUNContext) -> N_Vector? {
        guard let v = N_VNewEmpty(context) else { return nil }
        installOperations(v.pointee.ops)
        let data = UnsafeMutablePointer<Double>.allocate(capacity: max(length, 1))
        data.initialize(repeating: 0, count: max(length, 1))
        attach(Content(length: length, data: data, ownsData: true), to: v)
        return v
    }

    private static func attach(_ content: Content, to v: N_Vector) {
        let c = UnsafeMutablePointer<Content>.allocate(capacity: 1)
        c.initialize(to: content)
        v.pointee.content = UnsafeMutableRawPointer(c)
    }

    private static func installOperations(_ ops: N_Vector_Ops) {
        ops.pointee.nvgetvectorid = { _ in SUNDIALS_NVEC_CUSTOM }
        ops.pointee.nvclone = { w in SwiftVector.clone(w!, withData: true) }
        ops.pointee.nvcloneempty = { w in SwiftVector.clone(w!, withData: false) }
        ops.pointee.nvdestroy = { v in SwiftVector.destroy(v) }
        ops.pointee.nvspace = { v, lrw, liw in
            lrw?.pointee = sunindextype(nvLength(v)); liw?.pointee = 1
        }
        ops.pointee.nvgetarraypointer = { v in nvContent(v!).pointee.data }
        ops.pointee.nvsetarraypointer = { p, v in
            let c = nvContent(v!)
            if c.pointee.ownsData { c.pointee.data?.deallocate() }
            c.pointee.data = p
            c.pointee.ownsData = false
        }
        ops.pointee.nvgetlength = { v in sunindextype(nvLength(v)) }
        ops.pointee.nvlinearsum = { a, x, b, y, z in
            let n = nvLength(x), xp = nvData(x), yp = nvData(y), zp = nvData(z)
            if a == 1, b == 1 {   // CVODE's predictor: q(q + 1)/2 of these per step
                elementwise(n, xp, yp, zp) { x, y in x + y }
            } else {
                elementwise(n, xp, yp, zp) { x, y in SIMD4(repeating: a) * x + SIMD4(repeating: b) * y }
            }
        }
        ops.pointee.nvconst = { c, z in
            let n = nvLength(z), zp = nvData(z)
            for i in 0..<n { zp[i] = c }
        }
        ops.pointee.nvprod = { x, y, z in
            let n = nvLength(x), xp = nvData(x), yp = nvData(y), zp = nvData(z)
            for i in 0..<n { zp[i] = xp[i] * yp[i] }
        }
        ops.pointee.nvdiv = { x, y, z in
            let n = nvLength(x), xp = nvData(x), yp = nvData(y), zp = nvData(z)
            for i in 0..<n { zp[i] = xp[i] / yp[i] }
        }
        ops.pointee.nvscale = { c, x, z in
            let n = nvLength(x), xp = nvData(x), zp = nvData(z)
            elementwise(n, xp, xp, zp) { x, _ in SIMD4(repeating: c) * x }
        }
        ops.pointee.nvabs = { x, z in
            let n = nvLength(x), xp = nvData(x), zp = nvData(z)
            for i in 0..<n { zp[i] = abs(xp[i]) }
        }
        ops.pointee.nvinv = { x, z in
            let n = nvLength(x), xp = nvData(x), zp = nvData(z)
            for i in 0..<n { zp[i] = 1 / xp[i] }
        }
        ops.pointee.nvaddconst = { x, b, z in
            let n = nvLength(x), xp = nvData(x), zp = nvData(z)
            for i in 0..<n { zp[i] = xp[i] + b }
        }
        ops.pointee.nvdotprod = { x, y in
            let n = nvLength(x), xp = nvData(x), yp = nvData(y)
            var s = 0.0
            for i in 0..<n { s += xp[i] * yp[i] }
            return s
        }
        ops.pointee.nvmaxnorm = { x in
            let n = nvLength(x), xp = nvData(x)
            var m = 0.0
            for i in 0..<n { m = max(m, abs(xp[i])) }
            return m
        }
        ops.pointee.nvwrmsnorm = { x, w in SwiftVector.wrmsNorm(nvLength(x), nvData(x), nvData(w)) }
        ops.pointee.nvwrmsnormmask = { x, w, id in
            let n = nvLength(x), xp = nvData(x), wp = nvData(w), ip = nvData(id)
            var s = 0.0
            for i in 0..<n where ip[i] > 0 { let p = xp[i] * wp[i]; s += p * p }
            return (s / Double(n)).squareRoot()
        }
        ops.pointee.nvmin = { x in
            let n = nvLength(x), xp = nvData(x)
            var m = Double.greatestFiniteMagnitude
            for i in 0..<n { m = min(m, xp[i]) }
            return m
        }
        ops.pointee.nvwl2norm = { x, w in
            let n = nvLength(x), xp = nvData(x), wp = nvData(w)
            var s = 0.0
            for i in 0..<n { let p = xp[i] * wp[i]; s += p * p }
            return s.squareRoot()
        }
        ops.pointee.nvl1norm = { x in
            let n = nvLength(x), xp = nvData(x)
            var s = 0.0
            for i in 0..<n { s += abs(xp[i]) }
            return s
        }
        ops.pointee.nvcompare = { c, x, z in
            let n = nvLength(x), xp = nvData(x), zp = nvData(z)
            for i in 0..<n { zp[i] = abs(xp[i]) >= c ? 1 : 0 }
        }
        ops.pointee.nvinvtest = { x, z in
            let n = nvLength(x), xp = nvData(x), zp = nvData(z)
            var ok: Int32 = 1
            for i in 0..<n {
                if xp[i] == 0 { ok = 0 } else { zp[i] = 1 / xp[i] }
            }
            return ok
        }
        ops.pointee.nvconstrmask = { c, x, m in
            let n = nvLength(x), cp = nvData(c), xp = nvData(x), mp = nvData(m)
            var ok: Int32 = 1
            for i in 0..<n {
                mp[i] = 0
                let ci = cp[i], xi = xp[i]
                if ci == 0 { continue }
                let violated = (abs(ci) > 1.5 && (ci > 0 ? xi <= 0 : xi >= 0))
                    || (abs(ci) > 0.5 && abs(ci) <= 1.5 && (ci > 0 ? xi < 0 : xi > 0))
                if violated { mp[i] = 1; ok = 0 }
            }
            return ok
        }
        ops.pointee.nvminquotient = { num, denom in
            let n = nvLength(num), np = nvData(num), dp = nvData(denom)
            var m = Double.greatestFiniteMagnitude
            for i in 0..<n where dp[i] != 0 { m = min(m, np[i] / dp[i]) }
            return m
        }
        ops.pointee.nvlinearcombination = { nv, c, X, z in
            let n = nvLength(z), zp = nvData(z)
            let count = Int(nv)
            guard let c, let X, count >= 1 else { return -1 }
            // One pass over z, four entries at a time, each entry summing c₀x₀ + c₁x₁ + … in order (the
            // rounding of a scalar loop). z may be X[0]: each group is read before it is written.
            // (CVODE's interpolation, once per output sample, combines q + 1 ≤ 6 vectors.)
            return withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Double>.self, capacity: count) { xs in
                for j in 0..<count { xs[j] = nvData(X[j]) }
                var i = 0
                while i &+ 4 <= n {
                    var acc = SIMD4(repeating: c[0]) * UnsafeRawPointer(xs[0] + i).loadUnaligned(as: SIMD4<Double>.self)
                    var j = 1
                    while j < count {
                        acc += SIMD4(repeating: c[j]) * UnsafeRawPointer(xs[j] + i).loadUnaligned(as: SIMD4<Double>.self)
                        j &+= 1
                    }
                    UnsafeMutableRawPointer(zp + i).storeBytes(of: acc, as: SIMD4<Double>.self)
                    i &+= 4
                }
                while i < n {
                    var acc = c[0] * xs[0][i]
                    var j = 1
                    while j < count { acc += c[j] * xs[j][i]; j &+= 1 }
                    zp[i] = acc
                    i &+= 1
                }
                return 0
            }
        }
        ops.pointee.nvscaleaddmulti = { nv, a, x, Y, Z in
            let n = nvLength(x), xp = nvData(x)
            guard let a, let Y, let Z else { return -1 }
            for j in 0..<Int(nv) {
                let yp = nvData(Y[j]), zp = nvData(Z[j]), aj = a[j]
                elementwise(n, xp, yp, zp) { x, y in SIMD4(repeating: aj) * x + y }
            }
            return 0
        }
    }


    static func clone(_ w: N_Vector, withData: Bool) -> N_Vector? {
        guard let v = N_VNewEmpty(w.pointee.sunctx) else { return nil }
        guard N_VCopyOps(w, v) == 0 else { N_VFreeEmpty(v); return nil }
        let n = nvLength(w)
        var data: UnsafeMutablePointer<Double>?
        if withData {
            data = .allocate(capacity: max(n, 1))
            data!.initialize(repeating: 0, count: max(n, 1))
        }
        attach(Content(length: n, data: data, ownsData: withData), to: v)
        return v
    }

    static func destroy(_ v: N_Vector?) {
        guard let v else { return }
        if let raw = v.pointee.content {
            let c = raw.assumingMemoryBound(to: Content.self)
            if c.pointee.ownsData { c.pointee.data?.deallocate() }
            c.deinitialize(count: 1)
            c.deallocate()
            v.pointee.content = nil
        }
        N_VFreeEmpty(v)
    }
}

/// z[i] = f(x[i], y[i]) for i < n, four entries at a time. Each entry is computed as by the scalar loop (the
/// same operations in the same order, no fused multiply–add), so results are bit for bit the same; z may be
/// x or y (each group is read before it is written), as SUNDIALS passes.
@inline(__always) private func elementwise(_ n: Int, _ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>,
                                           _ z: UnsafeMutablePointer<Double>, _ f: (SIMD4<Double>, SIMD4<Double>) -> SIMD4<Double>) {
    var i = 0
    while i &+ 4 <= n {
        let v = f(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Double>.self), UnsafeRawPointer(y + i).loadUnaligned(as: SIMD4<Double>.self))
        UnsafeMutableRawPointer(z + i).storeBytes(of: v, as: SIMD4<Double>.self)
        i &+= 4
    }
    // The last 0–3 entries in straight-line code: a remainder loop would be vectorised again by the
    // compiler, behind run-time alias checks that cost more than the 3 entries.
    if i &+ 2 <= n {
        let v = f(SIMD4(lowHalf: UnsafeRawPointer(x + i).loadUnaligned(as: SIMD2<Double>.self), highHalf: .zero),
                  SIMD4(lowHalf: UnsafeRawPointer(y + i).loadUnaligned(as: SIMD2<Double>.self), highHalf: .zero))
        UnsafeMutableRawPointer(z + i).storeBytes(of: v.lowHalf, as: SIMD2<Double>.self)
        i &+= 2
    }
    if i < n { z[i] = f(SIMD4(repeating: x[i]), SIMD4(repeating: y[i]))[0] }
}

@inline(__always) private func nvContent(_ v: N_Vector) -> UnsafeMutablePointer<SwiftVector.Content> {
    v.pointee.content.unsafelyUnwrapped.assumingMemoryBound(to: SwiftVector.Content.self)
}
@inline(__always) private func nvLength(_ v: N_Vector?) -> Int { nvContent(v.unsafelyUnwrapped).pointee.length }
@inline(__always) private func nvData(_ v: N_Vector?) -> UnsafeMutablePointer<Double> { nvContent(v.unsafelyUnwrapped).pointee.data.unsafelyUnwrapped }
