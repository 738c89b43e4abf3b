import Foundation

/// A file written through a temporary name and renamed into place only when complete, so a reader
/// never sees a half-written file. Buffered; memory stays bounded whatever the amount written.
///
/// Safety: the temporary file is created exclusively (`O_EXCL`) and never through a symbolic link
/// (`O_NOFOLLOW`); a scratch name is unique (`.<name>.<pid>-<random>.tmp`). The final rename goes through
/// `OutputPolicy`, which refuses to replace a command's own input, or a file that is not Ganglion's own
/// output unless `--force` was given. A writer that is never committed leaves a resumable `.partial` file
/// in place (it may hold hours of a run) and removes only a scratch file.
public final class AtomicFileWriter {
    /// The final path, where the file appears when committed.
    public let path: String
    /// Where the file is written until `commit()`.
    public let temporaryPath: String
    /// Whether the temporary file is a resumable `.partial` (kept on failure) rather than a scratch file.
    let isPartial: Bool
    private var fd: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0
    private let capacity = 1 << 16
    /// Bytes written to the descriptor so far (the file's size once the buffer is flushed).
    private var offset = 0

    /// Starts a file that appears at `path` when committed.
    /// - Parameter partial: write it as `<path>.partial`, a name that an interrupted run can reopen
    ///   (`init(resuming:…)`); an existing `.partial` is refused (it may be another run's) unless
    ///   `replacingPartial`. Otherwise the file is written under a unique scratch name in the same folder.
    public init(path: String, partial: Bool = false, replacingPartial: Bool = false) throws {
        self.path = path
        isPartial = partial
        let folder = PathParts.folder(of: path)
        try OutputFolder.createFolders(folder.isEmpty ? "." : folder, for: path)
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        if partial {
            let name = path + ".partial"
            if replacingPartial { _ = unlink(name) }
            let d = open(name, flags, 0o644)
            guard d >= 0 else {
                if errno == EEXIST { throw Self.partialExists(name) }
                throw IOError(file: name, message: "cannot create (\(String(cString: strerror(errno))))")
            }
            (fd, temporaryPath) = (d, name)
        } else {
            var made: (Int32, String)?
            let base = PathParts.name(of: path)
            for _ in 0..<16 {
                let candidate = (folder.isEmpty ? "" : folder + "/") + ".\(base).\(getpid())-\(Self.randomTag()).tmp"
                let d = open(candidate, flags, 0o644)
                if d >= 0 { made = (d, candidate); break }
                guard errno == EEXIST else {
                    throw IOError(file: path, message: "cannot create a file in \(folder.isEmpty ? "." : folder) (\(String(cString: strerror(errno))))")
                }
            }
            guard let made else { throw IOError(file: path, message: "cannot create a unique temporary file next to it") }
            (fd, temporaryPath) = made
        }
        buffer = .allocate(capacity: capacity)
    }

