import ArgumentParser
import Foundation
import Ganglion

/// Parses `I/N` (0 ≤ I < N), or takes it from SLURM's job-array variables.
func parseShard(_ text: String?) throws(ExitCode) -> (index: Int, count: Int) {
    if let text {
        let p = text.split(separator: "/").compactMap { Int($0) }
        guard p.count == 2, p[1] >= 1, p[0] >= 0, p[0] < p[1] else {
            throw fail("--shard '\(text)': expected I/N with 0 ≤ I < N, e.g. 0/4")
        }
        return (p[0], p[1])
    }
    let env = ProcessInfo.processInfo.environment
    if let id = env["SLURM_ARRAY_TASK_ID"].flatMap(Int.init), let n = env["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init) {
        let i = id - (env["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0)
        guard n >= 1, i >= 0, i < n else {
            throw fail("SLURM_ARRAY_TASK_ID \(id) does not give a shard of \(n) (SLURM_ARRAY_TASK_MIN \(env["SLURM_ARRAY_TASK_MIN"] ?? "unset"))")
        }
        return (i, n)
    }
    return (0, 1)
}

/// `--shard I/N` as a population shard (`ganglion run`, `ganglion network` with circuits); nil for the whole
/// population (1/1, the default outside a SLURM job array).
func populationShard(_ text: String?) throws(ExitCode) -> PopulationShard? {
    let (i, n) = try parseShard(text)
    return n > 1 ? PopulationShard(index: i, count: n) : nil
}
