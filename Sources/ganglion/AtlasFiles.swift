import ArgumentParser
import Foundation
import Ganglion
import Synchronization

/// An atlas's record, `atlas.json` in its output folder: the settings that make its results (compared when a
/// run continues in the folder and when shards are merged), the shard, and what the input was.
struct AtlasRecord {
    static let name = "atlas.json"
    /// Grid, cells (count and fingerprint), duration, window, solver options and compensation settings.
    var settings: [String: Any]
    var shard: PopulationShard
    /// The input as given (a file's name, or the generated population), for titles.
    var input: String

    init(request r: AtlasRequest, input: String, solver: SolverOverrides) {
        func axis(_ a: AtlasAxis) -> [String: Any] { ["name": a.name, "lower": a.lower, "upper": a.upper, "count": a.count] }
        var s: [String: Any] = ["x": axis(r.x), "y": axis(r.y), "cells": r.cells.count, "duration_ms": r.duration,
                                "cells_fingerprint": Self.fingerprint(r.cells)]
        if let w = r.window { s["window_ms"] = [w.lowerBound, w.upperBound] }
        var o: [String: Any] = [:]
        if let m = solver.method { o["solver"] = m.rawValue }
        if let dt = solver.dt { o["dt"] = dt }
        if solver.exactRates { o["exact_rates"] = true }
        if solver.sundialsStepBounds { o["sundials_step_bounds"] = true }
        if solver.localSteps { o["local_steps"] = true }
        s["solver"] = o
        if r.isDICPlane {
            s["unknowns"] = r.unknowns
            s["variant"] = r.variant.rawValue
            switch r.voltage {
            case .value(let v): s["at_mV"] = v
            case .threshold(let m): s["at"] = "threshold (\(m.rawValue))"
            }
        }
        settings = s
        shard = r.shard
        self.input = input
    }

    /// Reads `folder/atlas.json`.
    init(folder: String) throws(ExitCode) {
        let path = folder + "/" + Self.name
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(folder): no \(Self.name): not the output folder of an atlas") }
        guard let o = try? JSONInput.parse(data) as? [String: Any], let s = o["settings"] as? [String: Any],
              let shard = PopulationShard(json: o["shard"]) else { throw fail("\(path): not an atlas record") }
        settings = s
        self.shard = shard
        input = o["input"] as? String ?? "atlas"
    }

    /// FNV-1a (64 bit) of the cells' model-file JSON: equal for the same cells however they were given.
    static func fingerprint(_ cells: [NeuronDescription]) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for c in cells {
            for b in JSONOutput.string(ModelFile.jsonObject(c)).utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        }
        return String(h, radix: 16)
    }

    var jsonObject: [String: Any] {
        ["format": "ganglion-atlas", "settings": settings, "input": input,
         "shard": ["index": shard.index, "count": shard.count], "provenance": Provenance.current.jsonObject]
    }

    /// The settings as comparable text (numbers as they read back).
    static func canonical(_ s: [String: Any]) -> String {
        let text = JSONOutput.string(s)
        return (try? JSONInput.parse(Data(text.utf8))).map { JSONOutput.string($0) } ?? text
    }

    /// The settings that differ from `other`'s, by key.
    func differences(from other: AtlasRecord) -> [String] {
        Set(settings.keys).union(other.settings.keys).sorted().filter { k in
            Self.canonical(["v": settings[k] ?? NSNull()]) != Self.canonical(["v": other.settings[k] ?? NSNull()])
        }
    }

    /// Takes `folder` for this atlas: writes the record, or checks that the one there has the same settings and
    /// shard (the run continues); checks that the products may be written there.
    func claim(_ folder: String) throws(ExitCode) {
        let path = folder + "/" + Self.name
        if FileManager.default.fileExists(atPath: path) {
            let old = try AtlasRecord(folder: folder)
            let d = differences(from: old)
            guard d.isEmpty else {
                throw fail("\(folder) holds an atlas with other settings (\(d.joined(separator: ", "))): choose another --out; nothing there was changed")
            }
            guard old.shard == shard else {
                throw fail("\(folder) holds shard \(old.shard.index)/\(old.shard.count) of this atlas, not \(shard.index)/\(shard.count): choose another --out")
            }
        } else {
            for name in ["cells.csv", "cells.csv.partial"] where FileManager.default.fileExists(atPath: folder + "/" + name) {
                throw fail("\(folder)/\(name) exists but \(Self.name) does not: not an atlas folder Ganglion started; choose another --out")
            }
            do {
                try OutputPolicy.check(path)
                try AtomicFileWriter.write(Data((JSONOutput.string(jsonObject, pretty: true) + "\n").utf8), to: path)
            } catch { throw fail("\(error)") }
        }
        try checkOutputs(folder + "/cells.csv", folder + "/atlas.csv", folder + "/atlas.svg")
    }
}

/// The per-cell rows of an unfinished atlas, `cells.csv.partial`: one line appended per finished task (in the
/// order they finish). A line cut off by a kill is dropped when the run continues.
final class AtlasJournal: @unchecked Sendable {
    let path: String
    let header: [String]
    /// Tasks already in the journal.
    let done: Set<Int>
    private let fd: Int32
    private let lock = Mutex(())

