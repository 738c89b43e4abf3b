import Foundation
import Testing
import Ganglion

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("ganglion-\(UUID())-\(name)").path
}

/// A new empty folder at a `temporaryPath`; the caller removes it.
func temporaryFolder(_ name: String) throws -> String {
    let dir = temporaryPath(name)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A numeric CSV file (a Ganglion trace or conductance file): its header and its rows.
func readCSV(_ path: String) throws -> (header: [String], rows: [[Double]]) {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    return (lines[0].split(separator: ",").map(String.init),
            lines.dropFirst().map { $0.split(separator: ",").map { Double($0)! } })
}

@Suite("Traces")
struct TraceTests {
    @Test("the CSV has a header with units, the recorded columns, one row per 0.1 ms, and re-analyses identically")
    func roundTrip() throws {
        let path = temporaryPath("trace.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 2000)
        request.tracePath = path
        request.window = 500...2000
        request.record = RecordItem.parseList("CaS.m,I_KCa")
        let report = try simulate(request)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.first == "t_ms,V_mV,Ca_au,CaS.m,I_KCa_uA_cm2")
        #expect(lines.count == 1 + 20001)
        #expect(lines[1].hasPrefix("0,-70,0.5,"))
        #expect(lines[4].hasPrefix("0.3,"))
        var analyzer = WindowAnalyzer(window: 500...2000)
        try CSVTraceReader.read(path: path, column: nil) { t, V, Ca in analyzer.observe(t: t, V: V, Ca: Ca) }
        #expect(analyzer.features.spikeTimes.count == report.features.spikeTimes.count)
        // The file holds 10 significant digits.
        for (a, b) in zip(analyzer.features.spikeTimes, report.features.spikeTimes) { #expect(abs(a - b) < 1e-6) }
        #expect(abs(analyzer.meanCalcium! - report.meanCalcium!) < 1e-8 * report.meanCalcium!)
    }

    @Test("the trace writer (formatting on a background queue) keeps every row, in order, through synchronize, commit and keepPartial")
    func backgroundWriter() throws {
        let path = temporaryPath("rows.csv")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: path + ".partial") }
        let rows = 10_000   // more than two blocks of 4096
        func value(_ i: Int, _ k: Int) -> Double { sin(Double(i) * 0.37 + Double(k)) * 100 }
        var w: CSVTraceWriter? = try CSVTraceWriter(path: path, columns: ["t_ms", "a", "b"])
        for i in 0..<5000 {
            try [value(i, 1), value(i, 2)].withUnsafeBufferPointer { try w!.write(time: Double(i) * 0.1, values: $0) }
        }
        // synchronize: every row given so far is in the file, and the size it returns is the file's.
        let size = try w!.synchronize()
        let partial = try String(contentsOfFile: path + ".partial", encoding: .utf8)
        #expect(size == partial.utf8.count)
        #expect(partial.split(separator: "\n").count == 5001)
        for i in 5000..<rows {
            try [value(i, 1), value(i, 2)].withUnsafeBufferPointer { try w!.write(time: Double(i) * 0.1, values: $0) }
        }
        try w!.commit()
        w = nil
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == rows + 1 && lines[0] == "t_ms,a,b")
        for i in stride(from: 0, to: rows, by: 997) {
            let f = lines[i + 1].split(separator: ",").map { Double($0)! }
            #expect(abs(f[0] - Double(i) * 0.1) < 1e-9 && abs(f[1] - value(i, 1)) < 1e-7 && abs(f[2] - value(i, 2)) < 1e-7, "row \(i)")
        }
        // keepPartial keeps rows still waiting in the block being filled.
        let kept = try CSVTraceWriter(path: path + "-2", columns: ["t_ms", "a"])
        for i in 0..<100 { try [Double(i)].withUnsafeBufferPointer { try kept.write(time: Double(i), values: $0) } }
        let keptPath = try kept.keepPartial()
        defer { try? FileManager.default.removeItem(atPath: keptPath) }
        #expect(try String(contentsOfFile: keptPath, encoding: .utf8).split(separator: "\n").count == 101)
        // A writer dropped with a block in flight does not hang, never deletes its partial file (an interrupted
        // run's data), leaves it with complete lines only, and never appears under the final name.
        var dropped: CSVTraceWriter? = try CSVTraceWriter(path: path + "-3", columns: ["t_ms", "a"])
        for i in 0..<5000 { try [Double(i)].withUnsafeBufferPointer { try dropped!.write(time: Double(i), values: $0) } }
        dropped = nil
        defer { try? FileManager.default.removeItem(atPath: path + "-3.partial") }
        #expect(!FileManager.default.fileExists(atPath: path + "-3"))
        let left = try String(contentsOfFile: path + "-3.partial", encoding: .utf8)
        #expect(left.hasPrefix("t_ms,a\n") && left.hasSuffix("\n"))
        for (k, line) in left.split(separator: "\n").dropFirst().enumerated() { #expect(line == "\(k),\(k)") }
    }

    @Test("trace numbers carry 10 significant digits in fixed or scientific notation")
    func decimalText() {
        let cases: [(Double, String)] = [(0, "0"), (-70, "-70"), (0.5, "0.5"), (0.1 * 3, "0.3"), (3000.1, "3000.1"),
                                         (-69.23589893230483, "-69.23589893"), (1.5e-7, "1.5e-07"), (2.5e20, "2.5e+20"),
                                         (0.00012345678901, "0.000123456789"), (9.9999999999, "10"), (.nan, "nan"),
                                         (1e300, "1e+300"), (-.greatestFiniteMagnitude, "-1.797693135e+308"),
                                         (Double.leastNonzeroMagnitude, "4.940656458e-324"), (2.2250738585072014e-308, "2.225073859e-308"),
                                         (0.001, "0.001"), (1e15, "1e+15"), (99999.99999999, "100000"), (1e-5, "0.00001")]
        for (x, text) in cases { #expect(DecimalFormatter.string(x) == text, "\(x)") }
        for k in 0..<4000 {
            let x = sin(Double(k) * 12.9898) * pow(10, Double(k % 600 - 300))
            let back = Double(DecimalFormatter.string(x))!
            #expect(abs(back - x) <= 5e-10 * abs(x), "\(x) → \(DecimalFormatter.string(x))")
        }
    }

    @Test("recorded currents follow I = ḡ mᵖ hᑫ (V − E)")
    func currents() throws {
        let path = temporaryPath("currents.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 50)
        request.tracePath = path
        request.record = [.gates, .currents]
        _ = try simulate(request)
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let header = rows[0].split(separator: ",").map(String.init)
        for row in rows.dropFirst().enumerated().filter({ $0.offset % 97 == 0 }).map(\.element) {
            let v = Dictionary(uniqueKeysWithValues: zip(header, row.split(separator: ",").map { Double($0)! }))
            let m = v["CaS.m"]!, h = v["CaS.h"]!, V = v["V_mV"]!
            #expect(abs(v["I_CaS_uA_cm2"]! - 19 * m * m * m * h * (V - 80)) < 1e-8 * max(1, abs(v["I_CaS_uA_cm2"]!)))
            #expect(abs(v["I_leak_uA_cm2"]! - 0.01 * (V + 50)) < 1e-8)
        }
    }

    @Test("bad trace files are errors naming the file and the problem", arguments: [
        ("", "empty"),
        ("t_ms,V_mV\n", "no data rows"),
        ("t_ms,V_mV\n0,-70\n0.1,abc\n", "line 3"),
        ("t_ms,V_mV\n0.1,-70\n0,-69\n", "decreases"),
        ("t_ms,U\n0,-70\n", "no voltage column"),
        ("t_ms,V_mV\n0,-70,3\n", "fields"),
    ])
    func badTraces(content: String, mention: String) throws {
        let path = temporaryPath("bad.csv")
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            try CSVTraceReader.read(path: path, column: nil) { _, _, _ in }
            Issue.record("accepted \(content.debugDescription)")
        } catch {
            #expect(error.description.contains(path))
            #expect(error.description.contains(mention), "\(error.description)")
        }
    }
}
