import Foundation
import Testing
import Ganglion

/// Reading trace CSVs written elsewhere: CRLF line ends, units from the header or `--units`, refused
/// ambiguous input, and errors with the line and column.
@Suite("Trace import")
struct TraceImportTests {
    /// A 2 s bursting trace written by Ganglion (t_ms, V_mV, Ca) in `dir`, and its analysis.
    static func reference(_ dir: String) throws -> (rows: [[Double]], analysis: [String: Any]) {
        let r = try ganglion(["simulate", "stg-bursting", "--duration", "2000", "--out", dir + "/ref.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: dir + "/ref.csv", encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        return (rows, try analyze([dir + "/ref.csv"]))
    }

    static func analyze(_ arguments: [String]) throws -> [String: Any] {
        let a = try ganglion(["analyze"] + arguments + ["--json"])
        #expect(a.status == 0, "\(a.stderr)")
        return (try? JSONInput.parse(Data(a.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// Writes `header` and the rows with the given scales (t, V, Ca), lines ending in `end`.
    static func write(_ path: String, header: String, rows: [[Double]], scale: (Double, Double) = (1, 1), end: String = "\n") throws {
        var text = header + end
        for r in rows { text += "\(r[0] * scale.0),\(r[1] * scale.1),\(r[2])" + end }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func same(_ a: [String: Any], _ b: [String: Any]) {
        #expect(a["spikes"] as? Double != nil && a["spikes"] as? Double == b["spikes"] as? Double)
        #expect(a["pattern"] as? String == b["pattern"] as? String)
        let fa = a["frequency_hz"] as? Double ?? .nan, fb = b["frequency_hz"] as? Double ?? .nan
        #expect(abs(fa - fb) <= 1e-6 * abs(fb), "\(fa) vs \(fb)")
    }

    @Test("CRLF line ends (Python's csv default), seconds and volts by header or --units all give the reference analysis")
    func unitsAndLineEnds() throws {
        let dir = try temporaryFolder("trace-import")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (rows, reference) = try Self.reference(dir)
        try Self.write(dir + "/crlf.csv", header: "t_ms,V_mV,Ca", rows: rows, end: "\r\n")
        Self.same(try Self.analyze([dir + "/crlf.csv"]), reference)
        try Self.write(dir + "/sv.csv", header: "t_s,V_V,Ca", rows: rows, scale: (1e-3, 1e-3), end: "\r\n")
        Self.same(try Self.analyze([dir + "/sv.csv"]), reference)
        try Self.write(dir + "/paren.csv", header: "time (s),V (mV),Ca", rows: rows, scale: (1e-3, 1))
        Self.same(try Self.analyze([dir + "/paren.csv"]), reference)
        try Self.write(dir + "/bare.csv", header: "t,V,Ca", rows: rows, scale: (1e-3, 1e-3))
        Self.same(try Self.analyze([dir + "/bare.csv", "--units", "s,V"]), reference)
        try Self.write(dir + "/bare-ms.csv", header: "t,V,Ca", rows: rows)
        Self.same(try Self.analyze([dir + "/bare-ms.csv", "--units", "ms,mV"]), reference)
        // plot and export read the same files.
        let p = try ganglion(["plot", dir + "/crlf.csv", "--out", dir + "/crlf.svg"])
        #expect(p.status == 0, "\(p.stderr)")
        let q = try ganglion(["plot", dir + "/bare.csv", "--units", "s,V", "--out", dir + "/bare.svg"])
        #expect(q.status == 0, "\(q.stderr)")
        let svg = try String(contentsOfFile: dir + "/bare.svg", encoding: .utf8)
        #expect(svg.contains("V (mV)"))
        let e = try ganglion(["export", dir + "/sv.csv", "--out", dir + "/sv.nwb"])
        #expect(e.status == 0, "\(e.stderr)")
        Self.same(try Self.analyze([dir + "/sv.nwb"]), reference)
    }

    @Test("ambiguous units are refused, naming the file, the column and the fix", arguments: [
        ("t,V,Ca", (1e-3, 1e-3), [String](), "column 1 ('t') does not say its unit of time"),
        ("t_s,V,Ca", (1e-3, 1e-3), [], "column 2 ('V') does not say its unit of voltage"),
        ("t_ms,V_mV,Ca", (1.0, 1e-3), [], "column 'V_mV' read as mV: every value lies within ±1 mV"),
        ("t_ms,V_V,Ca", (1.0, 1.0), [], "column 'V_V' read as V: a value of"),
        ("t_ms,V_mV,Ca", (1.0, 1.0), ["--units", "s,V"], "column 1 ('t_ms') is in ms by its name, but --units says s"),
        ("t_mV,V_mV,Ca", (1.0, 1.0), [], "its unit mV is not a unit of time"),
    ])
    func ambiguous(header: String, scale: (Double, Double), options: [String], message: String) throws {
        let dir = try temporaryFolder("trace-ambiguous")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = (0..<2000).map { k -> [Double] in [Double(k) * 0.5, -60 + 40 * sin(Double(k) / 20), 0.1] }
        try Self.write(dir + "/x.csv", header: header, rows: rows, scale: scale)
        let r = try ganglion(["analyze", dir + "/x.csv"] + options)
        #expect(r.status != 0)
        #expect(r.stderr.contains(dir + "/x.csv") && r.stderr.contains(message), "\(r.stderr)")
        if !options.isEmpty || header.contains("t,") { #expect(r.stderr.contains("--units"), "\(r.stderr)") }
    }

    @Test("--units accepts only TIME,VOLTAGE")
    func badUnitsOption() throws {
        let r = try ganglion(["analyze", "x.csv", "--units", "ms"])
        #expect(r.status != 0 && r.stderr.contains("--units"), "\(r.stderr)")
        #expect(TraceUnits(argument: "s,V") == TraceUnits(time: .s, voltage: .V))
        #expect(TraceUnits(argument: "min,V") == nil && TraceUnits(argument: "ms,mV,x") == nil)
    }

    @Test("ragged rows, non-numeric cells and non-finite values are errors with the line and column", arguments: [
        ("t_ms,V_mV\r\n0,-60\r\n0.1,-59,3\r\n", "line 3: 3 fields, the header has 2", "line 3"),
        ("t_ms,V_mV\n0,-60\n0.1,abc\n", "line 3, column 2 ('V_mV'): 'abc' is not a finite number", "line 3, column 2: 'abc' is not a finite number"),
        ("t_ms,V_mV\n0,-60\n0.1,nan\n", "line 3, column 2 ('V_mV'): 'nan' is not a finite number", "line 3, column 2: 'nan' is not a finite number"),
        ("t_ms,V_mV\n0,-60\ninf,-60\n", "line 3, column 1 ('t_ms'): 'inf' is not a finite number", "line 3, column 1: 'inf' is not a finite number"),
        ("t_ms,V_mV\n0,-60\n-1,-60\n", "line 3, column 1 ('t_ms'): time -1.0 ms decreases", "decreases"),
    ])
    func badCells(text: String, analyzeMessage: String, exportMessage: String) throws {
        let dir = try temporaryFolder("trace-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try text.write(toFile: dir + "/x.csv", atomically: true, encoding: .utf8)
        let a = try ganglion(["analyze", dir + "/x.csv"])
        #expect(a.status != 0 && a.stderr.contains("\(dir)/x.csv") && a.stderr.contains(analyzeMessage), "\(a.stderr)")
        let e = try ganglion(["export", dir + "/x.csv", "--out", dir + "/x.nwb"])
        #expect(e.status != 0 && e.stderr.contains("x.csv") && e.stderr.contains(exportMessage), "\(e.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.nwb"))
        // plot draws the rows in the order given; it refuses the rest.
        if !analyzeMessage.contains("decreases") {
            let p = try ganglion(["plot", dir + "/x.csv", "--out", dir + "/x.svg"])
            #expect(p.status != 0 && p.stderr.contains("x.csv"), "\(p.stderr)")
        }
    }

    @Test("column names split into quantity and unit")
    func columnUnits() {
        #expect(TraceUnits.split(column: "t_ms") == ("t", "ms"))
        #expect(TraceUnits.split(column: "V (mV)") == ("V", "mV"))
        #expect(TraceUnits.split(column: "time [s]") == ("time", "s"))
        #expect(TraceUnits.split(column: "AB.V_mV") == ("AB.V", "mV"))
        #expect(TraceUnits.split(column: "V_V") == ("V", "V"))
        #expect(TraceUnits.split(column: "g_Na_mS_cm2") == ("g_Na_mS_cm2", nil))
        #expect(TraceUnits.split(column: "V") == ("V", nil))
    }
}
