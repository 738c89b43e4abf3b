import ArgumentParser
import Foundation
import Ganglion

struct PopulationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "population",
        abstract: "Generate a degenerate population with target DICs (Docs/science/dics.md §7).",
        discussion: """
        STG: free conductances (g_leak, CaT, CaS, Kd, KCa) drawn from the paper's distributions, then Na, A, H \
        solved for (g_f, g_s, g_u) = (−g_s − 2.2, 5, 4) at −50 mV. DA: g_leak, CaL, Kd (NMDA tied to g_leak), \
        then Na, CaN, ERG solved for (−3.89388 g_s − 11.05758, 0.5, 5) at −55.5 mV. Draws that solve to a \
        negative conductance are rejected and redrawn (and counted). Random stream: xoshiro256** seeded by \
        SplitMix64 from --seed.
        """)

    @Argument(help: "Family: stg or da.") var family: String
    @Option(help: "Number of cells.") var count: Int
    @Option(help: "Seed of the random stream (an unsigned 64-bit integer).") var seed: UInt64
    @Option(help: "Targets, e.g. gs=-2 (g_f follows the family's rule unless given; defaults as above).") var target: String?
    @Option(parsing: .unconditional, help: "Voltage of the solve (mV; default −50 STG, −55.5 DA).") var at: Double?
    @Option(help: "Solver variant: exact, paper or pnas.") var variant: CompensationVariant = .exact
    @Option(help: "Population file to write (JSON).") var out: String
    @Flag(help: "Print exactly one JSON object on stdout.") var json = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        output.apply()
        guard let recipe = Population.Recipe.named(family) else { throw fail("unknown family '\(family)' (known: \(Population.Recipe.all.map(\.kind.name).joined(separator: ", ")))") }
        guard count >= 1, count <= Population.maximumCount else { throw fail("--count \(count): must be between 1 and \(Population.maximumCount)") }
        if let at, !(at > -150 && at < 100) { throw fail("--at \(at): voltage outside −150…100 mV") }
        let targets = try target.map { t throws(ExitCode) in try parseTargets(t) } ?? [:]
        let start = Date()
        let p: Population
        do { p = try Population.generate(recipe, count: count, seed: seed, targets: targets, V: at, variant: variant) } catch {
            throw fail("\(error)")
        }
        do { try PopulationFile.write(p, to: out) } catch { throw fail("\(error)") }
        let wall = Date().timeIntervalSince(start) * 1000
        let t = Dictionary(uniqueKeysWithValues: p.targets.map { ($0.key.rawValue, $0.value) })
        if json {
            print(JSONOutput.string(["out": out, "kind": p.kind, "count": p.cells.count, "rejected": p.rejected,
                                     "seed": p.seed, "targets": t, "V": p.V, "variant": p.variant.rawValue, "wall_ms": wall] as [String: Any]))
        } else {
            print("wrote \(out): \(p.cells.count) \(p.kind) cells (seed \(p.seed), \(p.rejected) rejected draws), targets "
                  + p.targets.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) = \($0.value)" }.joined(separator: ", ")
                  + " at \(p.V) mV, in \(Int(wall)) ms")
        }
    }
}
