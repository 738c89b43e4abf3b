import ArgumentParser
import Foundation
import Ganglion

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Simulate every cell of a population in parallel and write one row of firing features per cell.")

    @Argument(help: "Population file (from `ganglion population`).") var population: String
    @Option(help: "Compensate every cell first to these targets (e.g. gs=-8,gu=4).") var target: String?
    @OptionGroup var cellRun: CellRunOptions
    @Option(help: "Features CSV to write.") var out: String
    @Flag(help: "Also write box plots of the frequency and burstiness next to the table (OUT with .svg).") var plot = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        output.apply()
        let settings = try cellRun.solverSettings()
        let (duration, jobs, quiet) = (cellRun.duration, cellRun.jobs, cellRun.quiet)
        let cells: [NeuronDescription]
        do { cells = try PopulationFile.load(population).cells } catch { throw fail("\(error)") }
        let (i, n) = try parseShard(cellRun.shard)
        let lo = cells.count * i / n, hi = cells.count * (i + 1) / n
        var request = SweepRequest(cells: (lo..<hi).map { ($0, cells[$0]) }, duration: duration)
        request.window = try parseWindow(cellRun.window)
        request.solverSettings = settings
        request.jobs = jobs
        var solvedNames: [String] = []
        if let target {
            guard let u = cellRun.unknownNames(default: cells[0]) else {
                throw fail("--unknowns: needed (the population's cells have no family to take the default pair from)")
            }
            request.compensation = SweepCompensation(unknowns: u, targets: try parseTargets(target),
                                                     voltage: try parseVoltage(cellRun.at, method: .grid), variant: cellRun.variant)
            solvedNames = u
        }
        request.shouldStop = installInterruptHandler()
        // The output is opened (its folder created, a temporary file made) before any cell is simulated.
        let writer: AtomicFileWriter
        do { writer = try AtomicFileWriter(path: out) } catch { throw fail(describe(error)) }
        let start = Date()
        if !quiet {
            request.progress = { done, total in
                let elapsed = Date().timeIntervalSince(start)
                let eta = elapsed / Double(done) * Double(total - done)
                FileHandle.standardError.write(Data(String(format: "\rsweep: %d/%d cells, %.1f s elapsed, ETA %.0f s   ",
                                                           done, total, elapsed, eta).utf8))
            }
        }
        try checkOutputs(out)
        let rows = sweep(request)
        if !quiet { printErr("") }
        let interrupted = rows.count < hi - lo
        do {
            let w = writer
            try w.write(SweepTable.header(solved: solvedNames).joined(separator: ",") + "\n")
            for r in rows { try w.write(SweepTable.line(r, solved: solvedNames, populationSize: cells.count) + "\n") }
            try w.commit(as: interrupted ? out + ".partial" : nil)
        } catch { throw fail("\(error)") }
        let wall = Date().timeIntervalSince(start)
        let failed = rows.filter { $0.error != nil }.count
        let counts = PopulationStatistics.patternCounts(rows.map { r in r.report.map { ["pattern": $0.features.pattern.rawValue] } })
        let patterns = counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
        printErr(String(format: "sweep: %d cells (shard %d/%d) in %.1f s (%.2f cells/s, %d jobs): %@",
                        rows.count, i, n, wall, Double(rows.count) / wall, jobs, patterns.isEmpty ? "none" : patterns))
        if interrupted { throw fail("interrupted: \(rows.count) of \(hi - lo) cells done, kept in \(out).partial") }
        if failed > 0, failed == rows.count { throw fail("every cell failed (\(failed) of \(rows.count)): see the 'error' column of \(out)") }
        if plot, rows.allSatisfy({ $0.error != nil }) {
            printErr("note: --plot: no cell ran, so no figure")
        } else if plot {
            let svg = (out.hasSuffix(".csv") ? String(out.dropLast(4)) : out) + ".svg"
            let what = target.map { "compensated to \($0)" } ?? "as generated"
            try writeSweepPlot(table: out, to: svg, title: "\(URL(fileURLWithPath: population).lastPathComponent): \(rows.count) cells, \(what)")
            printErr("wrote \(svg)")
        }
        print(out)
    }
}

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the shard outputs of `ganglion sweep --shard` (CSV files), or the shard folders of `ganglion run --shard`, `ganglion network --shard` (population statistics) and `ganglion atlas --shard`, checking that no member is missing or doubled.")

    @Argument(help: "Shard CSV files, or shard output folders.") var shards: [String]
    @Option(help: "Merged CSV to write, or for shard folders the folder of the merged summary.json.") var out: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        output.apply()
        let folders = shards.filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && d.boolValue }
        if !folders.isEmpty {
            guard folders.count == shards.count else { throw fail("give shard CSV files or shard folders, not both") }
            if folders.contains(where: { FileManager.default.fileExists(atPath: $0 + "/" + AtlasRecord.name) }) { return try mergeAtlas(folders) }
            return try mergePopulation(folders)
        }
        var header: String?
        var rows: [Int: String] = [:]
        var size: Int?
        for file in shards {
            OutputPolicy.protectInput(file)
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw fail("\(file): cannot read") }
            // CRLF line ends are read as LF; the merged file has LF only.
            var lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
            guard !lines.isEmpty else { throw fail("\(file): empty") }
            let h = lines.removeFirst()
            if let header, header != h { throw fail("\(file): its columns differ from \(shards[0])'s") }
            header = h
            let cols = h.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard let ci = cols.firstIndex(of: "cell"), let si = cols.firstIndex(of: "population_size") else {
                throw fail("\(file): not a sweep output (no 'cell' and 'population_size' columns)")
            }
            for (k, line) in lines.enumerated() {
                let f = CSVTable.fields(Substring(line))
                guard f.count == cols.count else {
                    throw fail("\(file): line \(k + 2): \(f.count) fields, the header has \(cols.count)")
                }
                guard let cell = Int(f[ci]), let s = Int(f[si]), s >= 1, s <= Population.maximumCount, cell >= 0, cell < s else {
                    throw fail("\(file): line \(k + 2): 'cell' \(f[ci]) and 'population_size' \(f[si]) must be whole numbers with 0 ≤ cell < population_size ≤ \(Population.maximumCount)")
                }
                if let j = f.firstIndex(where: { Double($0).map { !$0.isFinite } ?? false }) {
                    throw fail("\(file): line \(k + 2), column '\(cols[j])': '\(f[j])' is not a finite number")
                }
                if let size, size != s { throw fail("\(file): population size \(s) differs from \(size)") }
                size = s
                if rows[cell] != nil { throw fail("\(file): cell \(cell) appears twice among the shards") }
                rows[cell] = line
            }
        }
        guard let header, let size else { throw fail("no rows in the shards") }
        try checkOutputs(out)
        let missing = (0..<size).filter { rows[$0] == nil }
        guard missing.isEmpty else {
            throw fail("\(missing.count) of \(size) cells missing (first: \(missing.prefix(10).map(String.init).joined(separator: ", ")))")
        }
        do {
            let w = try AtomicFileWriter(path: out)
            try w.write(header + "\n")
            for i in 0..<size { try w.write(rows[i]! + "\n") }
            try w.commit()
        } catch { throw fail("\(error)") }
        print("merged \(shards.count) shards, \(size) cells: \(out)")
    }
}
