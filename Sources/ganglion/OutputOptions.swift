import Foundation
import ArgumentParser
import Ganglion

/// `--force`: what a command that writes files may replace (Docs/files.md).
struct OutputOptions: ParsableArguments {
    @Flag(help: "Replace existing files that are not Ganglion's own output (those not listed in their folder's .ganglion-outputs), and start over a folder that holds an interrupted run. A command's own input is never replaced.")
    var force = false

    /// Sets the process's output policy from the flag.
    func apply() { OutputPolicy.replacesForeignFiles = force }
}

/// Checks, before any work, that each output can be written: its folder exists or can be created and is
/// writable, and `OutputPolicy` allows replacing what is there (never the command's own input).
func checkOutputs(_ paths: String?...) throws(ExitCode) {
    for case let path? in paths {
        let folder = PathParts.folder(of: path)
        do {
            try OutputFolder.createFolders(folder.isEmpty ? "." : folder, for: path)
            try OutputPolicy.check(path)
        } catch { throw fail("\(error)") }
    }
}
