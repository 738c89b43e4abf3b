import ArgumentParser
import Foundation
import Ganglion

/// The options of the per-cell runs of `ganglion sweep` and `ganglion atlas`: duration, analysis window,
/// compensation settings, solver options, workers, shard and progress.
struct CellRunOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Simulated duration per cell (ms).") var duration: Double
    @Option(help: "Analysis window START:END (ms); default 3000 to the end.") var window: String?
    @Option(help: "Unknown conductances of the compensation (default: the family's modulated pair, CaS,A for STG, CaL,CaN for DA).") var unknowns: String?
    @Option(parsing: .unconditional, help: "Compensation voltage: mV or 'threshold' (default).") var at: String?
    @Option(help: "Compensation variant: exact, paper or pnas.") var variant: CompensationVariant = .exact
    @OptionGroup var solverOptions: SolverOverride
    @Option(help: "Worker threads (default: all cores).") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Run the I-th of N contiguous slices (0-based), e.g. 2/8; defaults from SLURM_ARRAY_TASK_ID/COUNT.")
    var shard: String?
    @Flag(help: "No progress on stderr.") var quiet = false

    /// Checks the duration and the workers; the solver settings they give, with a note on a fixed step.
    func solverSettings() throws(ExitCode) -> SolverSettings {
        guard duration > 0, duration.isFinite else { throw fail("--duration \(duration): must be > 0 ms") }
        guard jobs >= 1 else { throw fail("--jobs \(jobs): must be ≥ 1") }
        let settings: SolverSettings
        do { settings = try solverOptions.overrides.applied(to: SolverSettings()) } catch { throw fail(error.message) }
        noteStep(solverOptions.dt, outputInterval: SimulationRequest.defaultOutputInterval)
        return settings
    }

    /// The unknowns of the compensation: `--unknowns`, else the family's modulated pair of `cell`; nil if neither.
    func unknownNames(default cell: NeuronDescription) -> [String]? {
        unknowns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? NeuronKind.of(cell)?.modulatedPair
    }
}
