import Foundation
import Ganglion

extension Bench {
    /// Random inhibitory networks of STG cells (population cells modulated to (g_s, g_u) = (−8, 4) at their
    /// thresholds, each receiving `inDegree` graded synapses of 0.3 mS/cm² from random other cells): wall
    /// time per simulated second against the number of cells, and the fitted growth exponent.
    func benchNetworkSizes(_ sizes: [Int]) throws {
        guard let largest = sizes.max(), sizes.allSatisfy({ $0 >= 2 }) else { throw fail("--network-sizes: every size must be ≥ 2") }
        printErr("generating \(largest) bursting STG cells…")
        var pool: [NeuronDescription] = []
        var drawn = 0
        while pool.count < largest {
            let batch = try Population.generate(.stg, count: drawn + largest, seed: 11).cells.dropFirst(drawn)
            drawn += batch.count
            for c in batch where pool.count < largest {
                let stg = NeuronKind.stg
                if let m = try? compensate(c, unknowns: stg.modulatedPair, targets: [.s: stg.burstingTargets.gs, .u: stg.burstingTargets.gu],
                                           at: .threshold(.grid)).neuron { pool.append(m) }
            }
        }
        let inDegree = 2
        print("Random inhibitory networks of STG cells (g_s = −8, g_u = 4; \(inDegree) graded synapses of 0.3 mS/cm² onto each cell), \(duration) ms simulated, no trace; median of \(repeats).\n")
        print("| solver | cells | states | wall (s, median) | wall per simulated s (s) | per cell and simulated s (ms) | steps | µs per step |")
        print("|---|---|---|---|---|---|---|---|")
        var fits: [String] = []
        let choices = try networkSolvers.split(separator: ",").map { spec in
            let local = spec.hasSuffix("/local")
            let (solver, dt) = try solverSpec(String(local ? spec.dropLast(6) : spec), option: "--network-solvers")
            if local && !(solver == .cvodeBDF || solver == .cvodeAdams) { throw fail("--network-solvers: /local applies to CVODE (\(spec))") }
            return (solver, dt ?? solver.defaultStep, local)
        }
        for (solver, dt, local) in choices {
            var points: [(Double, Double)] = [], stepPoints: [(Double, Double)] = []
            for n in sizes {
                var g = SplitMix(seed: UInt64(n))
                var cells: [NetworkDescription.Cell] = []
                for i in 0..<n {
                    var c = pool[i]
                    c.initialVoltage = -60 + 10 * (g.uniform() - 0.5)
                    cells.append(.init(name: "n\(i)", neuron: c))
                }
                var synapses: [ChemicalSynapse] = []
                for post in 0..<n {
                    var sources = Set<Int>()
                    while sources.count < min(inDegree, n - 1) {
                        let pre = Int(g.uniform() * Double(n)) % n
                        if pre != post { sources.insert(pre) }
                    }
                    for pre in sources.sorted() { synapses.append(ChemicalSynapse(from: "n\(pre)", to: "n\(post)", gbar: 0.3)) }
                }
                let network = NetworkDescription(cells: cells, synapses: synapses)
                var request = NetworkRequest(network: network, duration: duration)
                request.solver = solver
                request.dt = dt
                request.solverSettings.localSteps = local
                var walls: [Double] = []
                var last: NetworkReport?
                for _ in 0..<repeats {
                    do { last = try simulateNetwork(request) } catch { throw fail("\(n) cells: \(error)") }
                    walls.append(last!.wallMilliseconds / 1000)
                    printErr(String(format: "  %@%@, %d cells: %.2f s", solver.rawValue, local ? "/local" : "", n, last!.wallMilliseconds / 1000))
                }
                let wall = median(walls)
                let perSecond = wall / (duration / 1000)
                points.append((log(Double(n)), log(perSecond)))
                stepPoints.append((log(Double(n)), log(Double(last!.statistics.steps))))
                let states = try network.compile().dimension
                let name = solver.rawValue + (dt.map { "@\($0)" } ?? "") + (local ? "/local" : "")
                print(String(format: "| %@ | %d | %d | %.2f | %.3f | %.1f | %d | %.2f |", name, n, states, wall, perSecond, 1000 * perSecond / Double(n),
                             last!.statistics.steps, wall * 1e6 / Double(last!.statistics.steps)))
            }
            func slope(_ p: [(Double, Double)]) -> Double {
                let mx = p.map(\.0).reduce(0, +) / Double(p.count), my = p.map(\.1).reduce(0, +) / Double(p.count)
                return p.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +) / p.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
            }
            if points.count >= 2 {
                fits.append(String(format: "%@: wall ∝ N^%.2f (steps ∝ N^%.2f, cost per step ∝ N^%.2f)", solver.rawValue + (local ? "/local" : ""),
                                   slope(points), slope(stepPoints), slope(points) - slope(stepPoints)))
            }
        }
        print("\nFitted growth exponents (least squares on log–log, wall per simulated second against cells):")
        for f in fits { print("- " + f) }
    }

    /// A network file with its own solver (median of --repeats), then exponential Euler at `eulerStep` over
    /// `span` ms, extrapolated to the file's duration.
    func benchNetworkFile(_ path: String, eulerStep: Double, span: Double) throws {
        var e: NetworkExperiment
        do { e = try NetworkExperiment.load(path, profile: profile.flatMap(Profile.init(rawValue:))) } catch { throw fail("\(error)") }
        e.request.tracePath = nil
        e.request.conductancesPath = nil
        var walls: [Double] = []
        var last: NetworkReport?
        for _ in 0..<repeats {
            do { last = try simulateNetwork(e.request) } catch { throw fail("\(e.name): \(error)") }
            walls.append(last!.wallMilliseconds / 1000)
            printErr(String(format: "  %@: %.2f s", e.name, last!.wallMilliseconds / 1000))
        }
        let wall = median(walls)
        print(String(format: "Network %@ (%d cells, %.0f s simulated, %@, no trace): wall %.2f s (median of %d; range %.2f–%.2f s), %.1f× real time, %d steps",
                     e.name, e.request.network.cells.count, e.request.duration / 1000, e.request.solver.rawValue, wall, repeats,
                     walls.min()!, walls.max()!, e.request.duration / 1000 / wall, last!.statistics.steps))
        var fixed = e.request
        fixed.solver = .expEuler
        fixed.dt = eulerStep
        fixed.duration = span
        fixed.events = fixed.events.filter { $0.time <= span }
        fixed.windows = [0...span]
        let r: NetworkReport
        do { r = try simulateNetwork(fixed) } catch { throw fail("\(e.name), exp-euler: \(error)") }
        let perMs = r.wallMilliseconds / 1000 / span
        print(String(format: "  exp-euler at dt = %g ms over %.0f ms: %.2f s wall → %.0f s extrapolated to %.0f s simulated (%.0f steps per simulated ms; %.2f µs per step)",
                     eulerStep, span, r.wallMilliseconds / 1000, perMs * e.request.duration, e.request.duration / 1000, 1 / eulerStep,
                     r.wallMilliseconds * 1000 / Double(r.statistics.steps)))
    }
}

/// A small seeded generator for the benchmark's random wiring.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
}
