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
    @Option(help: "Simulated duration (ms).") var duration: Double = 15000
    @Option(help: "Timed runs per solver (the median is reported).") var repeats = 5
    @Option(help: "Solvers, comma-separated, each optionally with a step (exp-euler@0.05) or CVODE's dense linear solver (cvode-bdf/dense).")
    var solvers = "cvode-bdf,cvode-bdf/dense,cvode-adams,exp-euler@0.05,exp-euler@0.1,rk4@0.0015"
    @Option(name: .customLong("memory-duration"), help: "Duration (ms) of the long run whose peak memory is measured (0: skip).")
    var memoryDuration: Double = 300_000

    func run() throws {
        guard repeats >= 1 else { throw fail("--repeats \(repeats): must be ≥ 1") }
        guard duration > 0, duration.isFinite else { throw fail("--duration \(duration): must be > 0 ms") }
        let neuron: NeuronDescription
        do { neuron = try ModelFile.loadAny(model) } catch { throw fail("\(error)") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ganglion-bench-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trace = folder + "/trace.csv"

        print("Model \(neuron.name), \(duration) ms simulated, 0.1 ms output to CSV, median of \(repeats) runs.")
        print("Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(machineName()).\n")
        print("| solver | step | wall (ms, median) | × real time | steps | RHS evals | peak memory (MB) | f_intra (Hz) | f_inter (Hz) | burstiness (Hz²) |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for spec in solvers.split(separator: ",") {
            let dense = spec.hasSuffix("/dense")
            let parts = spec.replacingOccurrences(of: "/dense", with: "").split(separator: "@")
            guard let solver = SolverChoice(rawValue: String(parts[0])) else {
                throw fail("--solvers: unknown solver '\(parts[0])'")
            }
            let dt = parts.count > 1 ? Double(parts[1]) : nil
            var request = SimulationRequest(neuron: neuron, duration: duration)
            request.solver = solver
            request.dt = dt
            request.linearSolver = dense ? .dense : .structured
            request.tracePath = trace
            var walls: [Double] = []
            var last: SimulationReport?
            for _ in 0..<repeats {
                do { last = try simulate(request) } catch { throw fail("\(spec): \(error)") }
                walls.append(last!.wallMilliseconds)
                printErr("  \(spec): \(String(format: "%.1f", last!.wallMilliseconds)) ms")
            }
            walls.sort()
            let median = walls.count % 2 == 1 ? walls[walls.count / 2] : (walls[walls.count / 2 - 1] + walls[walls.count / 2]) / 2
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
