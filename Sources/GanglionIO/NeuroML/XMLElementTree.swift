import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One element of an XML document, with the line it starts on: its local name (any namespace prefix
/// dropped), its attributes and its child elements. Text content is not kept (NeuroML holds none that an
/// import needs).
public struct XMLElementNode: Sendable {
    /// The element's name without its namespace prefix (`ionChannelHH`).
    public var name: String
    /// The element's attributes by name.
    public var attributes: [String: String]
    /// The child elements in document order.
    public var children: [XMLElementNode]
    /// The line the element starts on (1-based).
    public var line: Int

    /// The children named `name`.
    public func children(_ name: String) -> [XMLElementNode] { children.filter { $0.name == name } }
    /// The first child named `name`.
    public func child(_ name: String) -> XMLElementNode? { children.first { $0.name == name } }
    /// `<name id="…">` for messages.
    public var label: String { attributes["id"].map { "<\(name) id=\"\($0)\">" } ?? "<\(name)>" }
}

/// Reads an XML document into a tree of `XMLElementNode`s with Foundation's `XMLParser`.
public enum XMLElementTree {
    /// The root element of the XML in `data`; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws(NeuroMLError) -> XMLElementNode {
        // Foundation's parser traps on text that is not UTF-8 (it decodes libxml2's strings unchecked), so
        // the bytes are checked first: UTF-8 without NUL (an XML declaration may name only UTF-8 or ASCII).
        if let (line, byte) = invalidUTF8(data) {
            throw NeuroMLError(file: file, line: line, element: nil, message: "not UTF-8 text (byte \(byte) of the file): NeuroML files are read as UTF-8")
        }
        if let declaration = String(decoding: data.prefix(200), as: UTF8.self).firstMatch(of: /encoding\s*=\s*["']([^"']*)["']/),
           !["utf-8", "utf8", "us-ascii", "ascii"].contains(declaration.1.lowercased()) {
            throw NeuroMLError(file: file, line: 1, element: nil, message: "the encoding \"\(declaration.1)\": NeuroML files are read as UTF-8")
        }
        let builder = Builder()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        builder.parser = parser
        let ok = parser.parse()
        guard ok, let root = builder.root else {
            // Foundation's parser on Linux reports where it stopped, not why.
            let message = parser.parserError == nil ? "no root element" : "not well-formed XML: reading stopped at column \(parser.columnNumber)"
            throw NeuroMLError(file: file, line: parser.lineNumber > 0 ? parser.lineNumber : nil, element: nil, message: message)
        }
        return root
    }

    /// The line and the 1-based offset of the first byte that is not valid UTF-8, or a NUL; nil if none.
    public static func invalidUTF8(_ data: Data) -> (line: Int, byte: Int)? {
        let bytes = [UInt8](data)
        var i = 0, line = 1
        while i < bytes.count {
            let b = bytes[i]
            if b == 0 { return (line, i + 1) }
            if b == 0x0A { line += 1 }
            if b < 0x80 { i += 1; continue }
            let count: Int, low: UInt8, high: UInt8
            switch b {
            case 0xC2...0xDF: (count, low, high) = (1, 0x80, 0xBF)
            case 0xE0: (count, low, high) = (2, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (count, low, high) = (2, 0x80, 0xBF)
            case 0xED: (count, low, high) = (2, 0x80, 0x9F)
            case 0xF0: (count, low, high) = (3, 0x90, 0xBF)
            case 0xF1...0xF3: (count, low, high) = (3, 0x80, 0xBF)
            case 0xF4: (count, low, high) = (3, 0x80, 0x8F)
            default: return (line, i + 1)
            }
            guard i + count < bytes.count, (low...high).contains(bytes[i + 1]) else { return (line, i + 1) }
            for k in 2...max(2, count) where k <= count {
                guard (0x80...0xBF).contains(bytes[i + k]) else { return (line, i + 1) }
            }
            i += count + 1
        }
        return nil
    }

    private final class Builder: NSObject, XMLParserDelegate {
        weak var parser: XMLParser?
        var stack: [XMLElementNode] = []
        var root: XMLElementNode?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            stack.append(XMLElementNode(name: local, attributes: attributes, children: [], line: parser.lineNumber))
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let done = stack.popLast() else { return }
            if stack.isEmpty { root = done } else { stack[stack.count - 1].children.append(done) }
        }
    }
}

/// A NeuroML file that cannot be imported: the file, the line and element when known, and why.
/// `cell.nml:12: <gateKS id="m">: kinetic-scheme gates are not supported`.
public struct NeuroMLError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    /// The element at fault, as `<name id="…">`.
    public var element: String?
    public var message: String

    public init(file: String, line: Int?, element: String?, message: String) {
        self.file = file
        self.line = line
        self.element = element
        self.message = message
    }

    /// An error about `node` in `file`.
    public init(_ file: String, _ node: XMLElementNode, _ message: String) {
        self.init(file: file, line: node.line, element: node.label, message: message)
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let element { s += ": \(element)" }
        return s + ": " + message
    }
}
