import Foundation

/// A file written through a temporary name and renamed into place only when complete, so a reader
/// never sees a half-written file. Buffered; memory stays bounded whatever the amount written.
public final class AtomicFileWriter {
    /// The final path, where the file appears when committed.
    public let path: String
    let temporaryPath: String
    private var handle: UnsafeMutablePointer<FILE>?
    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0
    private let capacity = 1 << 16

    /// - Parameter temporaryPath: where the file is written until `commit()` (default `<path>.tmp-<pid>`);
    ///   a fixed name (`<path>.partial`) lets an interrupted run be resumed (`init(resuming:…)`).
    public init(path: String, temporaryPath: String? = nil) throws {
        self.path = path
        self.temporaryPath = temporaryPath ?? path + ".tmp-\(getpid())"
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: folder) {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw IOError(file: path, message: "cannot create the folder \(folder)")
            }
        }
        guard let h = fopen(self.temporaryPath, "w") else {
            throw IOError(file: path, message: "cannot create (\(String(cString: strerror(errno))))")
        }
        handle = h
        buffer = .allocate(capacity: capacity)
    }

    /// Reopens an unfinished file (`temporaryPath`) to go on writing it after its first `size` bytes
    /// (what `synchronize()` returned at a checkpoint); anything after them is discarded.
    public init(resuming path: String, temporaryPath: String, size: Int) throws {
        self.path = path
        self.temporaryPath = temporaryPath
        guard let h = fopen(temporaryPath, "r+") else {
            throw IOError(file: temporaryPath, message: "cannot reopen to resume (\(String(cString: strerror(errno))))")
        }
        fseeko(h, 0, SEEK_END)
        guard ftello(h) >= off_t(size) else {
            fclose(h)
            throw IOError(file: temporaryPath, message: "shorter than at the checkpoint (\(size) bytes): cannot resume")
        }
        guard ftruncate(fileno(h), off_t(size)) == 0, fseeko(h, off_t(size), SEEK_SET) == 0 else {
            fclose(h)
            throw IOError(file: temporaryPath, message: "cannot truncate to \(size) bytes (\(String(cString: strerror(errno))))")
        }
        handle = h
        buffer = .allocate(capacity: capacity)
    }

    /// Writes everything buffered to the disk and returns the file's size (bytes), for a checkpoint.
    public func synchronize() throws -> Int {
        try flush()
        guard let h = handle, fflush(h) == 0 else { throw IOError(file: path, message: "flush failed") }
        return Int(ftello(h))
    }

    deinit {
        if handle != nil { try? abandon(keepingAs: nil) }
        buffer.deallocate()
    }

    /// Appends text.
    public func write(_ s: String) throws {
        var s = s
        try s.withUTF8 { try write(bytes: $0) }
    }

    /// Appends raw bytes.
    public func write(bytes: UnsafeBufferPointer<UInt8>) throws {
        if count + bytes.count > capacity { try flush() }
        if bytes.count > capacity {
            guard let h = handle, fwrite(bytes.baseAddress, 1, bytes.count, h) == bytes.count else {
                throw IOError(file: path, message: "write failed (\(String(cString: strerror(errno))))")
            }
            return
        }
        (buffer + count).update(from: bytes.baseAddress!, count: bytes.count)
        count += bytes.count
    }

    private func flush() throws {
        guard let h = handle else { throw IOError(file: path, message: "already closed") }
        guard fwrite(buffer, 1, count, h) == count else {
            throw IOError(file: path, message: "write failed (\(String(cString: strerror(errno))))")
        }
        count = 0
    }

    private func close() throws {
        try flush()
        let r = fclose(handle)
        handle = nil
        guard r == 0 else { throw IOError(file: path, message: "close failed") }
    }

    /// Writes `data` to `path` in one go: complete or not at all.
    public static func write(_ data: Data, to path: String) throws {
        let w = try AtomicFileWriter(path: path)
        try data.withUnsafeBytes { try w.write(bytes: $0.bindMemory(to: UInt8.self)) }
        try w.commit()
    }

    /// Completes the file and moves it to `path`.
    public func commit() throws {
        try close()
        guard rename(temporaryPath, path) == 0 else {
            throw IOError(file: path, message: "cannot rename into place (\(String(cString: strerror(errno))))")
        }
    }

    /// Closes the file; keeps what was written under `keptPath` (complete lines only), or deletes it.
    public func abandon(keepingAs keptPath: String?) throws {
        if handle != nil { try? close() }
        if let keptPath {
            guard rename(temporaryPath, keptPath) == 0 else {
                throw IOError(file: keptPath, message: "cannot rename (\(String(cString: strerror(errno))))")
            }
        } else {
            unlink(temporaryPath)
        }
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
