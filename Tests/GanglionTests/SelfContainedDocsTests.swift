import Foundation
import Testing

/// The project describes itself: no document, help text, comment or example points at a file a user does not
/// have, or narrates development history (that is in git and CHANGELOG.md), and every relative Markdown link
/// leads to a file of the repository.
@Suite("Self-contained documentation")
struct SelfContainedDocsTests {
    /// The text files searched: README.md and everything under Docs/, examples/, models/, Sources/ and Tests/, except
    /// this file (which has to name what it looks for).
    static func searchedFiles() throws -> [String] {
        let root = packageRoot()
        let textExtensions: Set<String> = ["md", "swift", "json", "py", "sh", "txt", "csv", "h", "modulemap"]
        var files = ["README.md"]
        for folder in ["Docs", "examples", "models", "Sources", "Tests"] {
            guard let walker = FileManager.default.enumerator(atPath: root + "/" + folder) else { continue }
            for case let path as String in walker where textExtensions.contains((path as NSString).pathExtension) {
                files.append(folder + "/" + path)
            }
        }
        return files.filter { !$0.hasSuffix("/SelfContainedDocsTests.swift") }.sorted()
    }

    /// Every match of `pattern` in `text`, with its 1-based line and the matched text.
    static func matches(_ pattern: String, in text: String) throws -> [(line: Int, text: String, range: NSRange)] {
        let regex = try NSRegularExpression(pattern: pattern)
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
            let before = ns.substring(to: m.range.location)
            return (before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }, ns.substring(with: m.range), m.range)
        }
    }

    /// Whether the path `token` (as written in `file`) names an existing file of the repository: relative to
    /// the file's folder or to the repository root.
    static func exists(_ token: String, from file: String) -> Bool {
        let root = packageRoot()
        let folder = (file as NSString).deletingLastPathComponent
        return [root + "/" + folder + "/" + token, root + "/" + token].contains { candidate in
            let resolved = URL(fileURLWithPath: candidate).standardizedFileURL.path
            return resolved.hasPrefix(root + "/") && FileManager.default.fileExists(atPath: resolved)
        }
    }

    /// The problems of one file's text: references outside the repository and history phrases, as file:line.
    static func problems(in text: String, file: String) throws -> [String] {
        var found: [String] = []
        for m in try matches(#"\.\./shared|shared/spec"#, in: text) {
            found.append("\(file):\(m.line): '\(m.text)' points outside the repository")
        }
        // A spec file name must be part of a path to a file the repository has (e.g. Docs/science/models.md).
        for m in try matches(#"[A-Za-z0-9_./-]*\b(control|models|networks|analysis|prinz|dics)\.md"#, in: text) {
            if !m.text.contains("/") || !exists(m.text, from: file) {
                found.append("\(file):\(m.line): '\(m.text)' is not a file of the repository")
            }
        }
        for m in try matches(#"\b([Ss]tops?|[Ii]ssues?) #?[0-9]+\b"#, in: text) {
            found.append("\(file):\(m.line): '\(m.text)' narrates development history (it belongs in git and CHANGELOG.md)")
        }
        return found
    }

    /// Broken relative Markdown links (`[text](path)`, `path` not a URL or an anchor) in one Markdown file.
    static func brokenLinks(in text: String, file: String) throws -> [String] {
        try matches(#"\]\(([^)\s]+)\)"#, in: text).compactMap { m in
            var target = String(m.text.dropFirst(2).dropLast())
            if target.contains("://") || target.hasPrefix("mailto:") || target.hasPrefix("#") { return nil }
            if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
            let folder = (file as NSString).deletingLastPathComponent
            let resolved = URL(fileURLWithPath: packageRoot() + "/" + folder + "/" + target).standardizedFileURL.path
            return FileManager.default.fileExists(atPath: resolved) && resolved.hasPrefix(packageRoot() + "/")
                ? nil : "\(file):\(m.line): link '\(target)' leads to no file of the repository"
        }
    }

    @Test("no file points outside the repository or narrates development history")
    func selfContained() throws {
        var found: [String] = []
        for file in try Self.searchedFiles() {
            let text = try String(contentsOfFile: packageRoot() + "/" + file, encoding: .utf8)
            found += try Self.problems(in: text, file: file)
        }
        #expect(found.isEmpty, "\(found.count) problem(s):\n\(found.joined(separator: "\n"))")
    }

    @Test("every relative Markdown link in README.md and Docs/ leads to a file")
    func links() throws {
        var found: [String] = []
        for file in try Self.searchedFiles() where file == "README.md" || (file.hasPrefix("Docs/") && file.hasSuffix(".md")) {
            let text = try String(contentsOfFile: packageRoot() + "/" + file, encoding: .utf8)
            found += try Self.brokenLinks(in: text, file: file)
        }
        #expect(found.isEmpty, "\(found.count) broken link(s):\n\(found.joined(separator: "\n"))")
    }

    @Test("the checks find what they look for")
    func checksFindProblems() throws {
        let bad = "See control.md §2 and ../shared/spec/networks.md.\nAs of stop 14 (issue 4) this changed.\n"
        let problems = try Self.problems(in: bad, file: "Docs/example.md")
        #expect(problems.count == 5, "\(problems)")   // ../shared, control.md, the spec path, stop 14, issue 4
        #expect(problems.allSatisfy { $0.hasPrefix("Docs/example.md:") })
        #expect(try Self.problems(in: "The models: Docs/science/models.md §2; [dics](science/dics.md).", file: "Docs/x.md").isEmpty)
        #expect(try Self.brokenLinks(in: "[a](science/models.md) [b](nowhere.md) [c](https://x.org/a.md)", file: "Docs/x.md").count == 1)
    }
}
