import Foundation

/// An output folder claimed by one writer for as long as this value lives.
///
/// The claim is an exclusive `flock` on `<folder>/.ganglion.lock`, which holds the claiming process's id.
/// A second run into the same folder fails at once with that id. The operating system drops the lock when
/// the process ends however it ends, so a lock file left by a killed run is stale and is simply taken over.
/// While it holds the claim, a run removes the scratch files (`.<name>.<pid>-<tag>.tmp`) that killed
/// processes left in the folder; nothing else is ever removed.
public final class OutputFolder: @unchecked Sendable {
    /// The folder's path, as given.
    public let path: String
    private let fd: Int32
    /// The name of the lock file in a claimed folder.
    public static let lockName = ".ganglion.lock"

    /// Creates the folder (and its parents) if missing and claims it.
    public init(claiming path: String) throws(IOError) {
        self.path = path
        try Self.createFolders(path, for: path)
        let lock = path + "/" + Self.lockName
        let fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw IOError(file: path, message: "cannot write in this folder (\(String(cString: strerror(errno))))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw IOError(file: lock, message: "is not a regular file")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.holder(fd)
            close(fd)
            throw IOError(file: path, message: "is being written by another Ganglion process\(holder.map { " (pid \($0))" } ?? ""): one run per output folder; wait for it to end, or choose another folder")
        }
        self.fd = fd
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBufferPointer { pwrite(fd, $0.baseAddress, $0.count, 0) }
        removeOrphanScratchFiles()
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// The path of `name` inside the folder; `name` must be a plain file name (`FileName.problem`).
    public func file(_ name: String) -> String { path + "/" + name }

    /// The process id written in a lock file (nil if unreadable).
    static func holder(_ fd: Int32) -> Int? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int(String(decoding: bytes[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Removes scratch files of processes that no longer run (a killed run's unfinished atomic writes), in the
    /// folder and in the folders of a population's cells (`cells/<index>/`) or circuits (`circuits/<k>/`).
    func removeOrphanScratchFiles() {
        var folders = [path]
        for members in ["cells", "circuits"] {
            let sub = path + "/" + members
            for name in (try? FileManager.default.contentsOfDirectory(atPath: sub)) ?? [] { folders.append(sub + "/" + name) }
        }
        for folder in folders {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
                // `.<name>.<pid>-<tag>.tmp`
                let parts = name.dropLast(4).split(separator: ".")
                guard let last = parts.last, let dash = last.firstIndex(of: "-"), let pid = Int32(last[..<dash]) else { continue }
                if pid != getpid(), kill(pid, 0) != 0, errno == ESRCH { unlink(folder + "/" + name) }
            }
        }
    }

    /// Creates `folder` and its parents if missing, with an error naming the part that is in the way.
    /// - Parameter output: the output the folder is for (named in errors).
    public static func createFolders(_ folder: String, for output: String) throws(IOError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw IOError(file: folder, message: "is a file, not a folder: cannot write \(output) there") }
            guard access(folder, W_OK | X_OK) == 0 else {
                throw IOError(file: folder, message: "cannot write in this folder (\(String(cString: strerror(errno))))")
            }
            return
        }
        let parent = PathParts.folder(of: folder)
        if !parent.isEmpty, parent != folder { try createFolders(parent, for: output) }
        if mkdir(folder, 0o755) != 0, errno != EEXIST {
            throw IOError(file: folder, message: "cannot create the folder (\(String(cString: strerror(errno))))")
        }
    }
}
