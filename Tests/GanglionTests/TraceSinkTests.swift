import Foundation
import Testing
import Ganglion

/// Rows for the sink tests: times k · 0.125 ms (exact in binary) with, when `duplicateAt` is set, that row's
/// time again in the next row (as a protocol event records the state just before and just after), and values
/// with at most 6 significant digits, so that the CSV's 10 digits hold every number exactly.
struct SinkRows {
    var columns = ["t_ms", "V_mV", "Ca_au", "Na.m", "I_Na_uA_cm2", "g_Na_mS_cm2"]
    var count: Int
    var duplicateAt: Int?

    func time(_ k: Int) -> Double {
        guard let d = duplicateAt, k > d else { return Double(k) * 0.125 }
        return Double(k - 1) * 0.125
    }

    func value(_ k: Int, _ j: Int) -> Double { Double((k &* 7919 &+ j &* 104_729) % 200_001 - 100_000) / 1000 }

    /// Writes rows `range` to `sink`.
    func write(_ sink: any TraceSink, _ range: Range<Int>) throws {
        var row = [Double](repeating: 0, count: columns.count - 1)
        for k in range {
            for j in row.indices { row[j] = value(k, j) }
            try row.withUnsafeBufferPointer { try sink.write(time: time(k), values: $0) }
        }
    }

    /// The same rows as CSV text, as Ganglion writes it.
    var csv: String {
        var text = columns.joined(separator: ",") + "\n"
        for k in 0..<count {
            text += ([time(k)] + (0..<(columns.count - 1)).map { value(k, $0) }).map { format($0) }.joined(separator: ",") + "\n"
        }
        return text
    }

    private func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }
}

/// The NWB format of the sink tests, with a fixed session.
func nwbFormat(cells: Set<String> = []) -> TraceSinkFormat {
    var m = NWBMetadata(sessionDescription: "trace sink test")
    m.dataCollection = #"{"name": "test"}"#
    return .nwb(NWBTraceOptions(metadata: m, cells: cells))
}

/// Runs `Tests/nwb/compare_nwb.py`: the differences between the series of two NWB files (none when equal).
func nwbDifferences(_ a: String, _ b: String) throws -> [String] {
    let r = try runProcess(try nwbPython(), [packageRoot() + "/Tests/nwb/compare_nwb.py", a, b])
    guard r.status == 0, let o = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
          let d = o["differences"] as? [String], (o["datasets"] as? Int ?? 0) > 0 else {
        throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: "compare_nwb.py failed: \(r.stderr)"])
    }
    return d
}

