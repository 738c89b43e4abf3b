import ArgumentParser
import Foundation
import Ganglion

extension Merge {
    /// Joins the shard folders of one atlas (`ganglion atlas --shard I/N`) into `out`: the same cells.csv,
    /// atlas.csv and atlas.svg the atlas writes unsharded. Refuses shards of other settings, unfinished shards,
    /// and a task missing or given twice.
    func mergeAtlas(_ folders: [String]) throws {
        var records: [AtlasRecord] = []
        for f in folders { records.append(try AtlasRecord(folder: f)) }
        let first = records[0]
        for (f, r) in zip(folders, records).dropFirst() {
            let d = r.differences(from: first)
            guard d.isEmpty else { throw fail("\(f) and \(folders[0]) are not shards of one atlas: their \(d.joined(separator: ", ")) differ") }
            guard r.shard.count == first.shard.count else {
                throw fail("\(f): shard \(r.shard.index)/\(r.shard.count); \(folders[0]) is of \(first.shard.count) shards")
            }
        }
        func axis(_ key: String) throws(ExitCode) -> AtlasAxis {
            guard let o = first.settings[key] as? [String: Any], let name = o["name"] as? String, let a = o["lower"] as? Double,
                  let b = o["upper"] as? Double, let n = o["count"] as? Double else { throw fail("\(folders[0])/\(AtlasRecord.name): no '\(key)' axis") }
            return AtlasAxis(name: name, lower: a, upper: b, count: Int(n))
        }
        let x = try axis("x"), y = try axis("y")
        let cells = Int(first.settings["cells"] as? Double ?? 0)
        let solved = x.dic != nil ? (first.settings["unknowns"] as? [String] ?? []) : []
        let header = AtlasTable.cellHeader(x: x, y: y, solved: solved)
        let total = x.count * y.count * cells
        var owner: [Int: String] = [:]
        var all: [AtlasTable.CellRecord] = []
        for (f, r) in zip(folders, records) {
            let path = f + "/cells.csv"
            guard FileManager.default.fileExists(atPath: path) else {
                throw fail("\(f): no cells.csv: shard \(r.shard.index)/\(r.shard.count) has not finished (run its command again to continue it)")
            }
            OutputPolicy.protectInput(path)
            let rows: [AtlasTable.CellRecord]
            do { rows = try AtlasJournal.read(path, header: header) } catch { throw fail("\(error)") }
            let range = r.shard.members(of: total)
            for row in rows {
                guard range.contains(row.task) else { throw fail("\(path): task \(row.task) is not in shard \(r.shard.index)/\(r.shard.count)") }
                if let other = owner[row.task] { throw fail("task \(row.task) appears twice among the shards (\(other) and \(f))") }
                owner[row.task] = f
                all.append(row)
            }
        }
        let missing = (0..<total).filter { owner[$0] == nil }
        guard missing.isEmpty else {
            throw fail("\(missing.count) of \(total) tasks missing (first: \(missing.prefix(10).map(String.init).joined(separator: ", "))): give every shard's folder")
        }
        var merged = first
        merged.shard = PopulationShard(index: 0, count: 1)
        let claim: OutputFolder
        do { claim = try OutputFolder(claiming: out) } catch { throw fail("\(error)") }
        defer { withExtendedLifetime(claim) {} }
        try checkOutputs(out + "/" + AtlasRecord.name, out + "/cells.csv", out + "/atlas.csv", out + "/atlas.svg")
        var object = merged.jsonObject
        object["merged_from"] = folders
        do { try AtomicFileWriter.write(Data((JSONOutput.string(object, pretty: true) + "\n").utf8), to: out + "/" + AtlasRecord.name) } catch {
            throw fail("\(error)")
        }
        try AtlasProducts(record: merged, x: x, y: y, solved: solved).write(records: all.sorted { $0.task < $1.task }, to: out, figure: true)
        print("merged \(folders.count) shards, \(total) tasks: \(out)")
    }
}
