import Foundation

/// The file formats a figure is written in: SVG as drawn, PNG and PDF rendered from it by librsvg's
/// `rsvg-convert` (Debian package librsvg2-bin).
public enum FigureFormat: String, Sendable, CaseIterable {
    case svg, png, pdf

    /// The format named by a path's extension (`.svg`, `.png`, `.pdf`); nil for any other.
    public init?(path: String) {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        self.init(rawValue: ext)
    }
}

/// Writes a figure's SVG text as SVG, PNG or PDF.
public enum FigureFile {
    /// The renderer's executable name.
    public static let renderer = "rsvg-convert"

    /// The path of `rsvg-convert` on `searchPath` (a PATH-style list; nil: the process's PATH and /usr/bin,
    /// /usr/local/bin), or nil when it is not installed.
    public static func locateRenderer(searchPath: String? = nil) -> String? {
        let path = searchPath ?? ((ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin:/usr/local/bin")
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = String(dir) + "/" + renderer
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Writes `svg` to `path` (atomically) in `format` (nil: from the path's extension, SVG when it names none).
    /// PNG is rendered at `zoom` pixels per SVG px (96 per inch at 1), PDF at the SVG's own size. Throws when PNG or PDF
    /// is asked for and `rsvg-convert` is not on `searchPath`, or when it fails.
    public static func write(svg: String, to path: String, format: FigureFormat? = nil, zoom: Double = 1,
                             searchPath: String? = nil) throws(IOError) {
        let format = format ?? FigureFormat(path: path) ?? .svg
        guard format != .svg else {
            do { try AtomicFileWriter.write(Data(svg.utf8), to: path) } catch { throw IOError(file: path, message: "\(error)") }
            return
        }
        guard let tool = locateRenderer(searchPath: searchPath) else {
            throw IOError(file: path, message: "\(format.rawValue.uppercased()) output needs librsvg's rsvg-convert, which is not installed "
                          + "(Debian/Ubuntu: apt-get install librsvg2-bin, or bash scripts/setup.sh); write .svg instead")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let stem = ".\(URL(fileURLWithPath: path).lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        let source = directory + "/" + stem + ".svg", rendered = directory + "/" + stem + "." + format.rawValue
        defer { unlink(source); unlink(rendered) }
        do { try Data(svg.utf8).write(to: URL(fileURLWithPath: source)) } catch { throw IOError(file: path, message: "\(error)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        var arguments = ["-f", format.rawValue, "-o", rendered]
        if format == .png, zoom != 1 { arguments += ["-z", String(zoom)] }
        p.arguments = arguments + [source]
        let errors = Pipe()
        p.standardError = errors
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch { throw IOError(file: path, message: "cannot run \(tool): \(error)") }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw IOError(file: path, message: "\(tool) failed (status \(p.terminationStatus)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        do { try OutputPolicy.place(rendered, at: path) } catch { throw IOError(file: path, message: "\(error)") }
    }
}
