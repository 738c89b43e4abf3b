import ArgumentParser
import Foundation
import Ganglion
import Synchronization

/// Set by SIGINT/SIGTERM; long runs stop at the next sample or cell and keep what they computed.
let interruptRequested = Atomic<Bool>(false)

/// Installs the SIGINT/SIGTERM handler and returns the stop predicate for long runs.
func installInterruptHandler() -> @Sendable () -> Bool {
    signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) }
    signal(SIGTERM) { _ in interruptRequested.store(true, ordering: .relaxed) }
    // A parent may have started us with these signals blocked (they would then never arrive): unblock them.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
    return { interruptRequested.load(ordering: .relaxed) }
}

@main
struct GanglionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ganglion",
        abstract: "Conductance-based neuron simulation: STG neurons, CVODE, firing analysis.",
        version: Provenance.versionLine,
        subcommands: [Simulate.self, ClampCommand.self, FICommand.self, Run.self, NetworkCommand.self, PlotCommand.self, Analyze.self, DICs.self, Compensate.self, PopulationCommand.self, SweepCommand.self, AtlasCommand.self, Merge.self, Export.self, Import.self, Bench.self, Models.self, ExploreCommand.self])

    /// A file-size limit (`ulimit -f`) makes writes fail with an error to report, instead of a SIGXFSZ that kills.
    static func main() {
        signal(SIGXFSZ, SIG_IGN)
        main(nil)
    }
}

/// Prints `message` to stderr as an error and exits non-zero.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(1)
}

func printErr(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Parses `START:END` (ms).
func parseWindow(_ text: String?) throws(ExitCode) -> ClosedRange<Double>? {
    guard let text else { return nil }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, let a = Double(parts[0]), let b = Double(parts[1]), a.isFinite, b.isFinite, b > a else {
        throw fail("--window '\(text)': expected START:END in ms with END > START, e.g. 3000:15000")
    }
    return a...b
}

extension SolverChoice: ExpressibleByArgument {}
extension CVODEOptions.LinearSolver: ExpressibleByArgument {}

/// A progress line for long runs on stderr: simulated time, speed (× real time) and ETA.
func progressReporter(duration: Double) -> @Sendable (Double) -> Void {
    let start = Date()
    return { t in
        let elapsed = Date().timeIntervalSince(start)
        let speed = elapsed > 0 ? t / 1000 / elapsed : 0
        let eta = t > 0 ? elapsed * (duration - t) / t : 0
        FileHandle.standardError.write(Data(String(format: "\r%5.1f %%  t = %.1f s  %.0f× real time  ETA %.0f s   ",
                                                   100 * t / duration, t / 1000, speed, eta).utf8))
    }
}

/// An error as one readable line: Foundation's file errors as their path and reason (from the underlying
/// system error when there is one), never as a raw `NSCocoaErrorDomain` dump; other errors as they describe themselves.
func describe(_ error: any Error) -> String {
    let ns = error as NSError
    guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return "\(error)" }
    let path = ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
    var reason: String
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        reason = String(cString: strerror(Int32(underlying.code)))
    } else if ns.domain == NSPOSIXErrorDomain {
        reason = String(cString: strerror(Int32(ns.code)))
    } else {
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file or folder"
        case .fileWriteNoPermission, .fileReadNoPermission: reason = "permission denied"
        case .fileWriteOutOfSpace: reason = "no space left on the device"
        case .fileWriteVolumeReadOnly: reason = "read-only file system"
        case .fileWriteFileExists: reason = "a file of that name exists"
        case .fileReadCorruptFile: reason = "not in the expected format"
        case .fileReadInapplicableStringEncoding: reason = "not UTF-8 text"
        default: reason = path.flatMap(folderProblem) ?? "file operation failed (code \(ns.code))"
        }
    }
    return path.map { "\($0): \(reason)" } ?? reason
}

/// Why files cannot be created at `path`: an ancestor that is a file, or the nearest existing folder not
/// writable; nil when neither.
func folderProblem(_ path: String) -> String? {
    var url = URL(fileURLWithPath: path).standardizedFileURL
    var ancestors: [String] = []
    while url.path != "/" { ancestors.append(url.path); url.deleteLastPathComponent() }
    for a in ancestors.reversed() {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: a, isDirectory: &isFolder) else {
            let parent = URL(fileURLWithPath: a).deletingLastPathComponent().path
            return access(parent, W_OK) == 0 ? nil : "the folder \(parent) is not writable"
        }
        if !isFolder.boolValue { return a == ancestors.first ? nil : "\(a) is a file, not a folder" }
    }
    return access(path, W_OK) == 0 ? nil : "\(path) is not writable"
}
