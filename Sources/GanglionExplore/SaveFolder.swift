import Foundation
import Ganglion

/// The one folder the explorer writes to (the model's folder, or the current or `--output` folder), and the
/// rules of every write there: a plain name the user typed (no `/`, no `..`, no leading dot, no control
/// character), never through a symbolic link, never over an existing file unless asked — and then only over a
/// file Ganglion wrote there (`OutputPolicy`), never over the explorer's input. Files are written to an
/// exclusive temporary file (`O_EXCL | O_NOFOLLOW`) and renamed into place (`AtomicFileWriter`).
public struct SaveFolder: Sendable {
    /// The folder's real path (symbolic links resolved when the explorer starts).
    public let path: String

    /// The folder at `path`, which must exist.
    public init(_ path: String) throws(ExploreError) {
        guard let real = realpath(path, nil) else {
            throw .badRequest("\(path): no such folder (\(String(cString: strerror(errno))))")
        }
        defer { free(real) }
        let resolved = String(cString: real)
        var st = stat()
        guard stat(resolved, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { throw .badRequest("\(path): not a folder") }
        self.path = resolved
    }

    /// The path inside the folder for the name the user typed, with `fileExtension` added when missing;
    /// refused if the name is not a plain file name, or if something is there and `overwrite` is false (a
    /// symbolic link or a non-file is refused even then).
    public func target(_ name: String, fileExtension: String, overwrite: Bool) throws(ExploreError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if let problem = Self.nameProblem(trimmed) { throw .badRequest("file name '\(name)' \(problem)") }
        let file = trimmed.hasSuffix("." + fileExtension) ? trimmed : trimmed + "." + fileExtension
        if file.utf8.count > 255 { throw .badRequest("file name '\(name)' is longer than 255 bytes") }
        let full = path == "/" ? "/" + file : path + "/" + file
        var st = stat()
        if lstat(full, &st) == 0 {
            let kind = st.st_mode & S_IFMT
            if kind == S_IFLNK { throw .badRequest("\(file) is a symbolic link: the explorer never writes through one; choose another name") }
            guard kind == S_IFREG else { throw .badRequest("\(file) exists and is not a regular file; choose another name") }
            guard overwrite else { throw .conflict("\(file) exists in \(path): tick 'overwrite' to replace it, or choose another name") }
        }
        return full
    }

    /// Why `name` cannot be a file name inside the folder, or nil: it must be a plain name (no `/` or `\`),
    /// not start with a dot (no `..`, no hidden files), hold no `..` and no control character.
    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty: type a file name" }
        if name.hasPrefix("/") { return "is an absolute path: type a plain file name (files are saved in the model's folder)" }
        if name.contains("/") || name.contains("\\") { return "holds a '/' or '\\': type a plain file name (files are saved in the model's folder)" }
        if name.contains("..") { return "holds '..': type a plain file name" }
        if name.hasPrefix(".") { return "starts with a dot: type a visible file name" }
        if let p = FileName.problem(name) { return p }
        return nil
    }

    /// Writes `neuron` as a model file named `name` (`.json` added when missing); returns the file's name.
    public func saveModel(_ neuron: NeuronDescription, name: String, overwrite: Bool, source: String) throws(ExploreError) -> String {
        let path = try target(name, fileExtension: "json", overwrite: overwrite)
        do { try ModelFile.write(neuron, to: path, source: source) } catch { throw .failed("\(error)") }
        return PathParts.name(of: path)
    }
}
