import Foundation

/// Joins the output folders of the shards of one population run (`--shard I/N`, of cells or of circuits):
/// reads each shard's `summary.json` and its members' summaries, and checks that the shards are of the same
/// population and that every member is there exactly once, finished (or failed) by its shard's run.
public enum PopulationMerge {
    /// One shard's folder, as read.
    public struct Shard: @unchecked Sendable {
        /// The folder.
        public var folder: String
        /// Its `summary.json`.
        public var summary: [String: Any]
        /// Which slice it ran.
        public var shard: PopulationShard
        /// The shard run's id.
        public var runID: String?
    }

    /// Reads the shard folders and the member summaries: `members` names the members' subfolder (`cells`,
    /// `circuits`) and `memberName` gives a member's folder name from its position (the cell's population
    /// index, the circuit's number). Returns the shards, the population size and the member summaries by
    /// position. Throws, naming the folder and the member, if a shard is of another population, incomplete,
    /// given twice, or missing.
    public static func gather(_ folders: [String], members: String, memberName: (Int) -> String) throws(SimulationError)
        -> (shards: [Shard], total: Int, summaries: [Int: [String: Any]]) {
        func fail(_ m: String) -> SimulationError { SimulationError(message: m) }
        let noun = members == "cells" ? "cell" : "circuit"
        var shards: [Shard] = []
        var total: Int?, count: Int?
        var owner: [Int: String] = [:]
        var summaries: [Int: [String: Any]] = [:]
        for folder in folders {
            let path = folder + "/summary.json"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw fail("\(folder): no summary.json (a shard that has not finished: resume it, or run it)")
            }
            guard let o = try? JSONInput.parse(data) as? [String: Any] else { throw fail("\(path): not a summary (not a JSON object)") }
            guard let shard = PopulationShard(json: o["shard"]), let n = (o["shard"] as? [String: Any])?["population"] as? Double else {
                throw fail("\(path): not the summary of a shard (no \"shard\": run the population with --shard I/N)")
            }
            if o["interrupted"] as? Bool == true { throw fail("\(folder): shard \(shard.index)/\(shard.count) was interrupted: resume it first") }
            if let total, total != Int(n) { throw fail("\(folder): a shard of \(Int(n)) \(noun)s, the others' have \(total)") }
            if let count, count != shard.count { throw fail("\(folder): shard \(shard.index)/\(shard.count); the others are of \(count) shards") }
            total = Int(n)
            count = shard.count
            let runID = o["run_id"] as? String
            for k in shard.members(of: Int(n)) {
                if let other = owner[k] { throw fail("\(noun) \(k) appears twice among the shards (\(other) and \(folder))") }
                owner[k] = folder
                let memberPath = "\(folder)/\(members)/\(memberName(k))/summary.json"
                guard let m = FileManager.default.contents(atPath: memberPath).flatMap({ try? JSONInput.parse($0) as? [String: Any] }) else {
                    throw fail("\(memberPath): missing or unreadable: the shard \(folder) is incomplete (resume it)")
                }
                guard m["run_id"] as? String == runID else {
                    throw fail("\(memberPath): written by another run than the shard's summary (run_id): resume or rerun the shard \(folder)")
                }
                summaries[k] = m
            }
            shards.append(Shard(folder: folder, summary: o, shard: shard, runID: runID))
        }
        guard let total else { throw fail("no shard folders given") }
        let missing = (0..<total).filter { owner[$0] == nil }
        guard missing.isEmpty else {
            throw fail("\(missing.count) of \(total) \(noun)s missing (first: \(missing.prefix(10).map(String.init).joined(separator: ", "))): give every shard's folder")
        }
        return (shards.sorted { $0.shard.index < $1.shard.index }, total, summaries)
    }

    /// The `shards` entry of a merged summary: per shard its folder, slice and run id, in shard order.
    public static func shardList(_ shards: [Shard], total: Int) -> [[String: Any]] {
        shards.map { s in
            var o = s.shard.jsonObject(total: total)
            o["folder"] = s.folder
            if let id = s.runID { o["run_id"] = id }
            return o
        }
    }
}
