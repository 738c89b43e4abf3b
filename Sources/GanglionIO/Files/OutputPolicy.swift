import Foundation
import Synchronization

/// What Ganglion may replace when it puts a finished file in place.
///
/// - A command's own input (any file read through Ganglion's loaders in this process, compared by device and
///   inode) is never replaced, not even with `--force`.
/// - A file that exists and is not Ganglion's own output is replaced only with `--force`
///   (`replacesForeignFiles`). Ganglion's own outputs are the files it has put in a folder, listed by name in
///   that folder's `.ganglion-outputs` (one name per line, appended as each file is committed).
/// - A folder, a device or anything but a regular file or a symbolic link is never replaced.
public enum OutputPolicy {
    struct State {
        var force = false
        var inputs: [(device: UInt64, inode: UInt64, path: String)] = []
    }
    static let state = Mutex(State())

    /// The name of the list of Ganglion's own outputs kept in each folder it writes to.
    public static let manifestName = ".ganglion-outputs"

    /// Whether files that are not Ganglion's own output may be replaced (`--force`); default false.
    public static var replacesForeignFiles: Bool {
        get { state.withLock { $0.force } }
        set { state.withLock { $0.force = newValue } }
    }

    /// Marks `path` as an input of this process: it is never replaced by an output.
    public static func protectInput(_ path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        state.withLock { $0.inputs.append((UInt64(st.st_dev), UInt64(st.st_ino), path)) }
    }

    /// Whether an output may be written to `path`; throws the reason if not. Call it before any work is done
    /// for that output, so a refusal costs nothing; `place` checks again when the file is complete.
    public static func check(_ path: String) throws(IOError) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }   // nothing there
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFREG || kind == S_IFLNK else {
            throw IOError(file: path, message: kind == S_IFDIR ? "is a folder: cannot write a file there" : "is not a regular file: cannot replace it")
        }
        var target = stat()
        if stat(path, &target) == 0 {
            let (device, inode) = (UInt64(target.st_dev), UInt64(target.st_ino))
            // An input still under its path (an inode of a deleted input may have been reused by another file).
            func stillThere(_ input: (device: UInt64, inode: UInt64, path: String)) -> Bool {
                var now = stat()
                return stat(input.path, &now) == 0 && UInt64(now.st_dev) == input.device && UInt64(now.st_ino) == input.inode
            }
            if let input = state.withLock({ $0.inputs.first { $0.device == device && $0.inode == inode } }), stillThere(input) {
                throw IOError(file: path, message: "is this command's input (\(input.path)): an output never replaces its input; choose another output name")
            }
        }
        if replacesForeignFiles || isOwnOutput(path) { return }
        throw IOError(file: path, message: "exists and is not a file Ganglion wrote there (not listed in \(manifestName)): give --force to replace it, or choose another output")
    }

    /// Moves the finished file `temporary` to `path` (same folder), if `check(path)` allows it, and lists
    /// `path` as Ganglion's own output.
    public static func place(_ temporary: String, at path: String) throws(IOError) {
        try check(path)
        // Listed first: a kill between the two leaves a listed name, never an unlisted file of Ganglion's.
        record(path)
        FaultInjection.point()
        guard rename(temporary, path) == 0 else {
            throw IOError(file: path, message: "cannot rename \(temporary) into place (\(String(cString: strerror(errno))))")
        }
        FaultInjection.point()
    }

    /// Whether `path` is listed as Ganglion's output in its folder's manifest.
    public static func isOwnOutput(_ path: String) -> Bool {
        let (folder, name) = split(path)
        guard let list = readManifest(folder) else { return false }
        return list.contains(name)
    }

    /// Lists `path` in its folder's manifest (once). Failing to list it is not an error: the file is written.
    public static func record(_ path: String) {
        let (folder, name) = split(path)
        guard !name.contains("\n") else { return }
        let fd = open(folder + "/" + manifestName, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { return }
        defer { flock(fd, LOCK_UN) }
        if let list = readManifest(folder), list.contains(name) { return }
        let line = Array((name + "\n").utf8)
        _ = line.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    static func readManifest(_ folder: String) -> Set<String>? {
        let fd = open(folder + "/" + manifestName, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 14)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > 1 << 24 { break }
        }
        return Set(String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    static func split(_ path: String) -> (folder: String, name: String) {
        let folder = PathParts.folder(of: path)
        return (folder.isEmpty ? "." : folder, PathParts.name(of: path))
    }
}
