import Foundation
import GanglionCore
import GanglionModels

/// Population files (JSON): the generation's seed, generator, targets, voltage, unknowns and variant,
/// the number of rejected draws, and every cell as a model-file object. One cell of a population is
/// usable wherever a model file is, as `POP.json#INDEX` (0-based) or `POP.json#NAME`.
public enum PopulationFile {
    /// The `format` tag of population files.
    public static let format = "ganglion-population"

    /// The file's JSON object: the generation's metadata and every cell's conductances (mS/cm²).
    public static func jsonObject(_ p: Population) -> [String: Any] {
        [
            "format": format, "version": 1, "kind": p.kind, "seed": p.seed, "generator": p.generator,
            "targets": Dictionary(uniqueKeysWithValues: p.targets.map { ($0.key.rawValue, $0.value) }),
            "V": p.V, "unknowns": p.unknowns, "variant": p.variant.rawValue, "count": p.cells.count,
            "rejected": p.rejected,
            "cells": p.cells.map { c -> [String: Any] in
                ["kind": c.kind, "name": c.name, "conductances": ModelFile.conductanceObject(c)]
            },
        ]
    }

    /// Writes the population to `path` atomically; throws `IOError` on a file-system failure.
    public static func write(_ p: Population, to path: String) throws {
        let w = try AtomicFileWriter(path: path)
        try w.write(JSONOutput.string(jsonObject(p), pretty: true) + "\n")
        try w.commit()
    }

    /// Reads a population file: its metadata and its cells. Errors name the cell and field
    /// (`cells[3].conductances.Na`) with its line and column.
    public static func load(_ path: String) throws(ModelFileError) -> (meta: [String: Any], cells: [NeuronDescription]) {
        let data = try ModelFileError.readInput(path)
        return try parse(data, file: path)
    }

    /// Parses a population file's contents; `file` names it in errors.
    public static func parse(_ data: Data, file path: String) throws(ModelFileError) -> (meta: [String: Any], cells: [NeuronDescription]) {
        try ModelFileError.parsing(data, file: path) { document throws(ModelFileError) in
            func fail(_ field: String?, _ message: String) -> ModelFileError { ModelFileError(file: path, field: field, message: message) }
            guard let root = document.value as? [String: Any] else {
                throw fail(nil, "must be a JSON object (a population file), got \(describeJSON(document.value))")
            }
            switch root["format"] {
            case nil: throw fail("format", "missing: not a Ganglion population file (expected \"format\": \"\(format)\")")
            case let f as String where f == format: break
            case let f?: throw fail("format", "not a Ganglion population file: expected \"\(format)\", got \(describeJSON(f))")
            }
            guard let list = root["cells"] else { throw fail("cells", "missing (the list of cells)") }
            guard let cells = list as? [Any] else { throw fail("cells", "must be a list of cells, got \(describeJSON(list))") }
            guard !cells.isEmpty else { throw fail("cells", "is empty") }
            var out: [NeuronDescription] = []
            for (i, c) in cells.enumerated() {
                out.append(try ModelFile.parse(value: c, file: path, field: "cells[\(i)]", defaultName: "cell-\(i)"))
            }
            var meta = root
            meta["cells"] = nil
            return (meta, out)
        }
    }
}

extension ModelFile {
    /// Loads a model file, a named model, or one cell of a population (`POP.json#INDEX` or `#NAME`).
    public static func loadAny(_ path: String) throws(ModelFileError) -> NeuronDescription {
        if let hash = path.lastIndex(of: "#"), !FileManager.default.fileExists(atPath: path) {
            let file = String(path[..<hash]), key = String(path[path.index(after: hash)...])
            let cells = try PopulationFile.load(file).cells
            if let i = Int(key) {
                guard cells.indices.contains(i) else {
                    throw ModelFileError(file: file, field: "cells", message: "no cell \(i) (the population has \(cells.count), numbered from 0)")
                }
                return cells[i]
            }
            guard let c = cells.first(where: { $0.name == key }) else {
                throw ModelFileError(file: file, field: "cells", message: "no cell named '\(key)'")
            }
            return c
        }
        return try load(path)
    }
}
