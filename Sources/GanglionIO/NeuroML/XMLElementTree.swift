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
        let builder = Builder()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        builder.parser = parser
        let ok = parser.parse()
        guard ok, let root = builder.root else {
            let reason = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "no root element"
            throw NeuroMLError(file: file, line: parser.lineNumber > 0 ? parser.lineNumber : nil, element: nil,
                               message: "not well-formed XML (\(reason))")
        }
        return root
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