    /// Reopens an unfinished file (`<path>.partial`) to go on writing it after its first `size` bytes
    /// (what `synchronize()` returned at a checkpoint); anything after them (rows written after the
    /// checkpoint, or a line cut off by a kill) is discarded. A symbolic link or a non-regular file is refused.
    public init(resuming path: String, size: Int) throws {
        self.path = path
        temporaryPath = path + ".partial"
        isPartial = true
        let d = open(temporaryPath, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
        guard d >= 0 else {
            throw IOError(file: temporaryPath, message: "cannot reopen to resume (\(String(cString: strerror(errno))))")
        }
        var st = stat()
        guard fstat(d, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(d)
            throw IOError(file: temporaryPath, message: "not a regular file: cannot resume")
        }
        guard Int(st.st_size) >= size else {
            close(d)
            throw IOError(file: temporaryPath, message: "shorter (\(st.st_size) bytes) than at the checkpoint (\(size) bytes): cannot resume; the file is left as it is")
        }
        guard ftruncate(d, off_t(size)) == 0, lseek(d, off_t(size), SEEK_SET) == off_t(size) else {
            let e = errno
            close(d)
            throw IOError(file: temporaryPath, message: "cannot truncate to \(size) bytes (\(String(cString: strerror(e))))")
        }
        fd = d
        offset = size
        buffer = .allocate(capacity: capacity)
    }

    /// Writes everything buffered to the disk and returns the file's size (bytes), for a checkpoint.
    public func synchronize() throws -> Int {
        try flush()
        return offset
    }

    deinit {
        if fd >= 0 {
            if isPartial { try? flush() }   // what was given is kept, in whole lines as it was given
            close(fd)
            // A scratch file is incomplete and useless; a `.partial` may be resumed: it stays.
            if !isPartial { unlink(temporaryPath) }
        }
        buffer.deallocate()
    }

    /// Appends text.
    public func write(_ s: String) throws {
        var s = s
        try s.withUTF8 { try write(bytes: $0) }
    }

    /// Appends raw bytes.
    public func write(bytes: UnsafeBufferPointer<UInt8>) throws {
        guard fd >= 0 else { throw IOError(file: path, message: "already closed") }
        if count + bytes.count > capacity { try flush() }
        if bytes.count > capacity {
            try writeAll(bytes.baseAddress!, bytes.count)
            return
        }
        (buffer + count).update(from: bytes.baseAddress!, count: bytes.count)
        count += bytes.count
    }

    private func writeAll(_ p: UnsafePointer<UInt8>, _ n: Int) throws {
        var done = 0
        while done < n {
            let r = Glibc.write(fd, p + done, n - done)
            if r < 0 {
                if errno == EINTR { continue }
                throw IOError(file: temporaryPath, message: "write failed (\(String(cString: strerror(errno))))")
            }
            done += r
            offset += r
        }
    }

    private func flush() throws {
        guard fd >= 0 else { throw IOError(file: path, message: "already closed") }
        let n = count
        count = 0
        try writeAll(buffer, n)
    }

    private func closeFile() throws {
        try flush()
        let r = close(fd)
        fd = -1
        guard r == 0 else { throw IOError(file: temporaryPath, message: "close failed (\(String(cString: strerror(errno))))") }
    }

    /// Writes `data` to `path` in one go: complete or not at all.
    public static func write(_ data: Data, to path: String) throws {
        let w = try AtomicFileWriter(path: path)
        try data.withUnsafeBytes { try w.write(bytes: $0.bindMemory(to: UInt8.self)) }
        try w.commit()
    }

    /// Completes the file and moves it to `path`, or to `other` (e.g. `<path>.partial` for an interrupted
    /// table), if `OutputPolicy` allows replacing what is there.
    public func commit(as other: String? = nil) throws {
        do { try closeFile() } catch {
            if !isPartial { unlink(temporaryPath) }
            throw error
        }
        do { try OutputPolicy.place(temporaryPath, at: other ?? path) } catch {
            // The complete file stays where it is (a `.partial` under its name; a scratch file is removed).
            if !isPartial { unlink(temporaryPath) }
            throw error
        }
    }

    /// Closes the file and keeps what was written under its temporary name if that is a `.partial`
    /// (returned), or removes a scratch file (nil).
    @discardableResult
    public func abandon() -> String? {
        if fd >= 0 { try? flush(); close(fd); fd = -1 }
        if isPartial { return temporaryPath }
        unlink(temporaryPath)
        return nil
    }

    /// The error for a `.partial` file that is already there when a new run starts: it may be another run's.
    public static func partialExists(_ name: String) -> IOError {
        IOError(file: name, message: "exists (an unfinished file of an interrupted run): resume that run (ganglion run --resume DIR), or move the file away, or give --force to replace it")
    }

    /// A random tag for scratch names.
    static func randomTag() -> String {
        String(UInt64.random(in: 0..<UInt64.max), radix: 36)
    }
}

/// A file-system failure, naming the file.
public struct IOError: Error, CustomStringConvertible {
    /// The file concerned.
    public var file: String
    /// What failed.
    public var message: String
    /// A failure on `file`, described by `message`.
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
    /// The file and the message, as `file: message`.
    public var description: String { "\(file): \(message)" }
}
