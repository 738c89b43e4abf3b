import Foundation
import GanglionBuildInfo

/// Which Ganglion made a result file, how, and where: recorded in every summary, run record, network
/// summary and NWB file (`"provenance"` in JSON; `/general/source_script` in NWB).
public struct Provenance: Sendable, Equatable {
    /// Ganglion's version (`BuildInfo.version`).
    public var version: String
    /// The git commit the program was built from, or "unknown".
    public var commit: String
    /// The command line, one argument per element (the program as invoked first).
    public var commandLine: [String]
    /// The operating system's name and release (e.g. "Linux 6.8.0").
    public var operatingSystem: String
    /// The processor architecture (e.g. "x86_64", "aarch64").
    public var architecture: String

    /// This process: this build's version and commit, its command line, the machine it runs on.
    public static var current: Provenance {
        var u = utsname()
        uname(&u)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        return Provenance(version: BuildInfo.version, commit: BuildInfo.commit, commandLine: CommandLine.arguments,
                          operatingSystem: "\(text(u.sysname)) \(text(u.release))", architecture: text(u.machine))
    }

    /// `ganglion 0.19.0 (commit 1a2b…)`: what `ganglion --version` prints.
    public static var versionLine: String { "ganglion \(BuildInfo.version) (commit \(BuildInfo.commit))" }

    /// The JSON object: `ganglion_version`, `commit`, `command_line` (array), `platform` {`os`, `architecture`}.
    public var jsonObject: [String: Any] {
        ["ganglion_version": version, "commit": commit, "command_line": commandLine,
         "platform": ["os": operatingSystem, "architecture": architecture]]
    }

    /// The command line as one shell-readable line (arguments with spaces or quotes are single-quoted).
    public var commandLineText: String {
        commandLine.map { a in
            a.isEmpty || a.contains(where: { " \t\n'\"\\$`*?;&|<>()[]{}#~".contains($0) })
                ? "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'" : a
        }.joined(separator: " ")
    }
}