    /// Opens the folder's journal (made from `cells.csv` when the atlas finished before, empty with its header
    /// when there is none), dropping a cut-off last line.
    init(folder: String, request: AtlasRequest) throws {
        path = folder + "/cells.csv.partial"
        header = AtlasTable.cellHeader(x: request.x, y: request.y, solved: request.isDICPlane ? request.unknowns : [])
        let headerLine = header.joined(separator: ",") + "\n"
        if !FileManager.default.fileExists(atPath: path) {
            let finished = folder + "/cells.csv"
            let text = FileManager.default.contents(atPath: finished) ?? Data(headerLine.utf8)
            let tmp = folder + "/.cells.csv.partial.\(getpid())-new.tmp"
            guard FileManager.default.createFile(atPath: tmp, contents: text), rename(tmp, path) == 0 else {
                throw IOError(file: path, message: "cannot create (\(String(cString: strerror(errno))))")
            }
        }
        fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw IOError(file: path, message: "cannot open (\(String(cString: strerror(errno))))") }
        // Keep whole lines only.
        guard let data = FileManager.default.contents(atPath: path) else { throw IOError(file: path, message: "cannot read") }
        if let last = data.lastIndex(of: UInt8(ascii: "\n")), last + 1 < data.count {
            ftruncate(fd, off_t(last + 1))
        }
        let records = try Self.read(path, header: header)
        var done = Set<Int>()
        let range = request.shardTasks
        for r in records {
            guard range.contains(r.task) else { throw IOError(file: path, message: "task \(r.task) is not in this run's tasks \(range.lowerBound)..<\(range.upperBound)") }
            guard done.insert(r.task).inserted else { throw IOError(file: path, message: "task \(r.task) appears twice") }
        }
        self.done = done
    }

    deinit { close(fd) }

    /// Appends one task's line.
    func append(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        try lock.withLock { _ in
            let n = bytes.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n == bytes.count else { throw IOError(file: path, message: "cannot append (\(String(cString: strerror(errno))))") }
        }
    }

    /// Every task's record in the journal, in task order.
    func records() throws -> [AtlasTable.CellRecord] {
        fsync(fd)
        return try Self.read(path, header: header).sorted { $0.task < $1.task }
    }

    /// Removes the journal once its rows are in `cells.csv`.
    func finish() { unlink(path) }

    /// The records of a per-cell table file with `header`.
    static func read(_ path: String, header: [String]) throws -> [AtlasTable.CellRecord] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw IOError(file: path, message: "cannot read") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { throw IOError(file: path, message: "empty") }
        guard CSVTable.fields(first) == header else { throw IOError(file: path, message: "its columns are not this atlas's") }
        lines.removeFirst()
        if let last = text.last, last != "\n", !lines.isEmpty { lines.removeLast() }   // a cut-off line
        return try AtlasTable.records(lines, header: header, file: path)
    }
}

/// An atlas's finished files: `cells.csv`, `atlas.csv` and (for a whole atlas) `atlas.svg`.
struct AtlasProducts {
    var record: AtlasRecord
    var x: AtlasAxis, y: AtlasAxis
    var solved: [String]

    /// Axis label with units.
    static func label(_ a: AtlasAxis) -> String {
        if let d = a.dic { return "target \(d.rawValue.prefix(1))_\(d.rawValue.dropFirst())* (dimensionless, in units of g_leak)" }
        return "ḡ_\(a.name) (mS/cm²)"
    }

    func write(records: [AtlasTable.CellRecord], to folder: String, figure: Bool) throws(ExitCode) {
        let header = AtlasTable.cellHeader(x: x, y: y, solved: solved)
        let summaries = AtlasTable.summaries(x: x, y: y, records: records)
        do {
            let c = try AtomicFileWriter(path: folder + "/cells.csv")
            try c.write(header.joined(separator: ",") + "\n")
            for r in records { try c.write(r.line + "\n") }
            try c.commit()
            let a = try AtomicFileWriter(path: folder + "/atlas.csv")
            try a.write(AtlasTable.pointHeader(x: x, y: y).joined(separator: ",") + "\n")
            for s in summaries { try a.write(AtlasTable.pointLine(s) + "\n") }
            try a.commit()
            if figure {
                let cells = record.settings["cells"] as? Int ?? (record.settings["cells"] as? Double).map { Int($0) } ?? 0
                let svg = AtlasPlot.svg(title: "\(record.input): \(cells) cell\(cells == 1 ? "" : "s"), \(x.count) × \(y.count) points",
                                        xLabel: Self.label(x), yLabel: Self.label(y), xs: x.values, ys: y.values,
                                        cells: summaries.map { AtlasPlot.Cell(ix: $0.point.ix, iy: $0.point.iy, dominant: $0.dominant, bursting: $0.fraction("bursting")) })
                try AtomicFileWriter.write(Data(svg.utf8), to: folder + "/atlas.svg")
            }
        } catch { throw fail("\(error)") }
    }
}
