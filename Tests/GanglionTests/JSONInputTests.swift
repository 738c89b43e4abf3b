import Foundation
import Testing
import Ganglion

/// The strict JSON reader and the line/column of errors in every input file.
@Suite("JSON input")
struct JSONInputTests {
    func error(_ text: String) -> JSONInputError? {
        do { _ = try JSONInput.parse(Data(text.utf8)); return nil } catch { return error }
    }
    func error(bytes: [UInt8]) -> JSONInputError? {
        do { _ = try JSONInput.parse(Data(bytes)); return nil } catch { return error }
    }

    @Test("the tree has the documented shape: [String: Any], [Any], String, Double, Bool, NSNull")
    func shape() throws {
        let v = try JSONInput.parse(Data(#"{"a": [1, -2.5e3, "x\n\u00e9\ud83d\ude00", true, false, null, {}], "b": {"c": []}}"#.utf8))
        let o = try #require(v as? [String: Any])
        let a = try #require(o["a"] as? [Any])
        #expect(a[0] as? Double == 1 && a[1] as? Double == -2500)
        #expect(a[2] as? String == "x\né😀")
        #expect(a[3] as? Bool == true && a[4] as? Bool == false && a[5] is NSNull)
        #expect((a[6] as? [String: Any])?.isEmpty == true)
        #expect(((o["b"] as? [String: Any])?["c"] as? [Any])?.isEmpty == true)
    }

    @Test("syntax errors give the line and column (from 1) and what was found", arguments: [
        ("{\n  \"kind\": \"stg\",\n  \"name\" \"x\"\n}", 3, 10, "expected ':' after the key 'name', found '\"'"),
        ("{\"a\": 1,\n \"b\": 2,\n}", 3, 1, "expected a key in quotes, found '}'"),
        ("[1, 2\n", 2, 1, "expected ',' or ']', found the end of the file"),
        ("{\"a\": tru}", 1, 7, "expected a value, found 't'"),
        ("{\"a\": 01}", 1, 7, "leading zero"),
        ("{\"a\": \"tab\there\"}", 1, 11, "a tab inside a string"),
        ("{\"é\": 1 2}", 1, 9, "expected ',' or '}', found '2'"),
        ("{\"a\": \"\\ud800\"}", 1, 8, "unpaired surrogate"),
        ("{} x", 1, 4, "unexpected 'x' after the top-level value"),
        ("", 1, 1, "expected a value, found the end of the file"),
    ])
    func syntaxErrors(text: String, line: Int, column: Int, message: String) throws {
        let e = try #require(error(text))
        #expect(e.location == JSONLocation(line: line, column: column), "\(e)")
        #expect(e.message.contains(message), "\(e)")
    }

    @Test("a duplicate key is an error naming the key and both places")
    func duplicateKeys() throws {
        let e = try #require(error("{\"kind\": \"stg\",\n  \"conductances\": {\"Na\": 1,\n    \"Na\": 2}}"))
        #expect(e.message == "duplicate key 'Na' (first at 2:20)", "\(e)")
        #expect(e.location == JSONLocation(line: 3, column: 5) && e.field == "conductances.Na")
        // The same key in different objects is fine.
        #expect(error(#"{"a": {"x": 1}, "b": {"x": 2}}"#) == nil)
        // Through a model file: the file, the place and the key.
        do {
            _ = try ModelFile.parse(Data("{\"kind\": \"stg\",\n \"kind\": \"da\"}".utf8), file: "m.json")
            Issue.record("a duplicate key must fail")
        } catch {
            #expect(error.description == "m.json:2:2: field 'kind': duplicate key 'kind' (first at 1:2)")
        }
    }

    @Test("nesting is bounded (512) and a 30 KB file of brackets is rejected in well under a second")
    func nesting() throws {
        let deep = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(error(deep) == nil)
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(error(tooDeep)?.message.contains("nested deeper than 512") == true)
        for text in [String(repeating: "[", count: 30_000), String(repeating: "{\"a\":", count: 6_000), String(repeating: "[{\"a\":", count: 5_000)] {
            let start = Date()
            let e = try #require(error(text))
            let seconds = Date().timeIntervalSince(start)
            #expect(e.message.contains("nested deeper than 512"), "\(e)")
            #expect(seconds < 1, "took \(seconds) s")
        }
        // Many structures just inside the bound (100 KB): accepted, and refused as a model, in well under a second.
        let many = "[" + Array(repeating: String(repeating: "[", count: 500) + String(repeating: "]", count: 500), count: 100).joined(separator: ",") + "]"
        let start = Date()
        #expect(error(many) == nil)
        #expect(throws: ModelFileError.self) { try ModelFile.parse(Data(many.utf8), file: "m.json") }
        #expect(Date().timeIntervalSince(start) < 1, "took \(Date().timeIntervalSince(start)) s")
    }

    @Test("a large one-line file (100 000 values with locations) is read in linear time")
    func linearTime() throws {
        let text = "[" + (0..<100_000).map { "{\"v\": \($0).5}" }.joined(separator: ",") + "]"
        let start = Date()
        let d = try JSONInput.document(Data(text.utf8))
        let seconds = Date().timeIntervalSince(start)
        #expect((d.value as? [Any])?.count == 100_000)
        #expect(d.exactLocation(of: "[99999].v") == JSONLocation(line: 1, column: text.count - 8))
        #expect(seconds < 2, "took \(seconds) s")
    }

    @Test("bytes that are not UTF-8 are refused with their offset")
    func notUTF8() throws {
        let e = try #require(error(bytes: Array("{\"kind\": \"st".utf8) + [0xFF] + Array("g\"}".utf8)))
        #expect(e.offset == 12 && e.message.contains("0xFF at offset 12") && e.location == JSONLocation(line: 1, column: 13), "\(e)")
        // An overlong encoding, a lone continuation byte, a truncated sequence, an encoded surrogate.
        for bad: [UInt8] in [[0xC0, 0xAF], [0x80], [0xE2, 0x82], [0xED, 0xA0, 0x80]] {
            #expect(error(bytes: [0x22] + bad + [0x22])?.offset == 1)
        }
        #expect(error(bytes: [0xEF, 0xBB, 0xBF, 0x7B, 0x7D])?.message.contains("byte-order mark") == true)
        #expect(error("\"é😀\"") == nil)
    }

    @Test("numbers are read exactly (correctly rounded); overflow to ±inf is an error naming the value")
    func numbers() throws {
        for text in ["0.1", "0.30000000000000004", "2.2250738585072011e-308", "1.7976931348623157e308", "5e-324",
                     "9007199254740993", "4.9406564584124654e-324", "1.00000000000000011102230246251565404236316680908203125",
                     "123456789012345678901234567890", "-0.0", "2.5E+2", "6.02214076e23", "0.035000000000000003"] {
            let v = try JSONInput.parse(Data("[\(text)]".utf8)) as! [Any]
            let x = try #require(v[0] as? Double)
            #expect(x.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
        #expect((try JSONInput.parse(Data("[1e-400]".utf8)) as! [Any])[0] as? Double == 0)
        for text in ["1e400", "-1e400", "1" + String(repeating: "0", count: 400)] {
            let e = try #require(error("{\"x\": \(text)}"))
            #expect(e.message.contains("the number \(text) is too large") && e.location == JSONLocation(line: 1, column: 7) && e.field == "x", "\(e)")
        }
        for bad in ["1.", ".5", "+1", "1e", "-", "0x10", "NaN", "Infinity"] {
            #expect(error("[\(bad)]") != nil, "\(bad)")
        }
    }

    @Test("the locations map field paths to the line and column of their values")
    func locations() throws {
        let text = "{\n  \"protocol\": [\n    {\"t\": 1},\n    {\"t\": 2},\n    {\"t\": 3, \"block\": \"Na\"}\n  ]\n}"
        let d = try JSONInput.document(Data(text.utf8))
        #expect(d.exactLocation(of: "protocol") == JSONLocation(line: 2, column: 15))
        #expect(d.exactLocation(of: "protocol[2]") == JSONLocation(line: 5, column: 5))
        #expect(d.exactLocation(of: "protocol[2].t") == JSONLocation(line: 5, column: 11))
        #expect(d.exactLocation(of: "protocol[2].block") == JSONLocation(line: 5, column: 23))
        // A missing field is placed at its enclosing object.
        #expect(d.exactLocation(of: "protocol[2].fraction") == nil)
        #expect(d.location(of: "protocol[2].fraction") == JSONLocation(line: 5, column: 5))
        #expect(d.location(of: "protocol[7].t") == JSONLocation(line: 2, column: 15))
        #expect(d.location(of: "") == JSONLocation(line: 1, column: 1))
    }

    struct Saved: Decodable { var t: Double; var states: [Double] }

    @Test("a checkpoint is decoded after the strict check; a missing or mistyped field is named with its place")
    func decode() throws {
        let ok = try JSONInput.decode(Saved.self, from: Data(#"{"t": 1.5, "states": [1, 2]}"#.utf8))
        #expect(ok.t == 1.5 && ok.states == [1, 2])
        do { _ = try JSONInput.decode(Saved.self, from: Data("{\"t\": 1,\n \"states\": [1, \"x\"]}".utf8)); Issue.record("must fail") } catch {
            #expect(error.field == "states[1]" && error.location == JSONLocation(line: 2, column: 16), "\(error)")
        }
        do { _ = try JSONInput.decode(Saved.self, from: Data("{\"t\": 1}".utf8)); Issue.record("must fail") } catch {
            #expect(error.description == "1:1: field 'states': missing", "\(error)")
        }
        do { _ = try JSONInput.decode(Saved.self, from: Data("{\"t\": 1, \"t\": 2, \"states\": []}".utf8)); Issue.record("must fail") } catch {
            #expect(error.description == "1:10: field 't': duplicate key 't' (first at 1:2)", "\(error)")
        }
    }

    // MARK: Field errors of the input files

    static let conductances = #"{"Na": 4000, "CaT": 3, "CaS": 19, "A": 70, "KCa": 110, "Kd": 137, "H": 0.3, "leak": 0.01}"#

    @Test("a model file's field error names the file, the line and column of the value, the field and the value")
    func modelFieldError() throws {
        let text = "{\n  \"kind\": \"stg\",\n  \"conductances\": {\"Na\": 4000, \"CaT\": 3, \"CaS\": 19, \"A\": 70,\n"
            + "    \"KCa\": 110, \"Kd\": 137, \"H\": \"x\", \"leak\": 0.01}\n}"
        do {
            _ = try ModelFile.parse(Data(text.utf8), file: "m.json")
            Issue.record("must fail")
        } catch {
            #expect(error.description == "m.json:4:33: field 'conductances.H': must be a number, got the string \"x\"")
            #expect(error.location == JSONLocation(line: 4, column: 33) && error.field == "conductances.H")
        }
        // A missing field is placed at its object; an unknown key at its value.
        do { _ = try ModelFile.parse(Data("{\"kind\": \"stg\",\n \"conductances\": {\"Na\": 1}}".utf8), file: "m.json") } catch {
            #expect(error.description.hasPrefix("m.json:2:18: field 'conductances.CaT': missing"), "\(error)")
        }
        do { _ = try ModelFile.parse(Data("{\"kind\": \"stg\",\n\n   \"colour\": 1}".utf8), file: "m.json") } catch {
            #expect(error.description.hasPrefix("m.json:3:14: field 'colour': unknown key"), "\(error)")
        }
    }

    @Test("an experiment's field errors carry locations, also inside an inline cell and the protocol")
    func experimentFieldErrors() throws {
        let folder = NSTemporaryDirectory()
        let cases: [(String, String)] = [
            ("{\"cell\": \"stg-bursting\",\n \"duration_ms\": 1000,\n \"protocol\": [{\"t\": 10, \"block\": \"Na\"},\n   {\"t\": \"late\", \"block\": \"Na\"}]}",
             "e.json:4:10: field 'protocol[1].t': must be a finite number, got the string \"late\""),
            ("{\"cell\": {\"kind\": \"stg\",\n   \"conductances\": \(Self.conductances.replacingOccurrences(of: "\"H\": 0.3", with: "\"H\": -1"))},\n \"duration_ms\": 1000}",
             "e.json:2:91: field 'cell.conductances.H': negative conductance -1.0 mS/cm²"),
            ("{\"cell\": \"stg-bursting\",\n \"duration_ms\": true}", "e.json:2:17: field 'duration_ms': must be a finite number, got true"),
        ]
        for (text, expected) in cases {
            do {
                _ = try Experiment.parse(Data(text.utf8), file: "e.json", folder: folder)
                Issue.record("must fail: \(text)")
            } catch {
                #expect(error.description == expected)
            }
        }
    }

    @Test("a network file's field errors carry locations, also in its protocol and inline cells")
    func networkFieldErrors() throws {
        let cell = "{\"kind\": \"stg\", \"conductances\": \(Self.conductances)}"
        let cases: [(String, String)] = [
            ("{\"duration_ms\": 100,\n \"cells\": [{\"name\": \"A\", \"cell\": \(cell)}],\n \"synapses\": [{\"from\": \"A\", \"to\": \"B\", \"gbar\": 1}]}",
             "n.json:3:35: field 'synapses[0].to': unknown cell 'B' (cells: A)"),
            ("{\"duration_ms\": 100,\n \"cells\": [{\"name\": \"A\", \"cell\": \(cell)}],\n \"protocol\": [{\"cells\": \"A\", \"t\": 5, \"block\": \"Na\", \"fraction\": \"half\"}]}",
             "n.json:3:65: field 'protocol[0].fraction': must be a finite number, got the string \"half\""),
            ("{\"duration_ms\": 100,\n \"cells\": [{\"name\": \"A\",\n   \"cell\": {\"kind\": \"stg\", \"conductances\": {\"Na\": 1}}}]}",
             "n.json:3:44: field 'cells[0].cell.conductances.CaT': missing"),
        ]
        for (text, expected) in cases {
            do {
                _ = try NetworkExperiment.parse(Data(text.utf8), file: "n.json", folder: NSTemporaryDirectory())
                Issue.record("must fail: \(text)")
            } catch {
                #expect(error.description == expected)
            }
        }
    }

    @Test("population-file errors name the cell, the field and the value, with the line and column", arguments: [
        ("{\"format\": \"ganglion-population\",\n \"cells\": [\(conductancesCell),\n   {\"kind\": \"stg\", \"conductances\": {\"Na\": \"abc\"}}]}",
         "p.json:3:43: field 'cells[1].conductances.Na': must be a number, got the string \"abc\""),
        ("{\"format\": \"ganglion-population\", \"cells\": [\(conductancesCell), 7]}",
         "p.json:1:\(45 + conductancesCell.count + 2): field 'cells[1]': must be a JSON object (a model), got the number 7"),
        ("{\"format\": \"ganglion-population\", \"cells\": {}}", "p.json:1:44: field 'cells': must be a list of cells, got an object"),
        ("{\"format\": \"ganglion-population\", \"cells\": []}", "p.json:1:44: field 'cells': is empty"),
        ("{\"format\": \"ganglion-population\"}", "p.json:1:1: field 'cells': missing (the list of cells)"),
        ("{\"format\": \"pop\", \"cells\": []}", "p.json:1:12: field 'format': not a Ganglion population file: expected \"ganglion-population\", got the string \"pop\""),
        ("{\"cells\": []}", "p.json:1:1: field 'format': missing: not a Ganglion population file (expected \"format\": \"ganglion-population\")"),
        ("[1, 2]", "p.json: must be a JSON object (a population file), got the list [1,2]"),
        ("{\"format\": \"ganglion-population\",\n \"cells\": [", "p.json:2:12: not valid JSON: expected a value, found the end of the file"),
    ])
    func populationErrors(text: String, expected: String) throws {
        do {
            _ = try PopulationFile.parse(Data(text.utf8), file: "p.json")
            Issue.record("must fail")
        } catch {
            #expect(error.description == expected)
        }
    }
    static let conductancesCell = "{\"kind\": \"stg\", \"conductances\": \(conductances)}"

    @Test("a population file written by Ganglion reads back, and a bad cell through POP.json#INDEX names the cell")
    func populationThroughCommandLine() throws {
        let dir = try temporaryFolder("json-pop")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = "{\n  \"format\": \"ganglion-population\",\n  \"cells\": [\n    \(Self.conductancesCell),\n"
            + "    {\"kind\": \"stg\", \"conductances\": {\"Na\": 4000, \"Na\": 1}}\n  ]\n}\n"
        try good.write(toFile: dir + "/p.json", atomically: true, encoding: .utf8)
        let r = try ganglion(["simulate", dir + "/p.json#0", "--duration", "10", "--out", dir + "/t.csv"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("\(dir)/p.json:5:50: field 'cells[1].conductances.Na': duplicate key 'Na' (first at 5:38)"), "\(r.stderr)")
    }
}
