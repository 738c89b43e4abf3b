import Foundation
import Synchronization

/// Kill points for testing that a run can be resumed from anywhere: with the environment variable
/// `GANGLION_KILL_AT=N`, the process kills itself (SIGKILL, as a crash or `kill -9` would) at the N-th kill
/// point it passes: just before and just after each file is renamed into place, and just before a
/// finished run removes its checkpoint. Unset, a kill point costs one atomic load.
public enum FaultInjection {
    static let target: Int? = ProcessInfo.processInfo.environment["GANGLION_KILL_AT"].flatMap { Int($0) }
    static let passed = Atomic<Int>(0)

    /// A kill point.
    @inline(__always)
    public static func point() {
        guard let target else { return }
        if passed.wrappingAdd(1, ordering: .relaxed).newValue == target { kill(getpid(), SIGKILL) }
    }
}
