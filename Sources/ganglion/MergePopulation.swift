import ArgumentParser
import Foundation
import Ganglion

extension Merge {
    /// Joins the shard folders of a population run (`ganglion run --shard` or `ganglion network --shard` with
    /// circuits) into `out/summary.json`: the rows and population statistics an unsharded run writes, computed
    /// from the members' summaries in the shard folders (which stay where they are).
    func mergePopulation(_ folders: [String]) throws {
        // The shards' run records: the same input and settings, or they are not one population.
        var records: [(String, RunRecord)] = []
        for f in folders {
            let path = RunRecord.path(in: f)
            guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(f): no \(RunRecord.name): not the output folder of a run") }
            do { records.append((f, try RunRecord(data, file: path))) } catch { throw fail("\(error)") }
        }
        let (firstFolder, r) = records[0]
        for (f, s) in records.dropFirst() {
            var differs: [String] = []
            if s.kind != r.kind { differs.append("kind") }
            if s.inputText != r.inputText { differs.append("input file's text") }
            if s.profile != r.profile { differs.append("--profile") }
            if s.cells != r.cells { differs.append("--cells") }
            if s.duration != r.duration { differs.append("--duration") }
            if s.solverOverrides != r.solverOverrides { differs.append("solver options") }
            if !differs.isEmpty { throw fail("\(f) and \(firstFolder) are not shards of one run: their \(differs.joined(separator: ", ")) differ") }
        }
        var merged: [String: Any]
        do {
            switch r.kind {
            case .experiment:
                var e = try Experiment.parse(Data(r.inputText.utf8), file: r.inputFile, folder: r.inputFolder, profile: r.profile)
                guard e.isPopulation else { throw fail("\(firstFolder): a single-cell run, not a population") }
                if let limit = r.cells { e.cells = Array(e.cells.prefix(limit)) }
                let cells = e.cells
                let g = try PopulationMerge.gather(folders, members: "cells") { k in String(cells[k].index ?? k) }
                guard g.total == e.cells.count else { throw fail("the shards are of \(g.total) cells; the experiment has \(e.cells.count)") }
                let p = ExperimentRunner.populationSummary(experiment: e, positions: 0..<g.total, members: g.summaries)
                merged = ["experiment": e.name, "profile": e.profile.rawValue, "cells": g.total, "finished": p.finished, "failed": p.failed,
                          "interrupted": false, "duration_ms": e.request.duration, "rows": p.rows, "statistics": p.statistics,
                          "shards": PopulationMerge.shardList(g.shards, total: g.total)]
            case .network:
                guard let c = try CircuitPopulation.parse(Data(r.inputText.utf8), file: r.inputFile, folder: r.inputFolder, profile: r.profile) else {
                    throw fail("\(firstFolder): a single network run, not a population of circuits")
                }
                let g = try PopulationMerge.gather(folders, members: "circuits") { String($0) }
                guard g.total == c.count else { throw fail("the shards are of \(g.total) circuits; the file has \(c.count)") }
                let p = CircuitRunner.populationSummary(positions: 0..<g.total, members: g.summaries)
                merged = ["network": c.name, "profile": c.first.profile.rawValue, "circuits": g.total, "finished": p.finished, "failed": p.failed,
                          "interrupted": false, "stride": c.stride, "duration_ms": g.shards[0].summary["duration_ms"] as Any,
                          "rows": p.rows, "statistics": p.statistics, "shards": PopulationMerge.shardList(g.shards, total: g.total)]
            }
        } catch let error as ExitCode { throw error } catch { throw fail("\(error)") }
        merged["provenance"] = Provenance.current.jsonObject
        let claim: OutputFolder
        do { claim = try OutputFolder(claiming: out) } catch { throw fail("\(error)") }
        defer { withExtendedLifetime(claim) {} }
        do {
            try OutputPolicy.check(out + "/summary.json")
            try AtomicFileWriter.write(Data((JSONOutput.string(merged, pretty: true) + "\n").utf8), to: out + "/summary.json")
        } catch { throw fail("\(error)") }
        let what = r.kind == .experiment ? "cells" : "circuits"
        print("merged \(folders.count) shards, \(merged[what] ?? 0) \(what) (\(merged["failed"] ?? 0) failed): \(out)/summary.json")
        if (merged["failed"] as? Int ?? 0) > 0 { throw ExitCode(1) }
    }
}
