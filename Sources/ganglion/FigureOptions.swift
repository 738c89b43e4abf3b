import ArgumentParser
import Foundation
import Ganglion

/// The figure size and font options of the plotting commands.
struct FigureOptions: ParsableArguments {
    @Option(help: "Figure size WxH in px, cm or in (e.g. 960x540, 17x10cm, 6.5x4in; cm and in set a PDF's physical size). Default: each figure's own.")
    var size: String?
    @Option(name: .customLong("font-size"), help: "Font size (px; default 12). Margins scale with it.")
    var fontSize: Double = 12

    /// The style the options describe.
    func style() throws(ExitCode) -> FigureStyle {
        guard fontSize.isFinite, fontSize >= 4, fontSize <= 72 else { throw fail("--font-size \(fontSize): must be between 4 and 72 px") }
        guard let size else { return FigureStyle(fontSize: fontSize) }
        do { return try FigureStyle(size: size, fontSize: fontSize) } catch { throw fail("\(error)") }
    }
}

extension FigureFormat: ExpressibleByArgument {}

/// Writes a figure's SVG text to `path` as SVG, PNG or PDF (`format`, or the path's extension).
func writeFigure(_ svg: String, to path: String, format: FigureFormat? = nil) throws(ExitCode) {
    do { try FigureFile.write(svg: svg, to: path, format: format) } catch { throw fail("\(error)") }
}

/// `path` with its extension replaced by `format`'s (`out/a.svg` → `out/a.png`).
func replacingExtension(_ path: String, with format: FigureFormat) -> String {
    let url = URL(fileURLWithPath: path)
    return FigureFormat(path: path) != nil ? String(path.dropLast(url.pathExtension.count)) + format.rawValue : path + "." + format.rawValue
}
