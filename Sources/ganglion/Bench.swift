import ArgumentParser
import Foundation
import Ganglion

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark the integrators on one model and print a Markdown table.",
        discussion: """
        Each solver simulates the model with 0.1 ms output written to a CSV file, `--repeats` times in this \
        process (median wall time reported), then once more in a child process to measure its peak memory \
        (maximum resident set size). Build in release first: swift build -c release.
        """)

    @Option(help: "Model file or named model.") var model = "stg-bursting"
    @Option(parsing: .unconditional, help: "Simulated duration (ms).") var duration: Double = 15000
    @Option(help: "Timed runs per solver (the median is reported).") var repeats = 5
    @Option(help: "Solvers, comma-separated, each optionally with a step (exp-euler@0.05) or CVODE's dense linear solver (cvode-bdf/dense).")
    var solvers = "cvode-bdf,cvode-bdf/dense,cvode-adams,exp-euler@0.05,exp-euler@0.1,rk4@0.0015"
    @Option(name: .customLong("memory-duration"), help: "Duration (ms) of the long run whose peak memory is measured (0: skip).")
    var memoryDuration: Double = 300_000
    @Option(name: .customLong("sweep-cells"), help: "Also time a sweep of this many STG population cells × --duration with 1 worker and with all cores (0: skip).")
    var sweepCells = 0
    @Flag(name: .customLong("dic-cost"), help: "Also measure the cost of DIC evaluations per model family.")
    var dicCost = false
    @Flag(name: .customLong("only-extras"), help: "Skip the single-neuron solver table.")
    var onlyExtras = false
    @Option(help: "Also time `ganglion run` of this experiment file (--repeats child processes): wall, × real time, steps, peak memory, cells per minute.")
    var experiment: String?
    @Option(help: "With --experiment: run only the first N cells of a population.") var cells: Int?
    @Option(help: "With --experiment: the profile (ganglion or paper).") var profile: String?
    @Option(name: .customLong("network-sizes"), help: "Also time random inhibitory STG networks of these sizes (comma-separated, e.g. 2,10,50,100) for --duration each, and fit the growth exponent.")
    var networkSizes: String?
    @Option(name: .customLong("network-solvers"), help: "With --network-sizes: the solvers, comma-separated, fixed-step ones with their step, CVODE with local time steps as cvode-bdf/local.")
    var networkSolvers = "cvode-bdf,cvode-bdf/local,exp-euler@0.05"
    @Option(name: .customLong("network"), help: "Also time this network file (--repeats runs), and exp-euler at --network-dt over --network-span ms, extrapolated.")
    var networkFile: String?
    @Option(name: .customLong("network-dt"), help: "With --network: the fixed step (ms) (the authors' forward Euler used 5e-4).") var networkDt: Double = 5e-4
    @Option(name: .customLong("network-span"), help: "With --network: the span (ms) of the fixed-step run.") var networkSpan: Double = 1000

    @Option(name: .customLong("sink-rows"), help: "Also time the trace sinks (CSV and NWB): this many rows written and committed, --repeats times (0: skip).")
    var sinkRows = 0
    @Option(name: .customLong("sink-columns"), help: "With --sink-rows: the values per row after the time.") var sinkColumns = 10

    func run() throws {
        guard repeats >= 1 else { throw fail("--repeats \(repeats): must be ≥ 1") }
        guard duration > 0, duration.isFinite else { throw fail("--duration \(duration): must be > 0 ms") }
        let neuron: NeuronDescription
        do { neuron = try ModelFile.loadAny(model) } catch { throw fail("\(error)") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ganglion-bench-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trace = folder + "/trace.csv"

        if dicCost { try benchDICs() }
        if sweepCells > 0 { try benchSweep() }
        if let experiment { try benchExperiment(experiment, folder: folder) }
        if let networkSizes {
            let sizes = networkSizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizes.isEmpty else { throw fail("--network-sizes '\(networkSizes)': expected sizes like 2,10,50,100") }
            try benchNetworkSizes(sizes)
        }
        if let networkFile { try benchNetworkFile(networkFile, eulerStep: networkDt, span: networkSpan) }
        if sinkRows > 0 { try benchSinks(folder: folder) }
        if onlyExtras { return }
        print("Model \(neuron.name), \(duration) ms simulated, 0.1 ms output to CSV, median of \(repeats) runs.")
        print("Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(machineName()).\n")
        print("| solver | step | wall (ms, median) | × real time | steps | RHS evals | peak memory (MB) | f_intra (Hz) | f_inter (Hz) | burstiness (Hz²) |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        var failures: [String] = []
        for spec in solvers.split(separator: ",") {
            let dense = spec.hasSuffix("/dense")
            let (solver, dt) = try solverSpec(spec.replacingOccurrences(of: "/dense", with: ""), option: "--solvers")
            var request = SimulationRequest(neuron: neuron, duration: duration)
            request.solver = solver
            request.dt = dt
            request.linearSolver = dense ? .dense : .structured
            request.tracePath = trace
            request.replacesPartialOutputs = true   // the benchmark's own scratch folder
            var walls: [Double] = []
            var last: SimulationReport?
            do {
                for _ in 0..<repeats {
                    last = try simulate(request)
                    walls.append(last!.wallMilliseconds)
                    printErr("  \(spec): \(String(format: "%.1f", last!.wallMilliseconds)) ms")
                }
            } catch {
                // One solver's failure (say, a fixed step too large for V) does not lose the other rows: its
                // row says why, and the command exits non-zero after the table. The bench's trace files are
                // scratch files, deleted at the end, so only the reason is shown.
                let reason = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
                print("| \(spec) | — | failed: \(reason.replacingOccurrences(of: "|", with: "/")) | — | — | — | — | — | — | — |")
                failures.append("\(spec): \(reason)")
                continue
            }
            let median = median(walls)
            var childArgs = ["simulate", model, "--duration", String(duration), "--solver", solver.rawValue,
                             "--out", trace, "--json", "--quiet"]
            if let dt { childArgs += ["--dt", String(dt)] }
            if dense { childArgs += ["--linear-solver", "dense"] }
            let memory = peakMemory(childArgs)
            let r = last!
            let f = r.features
            let step = solver == .cvodeBDF || solver == .cvodeAdams ? "rtol 1e-6" + (dense ? ", dense LU" : "") : "\(r.dt!) ms"
            func fmt(_ x: Double?, _ d: Int) -> String { x.map { String(format: "%.\(d)f", $0) } ?? "—" }
            print("| \(spec) | \(step) | \(fmt(median, 1)) | \(fmt(duration / median, 0)) | \(r.statistics.steps) | \(r.statistics.rhsEvaluations) | \(fmt(memory, 1)) | \(fmt(f.intraburstFrequency, 3)) | \(fmt(f.interburstFrequency, 4)) | \(fmt(f.burstiness, 1)) |")
        }
        if memoryDuration > 0 {
            let m = peakMemory(["simulate", model, "--duration", String(memoryDuration), "--out", trace, "--json", "--quiet"])
            let size = (try? FileManager.default.attributesOfItem(atPath: trace)[.size] as? Int) ?? 0
            print("\nLong run: cvode-bdf, \(memoryDuration) ms with 0.1 ms samples to CSV (\(size / 1_000_000) MB file): peak memory \(m.map { String(format: "%.1f", $0) } ?? "—") MB.")
        }
        if !failures.isEmpty {
            throw fail("\(failures.count) of the solvers failed; their rows say why:\n  " + failures.joined(separator: "\n  "))
        }
    }

    /// A solver and its optional step from `NAME` or `NAME@DT` (ms); errors name `option`.
    func solverSpec(_ spec: String, option: String) throws -> (SolverChoice, Double?) {
        let parts = spec.trimmingCharacters(in: .whitespaces).split(separator: "@")
        guard let name = parts.first, let solver = SolverChoice(rawValue: String(name)), parts.count <= 2 else {
            throw fail("\(option): unknown solver '\(spec)' (cvode-bdf, cvode-adams, exp-euler[@DT], rk4[@DT])")
        }
        guard parts.count == 2 else { return (solver, nil) }
        guard let dt = Double(parts[1]), dt > 0, dt.isFinite else { throw fail("\(option): bad step in '\(spec)'") }
        return (solver, dt)
    }

    func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Cost of DIC evaluations (g_f, g_s, g_u at one V; the sensitivity matrix; a grid threshold).
    func benchDICs() throws {
        print("| model | DICs at one V (µs) | S(V) (µs) | grid threshold (ms) | exact threshold (ms) | CaS/A or CaL/CaN compensation at V_th (ms) |")
        print("|---|---|---|---|---|---|")
        for name in ["stg-bursting", "da-bursting"] {
            let calc = try DICCalculator(NamedModel.named(name)!.neuron())
            func time(_ n: Int, _ body: () throws -> Void) rethrows -> Double {
                var samples: [Double] = []
                for _ in 0..<repeats {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    for _ in 0..<n { try body() }
                    samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(n) / 1000)
                }
                return median(samples)
            }
            var sink = 0.0
            let d = time(2000) { sink += calc.dics(at: -50 + sink * 1e-300).gf }
            let s = time(2000) { sink += calc.sensitivity(at: -50 + sink * 1e-300).f[0] }
            // (The DA model has no grid crossing: the scan then covers the whole grid, which is what is timed.)
            let g = time(3) { sink += (try? calc.threshold(.grid, ignoringFixed: true).V) ?? 0 } / 1000
            let e = try time(3) { sink += try calc.threshold(.exact, ignoringFixed: true).V } / 1000
            let family = NeuronKind.of(calc.neuron)!
            let unknowns = family.modulatedPair
            let targets: [DICName: Double] = [.s: family.burstingTargets.gs, .u: family.burstingTargets.gu]
            let c = try time(3) { sink += try compensate(calc.neuron, unknowns: unknowns, targets: targets, at: .threshold(.grid)).residual } / 1000
            print(String(format: "| %@ | %.2f | %.2f | %.1f | %.1f | %.2f |", name, d, s, g, e, c))
            if sink.isNaN { print("") }
        }
        print("")
    }

    /// A population sweep with one worker and with every core.
    func benchSweep() throws {
        let p = try Population.generate(.stg, count: sweepCells, seed: 1)
        let cells = p.cells.enumerated().map { ($0.offset, $0.element) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var rates: [Int: Double] = [:]
        for jobs in [1, cores] {
            var request = SweepRequest(cells: cells, duration: duration)
            request.jobs = jobs
            let t0 = Date()
            let rows = sweep(request)
            let wall = Date().timeIntervalSince(t0)
            rates[jobs] = Double(rows.count) / wall
            printErr(String(format: "  sweep %d cells, %d job(s): %.1f s", rows.count, jobs, wall))
        }
        print(String(format: "Sweep of %d STG cells × %.0f ms (CVODE BDF): %.2f cells/s with 1 worker, %.2f cells/s with %d; speed-up %.2f×.\n",
                     sweepCells, duration, rates[1]!, rates[cores]!, cores, rates[cores]! / rates[1]!))
    }

    func benchExperiment(_ path: String, folder: String) throws {
        let e: Experiment
        do { e = try Experiment.load(path, profile: profile.flatMap(Profile.init(rawValue:))) } catch { throw fail("\(error)") }
        let count = min(cells ?? e.cells.count, e.cells.count)
        var walls: [Double] = [], memories: [Double] = []
        var summary: [String: Any] = [:]
        for i in 0..<repeats {
            let out = folder + "/experiment-\(i)"
            var arguments = ["run", path, "--out", out, "--quiet"]
            if let cells { arguments += ["--cells", "\(cells)"] }
            if let profile { arguments += ["--profile", profile] }
            let t0 = Date()
            guard let memory = peakMemory(arguments) else { throw fail("--experiment \(path): the run failed (try: ganglion \(arguments.joined(separator: " ")))") }
            walls.append(Date().timeIntervalSince(t0) * 1000)
            memories.append(memory)
            if let data = FileManager.default.contents(atPath: out + "/summary.json"),
               let o = try? JSONInput.parse(data) as? [String: Any] { summary = o }
            try? FileManager.default.removeItem(atPath: out)
            printErr(String(format: "  %@ run %d: %.2f s", e.name, i + 1, walls.last! / 1000))
        }
        let wall = median(walls)
        let simulated = e.request.duration * Double(count)
        var line = String(format: "Experiment %@, %@ profile (%d cell(s) × %.0f s simulated, %@ outputs): wall %.2f s (median of %d; range %.2f–%.2f s), %.0f× real time",
                          e.name, e.profile.rawValue, count, e.request.duration / 1000, e.traceInterval == nil ? "no trace" : "trace", wall / 1000, repeats,
                          walls.min()! / 1000, walls.max()! / 1000, simulated / wall)
        if e.isPopulation {
            line += String(format: ", %.1f cells/min with %d workers", Double(count) / (wall / 60000), ProcessInfo.processInfo.activeProcessorCount)
        } else if let steps = (summary["solver"] as? [String: Any])?["steps"] {
            line += ", \(steps) steps"
        }
        line += String(format: ", peak memory %.0f MB (max of runs).", memories.max()!)
        print(line + "\n")
    }

    /// Peak resident memory (MB) of `ganglion ARGS` run as a child process, or nil if it failed.
    func peakMemory(_ arguments: [String]) -> Double? {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { return nil }
        var status: Int32 = 0
        var usage = rusage()
        guard wait4(pid, &status, 0, &usage) == pid, status == 0 else { return nil }
        return Double(usage.ru_maxrss) / 1024   // ru_maxrss is in KiB on Linux
    }

    func machineName() -> String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let name = line.split(separator: ":").last else { return "unknown CPU" }
        return name.trimmingCharacters(in: .whitespaces)
    }
}
