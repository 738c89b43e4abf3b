import Foundation

/// A file written through a temporary name and renamed into place only when complete, so a reader
/// never sees a half-written file. Buffered; memory stays bounded whatever the amount written.
public final class AtomicFileWriter {
    public let path: String
    let temporaryPath: String
    private var handle: UnsafeMutablePointer<FILE>?
    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0
    private let capacity = 1 << 16

    public init(path: String) throws {
        self.path = path
        temporaryPath = path + ".tmp-\(getpid())"
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: folder) {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw IOError(file: path, message: "cannot create the folder \(folder)")
            }
        }
        guard let h = fopen(temporaryPath, "w") else {
            throw IOError(file: path, message: "cannot create (\(String(cString: strerror(errno))))")
        }
        handle = h
        buffer = .allocate(capacity: capacity)
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
    public var file: String
    public var message: String
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message)" }
}
