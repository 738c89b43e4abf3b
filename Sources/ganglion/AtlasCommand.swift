import ArgumentParser
import Foundation
import Ganglion
import Synchronization

struct AtlasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atlas",
        abstract: "Map the firing patterns of a cell or a population over a plane of target DICs or of two conductances.",
        discussion: """
        Every cell is simulated at every grid point (as `ganglion sweep` does one point): with --gs and --gu each \
        cell is first compensated (--unknowns, default the family's modulated pair) to those targets; with --x and \
        --y the two conductances are set. OUT gets cells.csv (one row per point and cell), atlas.csv (one row per \
        point: fraction of cells in each outcome, median features), atlas.svg and atlas.json (the settings). \
        Running the same command into the same OUT continues an interrupted atlas.
        """)

    @Argument(help: "Population file, model file or named model (or --generate).") var input: String?
    @Option(help: "Generate the population instead: stg or da (with --count and --seed, as `ganglion population`).") var generate: String?
    @Option(help: "Cells of the generated population.") var count: Int?
    @Option(help: "Seed of the generated population.") var seed: UInt64?
    @Option(help: "Only the first N cells of the population.") var cells: Int?
    @Option(name: .customLong("gs"), parsing: .unconditional, help: "Target g_s values A:B:N (first, last, count), e.g. -10:10:21.") var gs: String?
    @Option(name: .customLong("gu"), parsing: .unconditional, help: "Target g_u values A:B:N.") var gu: String?
    @Option(parsing: .unconditional, help: "x axis CH:A:B:N: ḡ of channel CH (mS/cm²), or a DIC target (gs, gu, gf).") var x: String?
    @Option(parsing: .unconditional, help: "y axis CH:A:B:N, as --x.") var y: String?
    @OptionGroup var cellRun: CellRunOptions
    @Option(help: "Output folder (created; an interrupted atlas in it is continued).") var out: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        output.apply()
        let settings = try cellRun.solverSettings()
        let (duration, jobs, quiet) = (cellRun.duration, cellRun.jobs, cellRun.quiet)
        let (xAxis, yAxis) = try axes()
        var (population, inputName) = try loadCells()
        if let cells {
            guard cells >= 1 else { throw fail("--cells \(cells): must be ≥ 1") }
            population = Array(population.prefix(cells))
        }
        var request = AtlasRequest(cells: population, x: xAxis, y: yAxis, duration: duration)
        request.window = try parseWindow(cellRun.window)
        request.solverSettings = settings
        request.jobs = jobs
        if request.isDICPlane {
            request.unknowns = cellRun.unknownNames(default: population[0]) ?? []
            request.voltage = try parseVoltage(cellRun.at, method: .grid)
            request.variant = cellRun.variant
        } else if cellRun.unknowns != nil || cellRun.at != nil {
            throw fail("--unknowns and --at apply to DIC axes (--gs, --gu), not to conductance axes")
        }
        let (i, n) = try parseShard(cellRun.shard)
        request.shard = PopulationShard(index: i, count: n)
        do { try request.validate() } catch { throw fail(error.message) }

        let record = AtlasRecord(request: request, input: inputName, solver: cellRun.solverOptions.overrides)
        let claim: OutputFolder
        do { claim = try OutputFolder(claiming: out) } catch { throw fail("\(error)") }
        defer { withExtendedLifetime(claim) {} }
        try record.claim(out)
        let journal: AtlasJournal
        do { journal = try AtlasJournal(folder: out, request: request) } catch { throw fail("\(error)") }
        let range = request.shardTasks
        let remaining = range.filter { !journal.done.contains($0) }
        request.shouldStop = installInterruptHandler()
        let start = Date()
        let finished = Atomic<Int>(0)
        let failure = Mutex<String?>(nil)
        if !remaining.isEmpty, !quiet {
            printErr("atlas: \(range.count) tasks (\(xAxis.count) × \(yAxis.count) points × \(population.count) cells\(n > 1 ? ", shard \(i)/\(n)" : "")), \(range.count - remaining.count) done before, \(remaining.count) to run on \(jobs) workers")
        }
        let atlas = request
        atlas.run(remaining) { t, row in
            do { try journal.append(AtlasTable.cellLine(atlas, task: t, row: row)) } catch {
                failure.withLock { $0 = $0 ?? "\(error)" }
            }
            let k = finished.wrappingAdd(1, ordering: .relaxed).newValue
            if !quiet {
                let elapsed = Date().timeIntervalSince(start)
                FileHandle.standardError.write(Data(String(format: "\ratlas: %d/%d tasks, %.1f s elapsed, ETA %.0f s   ", k, remaining.count,
                                                           elapsed, elapsed / Double(k) * Double(remaining.count - k)).utf8))
            }
        }
        if !quiet, !remaining.isEmpty { printErr("") }
        if let f = failure.withLock({ $0 }) { throw fail(f) }
        let ran = finished.load(ordering: .relaxed)
        let wall = Date().timeIntervalSince(start)
        if ran > 0 {
            printErr(String(format: "atlas: %d tasks (point × cell) in %.1f s: %.2f tasks/s on %d workers", ran, wall, Double(ran) / wall, jobs))
        }
        if ran < remaining.count {
            throw fail("interrupted: \(range.count - remaining.count + ran) of \(range.count) tasks done, kept in \(journal.path); run the same command again to continue")
        }
        let records: [AtlasTable.CellRecord]
        do { records = try journal.records() } catch { throw fail("\(error)") }
        try AtlasProducts(record: record, x: xAxis, y: yAxis, solved: request.isDICPlane ? request.unknowns : [])
            .write(records: records, to: out, figure: n == 1)
        journal.finish()
        let s = AtlasTable.summaries(x: xAxis, y: yAxis, records: records)
        let counts = Dictionary(grouping: records, by: \.outcome).mapValues(\.count)
        printErr("atlas: \(s.count) points, \(records.count) cells: " + AtlasTable.outcomes.compactMap { o in counts[o].map { "\(o) \($0)" } }.joined(separator: ", "))
        print(out)
    }

    /// The grid's axes from --gs/--gu or --x/--y.
    func axes() throws(ExitCode) -> (AtlasAxis, AtlasAxis) {
        func parse(_ text: String, _ option: String, _ name: String?) throws(ExitCode) -> AtlasAxis {
            do { return try AtlasAxis.parse(text, option: option, name: name) } catch { throw fail(error.message) }
        }
        switch (gs, gu, x, y) {
        case let (gs?, gu?, nil, nil): return (try parse(gs, "--gs", "gs"), try parse(gu, "--gu", "gu"))
        case let (nil, nil, x?, y?): return (try parse(x, "--x", nil), try parse(y, "--y", nil))
        case (nil, nil, nil, nil): throw fail("give the plane: --gs A:B:N --gu A:B:N (target DICs), or --x CH:A:B:N --y CH:A:B:N (conductances)")
        default: throw fail("give either both --gs and --gu, or both --x and --y")
        }
    }

    /// The cells, and what they are (for the record and the figure's title).
    func loadCells() throws(ExitCode) -> ([NeuronDescription], String) {
        switch (input, generate) {
        case (nil, nil): throw fail("give a population file, a model file or a named model, or --generate stg|da --count N --seed S")
        case (_?, _?): throw fail("give an input file or --generate, not both")
        case let (nil, family?):
            guard let recipe = Population.Recipe.named(family) else {
                throw fail("--generate '\(family)': unknown family (known: \(Population.Recipe.all.map(\.kind.name).joined(separator: ", ")))")
            }
            guard let count, let seed else { throw fail("--generate: needs --count and --seed") }
            guard count >= 1, count <= Population.maximumCount else { throw fail("--count \(count): must be between 1 and \(Population.maximumCount)") }
            do { return (try Population.generate(recipe, count: count, seed: seed).cells, "\(family) population (seed \(seed))") } catch {
                throw fail("\(error)")
            }
        case let (path?, nil):
            if count != nil || seed != nil { throw fail("--count and --seed go with --generate") }
            if let data = FileManager.default.contents(atPath: path), let o = try? JSONInput.parse(data) as? [String: Any],
               o["format"] as? String == PopulationFile.format {
                OutputPolicy.protectInput(path)
                do { return (try PopulationFile.parse(data, file: path).cells, PathParts.name(of: path)) } catch { throw fail("\(error)") }
            }
            do { return ([try ModelFile.loadAny(path)], PathParts.name(of: path)) } catch { throw fail("\(error)") }
        }
    }
}
