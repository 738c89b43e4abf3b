import Foundation

/// The size and type size of a figure: width and height in px (96 px per inch), optionally written in cm or
/// inches so a PDF has that physical size, and the font size (px) that margins scale with.
public struct FigureStyle: Sendable, Equatable {
    /// Width of the whole figure (px); nil: the figure's own default.
    public var width: Double?
    /// Height of the whole figure (px); nil: the figure's own default (from its panels).
    public var height: Double?
    /// Body font size (px); the title is 1.15 × and annotations 0.85 × this.
    public var fontSize: Double
    /// The unit the SVG's width and height are written in (`cm`, `in`); nil: px.
    public var unit: String?

    /// Pixels per centimetre and per inch (CSS: 96 px per inch).
    public static let pxPerCm = 96 / 2.54, pxPerInch = 96.0

    /// A style with the figure's default size and a 12 px font unless given.
    public init(width: Double? = nil, height: Double? = nil, fontSize: Double = 12, unit: String? = nil) {
        self.width = width
        self.height = height
        self.fontSize = fontSize
        self.unit = unit
    }

    /// The style of a `--size` text: `WxH` in px (`960x540`), or with a unit `cm`, `in` or `px` (`17x10cm`,
    /// `6.5x4in`); W and H positive, at most 20 000 px each.
    public init(size text: String, fontSize: Double = 12) throws(IOError) {
        var s = text.trimmingCharacters(in: .whitespaces).lowercased()
        var unit: String?
        var scale = 1.0
        for (suffix, k) in [("cm", Self.pxPerCm), ("in", Self.pxPerInch), ("px", 1.0)] where s.hasSuffix(suffix) {
            s = String(s.dropLast(suffix.count))
            unit = suffix == "px" ? nil : suffix
            scale = k
            break
        }
        let parts = s.split(separator: "x", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let w = parts[0], let h = parts[1], w > 0, h > 0, w * scale <= 20_000, h * scale <= 20_000 else {
            throw IOError(file: "--size", message: "'\(text)': expected WxH in px, cm or in (e.g. 960x540, 17x10cm, 6.5x4in)")
        }
        self.init(width: w * scale, height: h * scale, fontSize: fontSize, unit: unit)
    }

    /// Margins and paddings scale with the font: this × a length laid out for a 12 px font.
    public var scale: Double { fontSize / 12 }

    /// The title's lines: one, or two split at the "; " nearest its middle when one line would not fit `width`
    /// px (estimated at 0.56 em per character).
    public func titleLines(_ title: String, width: Double) -> [String] {
        guard Double(title.count) * 0.56 * fontSize * 1.15 > width - 16 * scale else { return [title] }
        let parts = title.components(separatedBy: "; ")
        guard parts.count > 1 else { return [title] }
        var best = 1, bestDistance = Int.max
        for k in 1..<parts.count {
            let left = parts[..<k].joined(separator: "; ").count
            if abs(left - title.count / 2) < bestDistance { best = k; bestDistance = abs(left - title.count / 2) }
        }
        return [parts[..<best].joined(separator: "; ") + ";", parts[best...].joined(separator: "; ")]
    }

    /// The height a two-line title adds to the top margin (px; 0 for one line).
    public func titleExtra(_ title: String, width: Double) -> Double {
        titleLines(title, width: width).count > 1 ? fontSize * 1.35 : 0
    }

    /// The opening `<svg>` element of a `width` × `height` px figure, a white background and the title.
    public func open(width: Double, height: Double, title: String) -> String {
        let f = SVGFigure.format
        let lines = titleLines(title, width: width).enumerated().map { i, line in
            "<tspan x=\"\(f(width / 2))\" dy=\"\(i == 0 ? "0" : f(fontSize * 1.35))\">\(SVGFigure.escape(line))</tspan>"
        }.joined()
        let (w, h): (String, String)
        switch unit {
        case "cm": (w, h) = (String(format: "%.2fcm", width / Self.pxPerCm), String(format: "%.2fcm", height / Self.pxPerCm))
        case "in": (w, h) = (String(format: "%.3fin", width / Self.pxPerInch), String(format: "%.3fin", height / Self.pxPerInch))
        default: (w, h) = (f(width), f(height))
        }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" viewBox="0 0 \(f(width)) \(f(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="\(f(fontSize))">
        <rect width="100%" height="100%" fill="white"/>
        <text class="title" x="\(f(width / 2))" y="\(f(20 * scale))" text-anchor="middle" font-size="\(f(fontSize * 1.15))">\(lines)</text>

        """
    }
}
