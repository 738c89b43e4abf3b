import Foundation
import Synchronization

/// The members of a population (cells, circuits) run on `jobs` workers, each taking the next member until
/// none is left or `shouldStop` says so.
enum PopulationWorkers {
    /// Runs `member(k)` for every k in `positions` and returns each member's summary object by position, and
    /// how many failed. A member that throws gets the object `failed(k, error)` returns (which may also
    /// write it out); one that throws because the run was stopped gets none (it is resumed later).
    /// `progress` receives the number done after each member.
    static func run(positions: Range<Int>, jobs: Int, shouldStop: (@Sendable () -> Bool)?,
                    member: @Sendable (Int) throws -> [String: Any], failed: @Sendable (Int, any Error) -> [String: Any],
                    progress: @Sendable (Int) -> Void) -> (members: [Int: [String: Any]], failures: Int) {
        let total = positions.count
        let next = Atomic<Int>(0), done = Atomic<Int>(0), failures = Atomic<Int>(0)
        let members = Mutex<[Int: [String: Any]]>([:])
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, total))) { _ in
            while true {
                if let shouldStop, shouldStop() { return }
                let n = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard n < total else { return }
                let k = positions.lowerBound + n
                do {
                    let box = ExperimentRunner.UncheckedBox(try member(k))
                    members.withLock { $0[k] = box.value }
                } catch {
                    if let shouldStop, shouldStop() { return }   // interrupted: the member resumes later
                    failures.wrappingAdd(1, ordering: .relaxed)
                    let box = ExperimentRunner.UncheckedBox(failed(k, error))
                    members.withLock { $0[k] = box.value }
                }
                progress(done.wrappingAdd(1, ordering: .relaxed).newValue)
            }
        }
        return (members.withLock { $0 }, failures.load(ordering: .relaxed))
    }
}