@Suite("Trace sinks")
struct TraceSinkTests {
    @Test("CSV and NWB sinks: the CSV is Ganglion's CSV; the NWB file equals the CSV's conversion, reads back the same numbers, and pynwb, the validator and nwbinspector accept it")
    func sameNumbers() throws {
        let dir = try temporaryFolder("sinks")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 70 000 rows cross the row queue's blocks (4096) and the NWB writer's (65 536 rows for 5 series).
        for rows in [SinkRows(count: 70_000), SinkRows(count: 9_000, duplicateAt: 4_500)] {
            let name = rows.duplicateAt == nil ? "regular" : "event"
            let csv = try TraceSinkFormat.csv.makeSink(path: "\(dir)/\(name).csv", columns: rows.columns)
            let nwb = try nwbFormat().makeSink(path: "\(dir)/\(name).nwb", columns: rows.columns)
            #expect(nwb is NWBTraceSink && csv is CSVTraceWriter)
            for sink in [csv, nwb] {
                try rows.write(sink, 0..<rows.count)
                #expect(try sink.position().rows == rows.count)
                try sink.commit()
            }
            // The CSV sink writes what CSVTraceWriter writes (an independent formatting of the same numbers).
            #expect(try String(contentsOfFile: "\(dir)/\(name).csv", encoding: .utf8) == rows.csv)
            // The CSV converted as `ganglion export` and the run commands did: the same series, bit for bit.
            var m = NWBMetadata(sessionDescription: "converted")
            m.dataCollection = #"{"name": "test"}"#
            try NWBExport.convert(csv: "\(dir)/\(name).csv", to: "\(dir)/\(name)-converted.nwb", metadata: m, source: "simulated by Ganglion")
            #expect(try nwbDifferences("\(dir)/\(name).nwb", "\(dir)/\(name)-converted.nwb") == [])
            // Ganglion's reader gives back the CSV.
            let values = Array(rows.columns.dropFirst())
            #expect(try NWBReader.writeCSV(nwb: "\(dir)/\(name).nwb", to: "\(dir)/\(name)-back.csv", series: values) == values)
            #expect(try String(contentsOfFile: "\(dir)/\(name)-back.csv", encoding: .utf8) == rows.csv)
            // One series per column, named and in units as Docs/nwb.md says (the reader lists them by name).
            let series = try NWBReader.series(in: "\(dir)/\(name).nwb")
            let byColumn = Dictionary(uniqueKeysWithValues: series.map { ($0.columnName, $0) })
            #expect(values.map { byColumn[$0]?.name } == ["V", "Ca", "Na_m", "I_Na", "g_Na"])
            #expect(values.map { byColumn[$0]?.unit } == ["volts", "model calcium units", "dimensionless", "A/m^2", "S/m^2"])
            #expect(values.map { byColumn[$0]?.conversion } == [1e-3, 1, 1, 1e-2, 10])
            #expect(series.allSatisfy { $0.count == rows.count })
            #expect(series.allSatisfy { ($0.timestampsPath != nil) == (rows.duplicateAt != nil) })
            if rows.duplicateAt == nil { #expect(series.allSatisfy { $0.rate == 8000 && $0.startingTime == 0 }) }

            let report = try checkNWB("\(dir)/\(name).nwb", against: "\(dir)/\(name).csv")
            let checked = try #require(report["series"] as? [String: [String: Any]])
            #expect(checked.count == 5)
            for (s, entry) in checked {
                #expect(entry["max_abs_data_error"] as? Double == 0, "\(name) \(s)")
                #expect((entry["max_abs_time_error_s"] as? Double ?? 1) < 1e-12, "\(name) \(s)")
            }
            #expect(report["data_collection"] as? String == #"{"name": "test"}"#)
            #expect((report["validation_errors"] as? [Any])?.isEmpty == true, "\(report["validation_errors"] ?? "")")
            #expect(inspectorErrors(report).isEmpty, "\(inspectorErrors(report))")
            // Committed like every output: renamed into place, no .partial left, listed as Ganglion's.
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/\(name).nwb.partial"))
            #expect(OutputPolicy.isOwnOutput("\(dir)/\(name).nwb") && OutputPolicy.isOwnOutput("\(dir)/\(name).csv"))
            #expect(nwbFormat().isCommitted(path: "\(dir)/\(name).nwb", at: SinkPosition(rows: rows.count)))
            #expect(!nwbFormat().isCommitted(path: "\(dir)/\(name).nwb", at: SinkPosition(rows: rows.count - 1)))
        }
    }

    /// How a test stops a sink before resuming it.
    enum Stop: CaseIterable { case kill, drop, keepPartial }

    /// Writes `rows` uninterrupted to `reference`, and to `path` with a stop after `stopAt` rows at the position
    /// taken at `positionAt`, then resumes it there and writes the rest.
    func interrupted(_ format: TraceSinkFormat, _ rows: SinkRows, path: String, reference: String,
                     positionAt: Int, stopAt: Int, stop: Stop) throws {
        let whole = try format.makeSink(path: reference, columns: rows.columns)
        try rows.write(whole, 0..<rows.count)
        try whole.commit()

        var sink: (any TraceSink)? = try format.makeSink(path: path, columns: rows.columns)
        try rows.write(sink!, 0..<positionAt)
        let position = try sink!.position()
        #expect(position.rows == positionAt)
        // Through JSON, as a checkpoint stores it.
        let saved = try JSONDecoder().decode(SinkPosition.self, from: JSONEncoder().encode(position))
        #expect(saved == position)
        try rows.write(sink!, positionAt..<stopAt)
        switch stop {
        case .kill:
            if let s = sink as? NWBTraceSink { s.simulateKill() } else {
                // A killed CSV writer leaves what reached the file, perhaps half a line.
                sink = nil
                let h = try #require(FileHandle(forWritingAtPath: path + ".partial"))
                h.seekToEndOfFile()
                h.write(Data("12.5,-6".utf8))
                try h.close()
            }
        case .drop: break
        case .keepPartial:
            let kept = try sink!.keepPartial()
            #expect(kept == path + ".partial")
        }
        sink = nil
        #expect(FileManager.default.fileExists(atPath: path + ".partial"))
        #expect(!FileManager.default.fileExists(atPath: path))
        let again = try format.reopenSink(path: path, columns: rows.columns, at: saved)
        try rows.write(again, positionAt..<rows.count)
        #expect(try again.position().rows == rows.count)
        try again.commit()
    }

    @Test("kill, drop or keep a CSV sink after a checkpoint, resume at its position: the same bytes as an uninterrupted write")
    func csvResume() throws {
        let dir = try temporaryFolder("sink-csv-resume")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = SinkRows(count: 20_000, duplicateAt: 15_000)
        for stop in Stop.allCases {
            for (at, end) in [(5_000, 17_000), (0, 100), (20_000, 20_000)] {
                let path = "\(dir)/\(stop)-\(at).csv", reference = "\(dir)/ref-\(stop)-\(at).csv"
                try interrupted(.csv, rows, path: path, reference: reference, positionAt: at, stopAt: end, stop: stop)
                #expect(FileManager.default.contents(atPath: path) == FileManager.default.contents(atPath: reference), "\(stop) at \(at)")
            }
        }
        // A checkpoint's position from the byte size alone (as checkpoints stored it) counts the rows there.
        let w = try CSVTraceWriter(path: "\(dir)/old.csv", columns: rows.columns)
        try rows.write(w, 0..<5_000)
        let size = try w.synchronize()
        try rows.write(w, 5_000..<6_000)
        _ = try w.keepPartial()
        #expect(try CSVTraceWriter(resuming: "\(dir)/old.csv", columns: rows.columns, size: size).position() == SinkPosition(rows: 5_000, bytes: size))
    }

    @Test("kill, drop or keep an NWB sink after a checkpoint, resume at its position: the datasets of an uninterrupted write; pynwb reads it")
    func nwbResume() throws {
        let dir = try temporaryFolder("sink-nwb-resume")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Where the samples fall off the grid: never; after the checkpoint (before the stop, so the file has
        // timestamps the resumed file must not keep); before the checkpoint. In the first case more than a writer
        // block (65 536 rows) reaches the file between the checkpoint and the stop.
        let cases: [(SinkRows, Int, Int)] = [(SinkRows(count: 70_000), 2_000, 69_000),
                                              (SinkRows(count: 70_000, duplicateAt: 40_000), 30_000, 68_000),
                                              (SinkRows(count: 9_000, duplicateAt: 1_000), 3_000, 8_000),
                                              (SinkRows(count: 9_000), 0, 5_000),
                                              (SinkRows(count: 9_000), 1, 5_000),
                                              // A checkpoint at the end of the run, stopped before the commit.
                                              (SinkRows(count: 9_000, duplicateAt: 1_000), 9_000, 9_000),
                                              (SinkRows(count: 9_000), 9_000, 9_000)]
        for (k, (rows, at, stopAt)) in cases.enumerated() {
            for stop in Stop.allCases {
                let path = "\(dir)/\(k)-\(stop).nwb", reference = "\(dir)/ref-\(k)-\(stop).nwb"
                try interrupted(nwbFormat(), rows, path: path, reference: reference, positionAt: at, stopAt: stopAt, stop: stop)
                #expect(try nwbDifferences(path, reference) == [], "case \(k), \(stop)")
            }
        }
        // The resumed file is a valid NWB file, its samples those written.
        try SinkRows(count: 70_000, duplicateAt: 40_000).csv.write(toFile: dir + "/rows.csv", atomically: true, encoding: .utf8)
        let report = try checkNWB(dir + "/1-kill.nwb", against: dir + "/rows.csv")
        let series = try #require(report["series"] as? [String: [String: Any]])
        #expect(series.count == 5 && series.values.allSatisfy { $0["max_abs_data_error"] as? Double == 0 && $0["has_timestamps"] as? Bool == true })
        #expect((report["validation_errors"] as? [Any])?.isEmpty == true, "\(report["validation_errors"] ?? "")")
        #expect(inspectorErrors(report).isEmpty, "\(inspectorErrors(report))")
    }

    @Test("an NWB sink kept after a failure is a readable NWB file of the rows so far, and resumes twice")
    func nwbKeptAndResumedTwice() throws {
        let dir = try temporaryFolder("sink-nwb-kept")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = SinkRows(count: 12_000)
        let format = nwbFormat(cells: [])
        let sink = try format.makeSink(path: dir + "/t.nwb", columns: rows.columns)
        try rows.write(sink, 0..<6_000)
        let first = try sink.position()
        try rows.write(sink, 6_000..<7_000)
        let kept = try sink.keepPartial()
        let readable = try NWBReader.series(in: kept)
        #expect(readable.count == 5 && readable.allSatisfy { $0.count == 7_000 && $0.rate == 8000 })
        // Resumed from the first checkpoint, killed after a second, resumed from that.
        let second = try format.reopenSink(path: dir + "/t.nwb", columns: rows.columns, at: first)
        try rows.write(second, 6_000..<9_000)
        let p2 = try second.position()
        try rows.write(second, 9_000..<10_000)
        (second as! NWBTraceSink).simulateKill()
        let third = try format.reopenSink(path: dir + "/t.nwb", columns: rows.columns, at: p2)
        try rows.write(third, 9_000..<12_000)
        third.describeSolver(#"{"name": "resumed"}"#)
        try third.commit()
        try rows.csv.write(toFile: dir + "/rows.csv", atomically: true, encoding: .utf8)
        let report = try checkNWB(dir + "/t.nwb", against: dir + "/rows.csv")
        let series = try #require(report["series"] as? [String: [String: Any]])
        #expect(series.count == 5 && series.values.allSatisfy { $0["n"] as? Int == 12_000 && $0["max_abs_data_error"] as? Double == 0 })
        #expect(report["data_collection"] as? String == #"{"name": "resumed"}"#)
        #expect((report["validation_errors"] as? [Any])?.isEmpty == true, "\(report["validation_errors"] ?? "")")
    }

    @Test("resuming refuses a position the file does not have, and another trace's file; nothing is changed")
    func nwbResumeRefusals() throws {
        let dir = try temporaryFolder("sink-nwb-refuse")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = SinkRows(count: 3_000)
        let sink = try nwbFormat().makeSink(path: dir + "/t.nwb", columns: rows.columns)
        try rows.write(sink, 0..<2_000)
        let p = try sink.position()
        _ = try sink.keepPartial()
        let before = FileManager.default.contents(atPath: dir + "/t.nwb.partial")
        var longer = p
        longer.rows = 2_500
        #expect(throws: (any Error).self) { try nwbFormat().reopenSink(path: dir + "/t.nwb", columns: rows.columns, at: longer) }
        #expect(throws: (any Error).self) { try nwbFormat().reopenSink(path: dir + "/t.nwb", columns: ["t_ms", "V_mV", "Ca_au", "K.n"], at: p) }
        #expect(throws: (any Error).self) { try nwbFormat().reopenSink(path: dir + "/t.nwb", columns: rows.columns, at: SinkPosition(rows: 10)) }
        #expect(FileManager.default.contents(atPath: dir + "/t.nwb.partial") == before, "a refused resume changes nothing")
        // A CSV position cannot reopen without its byte size.
        #expect(throws: IOError.self) { try CSVTraceWriter(resuming: dir + "/t.nwb", columns: rows.columns, at: SinkPosition(rows: 5)) }
    }

    @Test("the NWB sink's .partial is never followed through a symbolic link, at creation or on resume")
    func nwbSymlinks() throws {
        let dir = try temporaryFolder("sink-nwb-link")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = dir + "/victim"
        try "victim\n".write(toFile: victim, atomically: true, encoding: .utf8)
        let rows = SinkRows(count: 100)
        let fm = FileManager.default
        // A link at the .partial name: refused as an interrupted run's file…
        try fm.createSymbolicLink(atPath: dir + "/a.nwb.partial", withDestinationPath: victim)
        #expect(throws: (any Error).self) { try nwbFormat().makeSink(path: dir + "/a.nwb", columns: rows.columns, replacingPartial: false) }
        // …and a dangling one too (creating through it would make the file it names).
        try fm.createSymbolicLink(atPath: dir + "/b.nwb.partial", withDestinationPath: dir + "/made-through-link")
        #expect(throws: (any Error).self) { try nwbFormat().makeSink(path: dir + "/b.nwb", columns: rows.columns, replacingPartial: false) }
        #expect(!fm.fileExists(atPath: dir + "/made-through-link"))
        // Replacing it (--force) removes the link, not what it points to.
        let s = try nwbFormat().makeSink(path: dir + "/a.nwb", columns: rows.columns, replacingPartial: true)
        try rows.write(s, 0..<100)
        let p = try s.position()
        try s.commit()
        #expect(try fm.destinationOfSymbolicLink(atPath: dir + "/b.nwb.partial") == dir + "/made-through-link")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "victim\n")
        #expect(try NWBReader.series(in: dir + "/a.nwb").allSatisfy { $0.count == 100 })
        // Resuming through a link planted at the .partial name is refused, the target untouched.
        try fm.copyItem(atPath: dir + "/a.nwb", toPath: dir + "/real.nwb")
        try fm.createSymbolicLink(atPath: dir + "/c.nwb.partial", withDestinationPath: dir + "/real.nwb")
        let real = fm.contents(atPath: dir + "/real.nwb")
        do {
            _ = try nwbFormat().reopenSink(path: dir + "/c.nwb", columns: rows.columns, at: p)
            Issue.record("resuming through a symbolic link must fail")
        } catch {
            #expect("\(error)".contains("c.nwb.partial"), "\(error)")
        }
        #expect(fm.contents(atPath: dir + "/real.nwb") == real)
        // The CSV sink, for comparison, refuses the same.
        try fm.createSymbolicLink(atPath: dir + "/d.csv.partial", withDestinationPath: victim)
        #expect(throws: (any Error).self) { try TraceSinkFormat.csv.reopenSink(path: dir + "/d.csv", columns: rows.columns, at: SinkPosition(rows: 0, bytes: 0)) }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "victim\n")
        // A file at the final name that is not Ganglion's is not replaced without --force.
        try "mine\n".write(toFile: dir + "/e.nwb", atomically: true, encoding: .utf8)
        #expect(throws: IOError.self) { try nwbFormat().makeSink(path: dir + "/e.nwb", columns: rows.columns, replacingPartial: false) }
    }

    @Test("bad rows: a non-finite value, a wrong count or a decreasing time is an error naming the trace; the format follows the name")
    func badRows() throws {
        let dir = try temporaryFolder("sink-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let columns = ["t_ms", "V_mV", "Ca_au"]
        for format in [TraceSinkFormat.csv, nwbFormat()] {
            let sink = try format.makeSink(path: "\(dir)/t.\(format.fileExtension)", columns: columns)
            do {
                try [1.0, .nan].withUnsafeBufferPointer { try sink.write(time: 0, values: $0) }
                Issue.record("NaN must not be written")
            } catch {
                #expect("\(error)".contains("Ca_au = nan") && "\(error)".contains("t.\(format.fileExtension)"), "\(error)")
            }
            _ = try sink.keepPartial()
        }
        let nwb = try nwbFormat().makeSink(path: dir + "/u.nwb", columns: columns)
        #expect(throws: (any Error).self) { try [1.0].withUnsafeBufferPointer { try nwb.write(time: 0, values: $0) } }
        try [1.0, 2.0].withUnsafeBufferPointer { try nwb.write(time: 1, values: $0) }
        try [1.0, 2.0].withUnsafeBufferPointer { try nwb.write(time: 0.5, values: $0) }
        #expect(throws: NWBError.self) { try nwb.position() }
        _ = try? nwb.keepPartial()
        #expect(throws: NWBError.self) { try nwbFormat().makeSink(path: dir + "/v.nwb", columns: ["V_mV", "t_ms"]) }
        #expect(throws: NWBError.self) { try nwbFormat().makeSink(path: dir + "/w.nwb", columns: ["t_ms", "a.V_mV", "a_V_mV"]) }
        if case .nwb = TraceSinkFormat(path: "x/T.NWB", nwb: NWBTraceOptions(metadata: NWBMetadata(sessionDescription: ""))) {} else {
            Issue.record("a .nwb name is NWB")
        }
        if case .csv = TraceSinkFormat(path: "x/t.csv", nwb: NWBTraceOptions(metadata: NWBMetadata(sessionDescription: ""))) {} else {
            Issue.record("a .csv name is CSV")
        }
    }
}
