import Foundation
import PackagePlugin

/// Generates `GeneratedCommit.swift` for the target it is applied to: the git commit the package is built from,
/// read from `.git` by `GanglionCommitReader` (no `git` program needed), or "unknown" outside a git checkout.
/// The command's inputs are the files that name the commit (HEAD, the branch's ref or packed-refs), so a new
/// commit or a checkout regenerates it.
@main
struct GanglionCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "GeneratedCommit.swift")
        return [.buildCommand(displayName: "Reading the git commit of \(root.lastPathComponent)",
                              executable: try context.tool(named: "GanglionCommitReader").url,
                              arguments: [root.path, output.path],
                              inputFiles: GitFiles.inputs(root: root),
                              outputFiles: [output])]
    }
}

/// The files of a checkout whose change means another commit.
enum GitFiles {
    static func inputs(root: URL) -> [URL] {
        guard let git = gitDirectory(root: root) else { return [] }
        let common = commonDirectory(git)
        var files = [git.appending(path: "HEAD")]
        if let head = try? String(contentsOf: git.appending(path: "HEAD"), encoding: .utf8),
           head.hasPrefix("ref: ") {
            let ref = head.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)
            for base in [git, common] where FileManager.default.fileExists(atPath: base.appending(path: ref).path) {
                files.append(base.appending(path: ref))
            }
        }
        let packed = common.appending(path: "packed-refs")
        if FileManager.default.fileExists(atPath: packed.path) { files.append(packed) }
        return files
    }

    /// `.git` itself, or the folder a worktree's `.git` file points at.
    static func gitDirectory(root: URL) -> URL? {
        let dotGit = root.appending(path: ".git")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path, isDirectory: &isFolder) else { return nil }
        if isFolder.boolValue { return dotGit }
        guard let text = try? String(contentsOf: dotGit, encoding: .utf8), text.hasPrefix("gitdir: ") else { return nil }
        let path = text.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appending(path: path)
    }

    /// A worktree's shared repository folder (its `commondir`), else the git folder itself.
    static func commonDirectory(_ git: URL) -> URL {
        guard let text = try? String(contentsOf: git.appending(path: "commondir"), encoding: .utf8) else { return git }
        let path = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : git.appending(path: path).standardizedFileURL
    }
}
