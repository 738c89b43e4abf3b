import Foundation
import Testing
import Ganglion

/// The Python that reads NWB files back (pynwb, nwbinspector): `GANGLION_NWB_PYTHON`, else the virtual
/// environment `scripts/setup.sh --test` makes in `.venv`.
func nwbPython() throws -> String {
    if let p = ProcessInfo.processInfo.environment["GANGLION_NWB_PYTHON"] { return p }
    let p = packageRoot() + "/.venv/bin/python3"
    guard FileManager.default.isExecutableFile(atPath: p) else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "\(p): run `bash scripts/setup.sh --test` (installs pynwb and nwbinspector)"])
    }
    return p
}

/// Runs `Tests/nwb/check_nwb.py` on an NWB file and the CSV it should hold; returns its JSON report.
func checkNWB(_ nwb: String, against csv: String) throws -> [String: Any] {
    let r = try runProcess(try nwbPython(), [packageRoot() + "/Tests/nwb/check_nwb.py", nwb, csv])
    guard r.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
        throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: "check_nwb.py failed: \(r.stderr)"])
    }
    return object
}

/// The inspector's findings that are errors: CRITICAL and best-practice violations. The one violation a
/// simulation cannot honestly fix — the subject's species, which no model file states — is reported apart.
func inspectorErrors(_ report: [String: Any]) -> [String] {
    (report["inspector"] as? [[String: Any]] ?? []).compactMap { m in
        let importance = m["importance"] as? String ?? ""
        let check = m["check"] as? String ?? ""
        guard importance == "CRITICAL" || importance == "BEST_PRACTICE_VIOLATION", check != "check_subject_species_exists" else { return nil }
        return "\(importance) \(check): \(m["message"] ?? "")"
    }
}

@Suite("NWB export")
struct NWBTests {
    @Test("simulate --format nwb round-trips through pynwb: same samples as the CSV, units, metadata; validator and nwbinspector clean")
    func simulateRoundTrip() throws {
        let dir = try temporaryFolder("nwb")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The protocol step at 1000 ms records two rows at one time: the file must switch to timestamps.
        let common = ["simulate", "stg-bursting", "--duration", "2000", "--event", "1000:current:0.5", "--record", "Na.m", "--quiet"]
        var r = try ganglion(common + ["--out", dir + "/trace.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try ganglion(common + ["--out", dir + "/trace.nwb", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(summary["trace"] as? String == dir + "/trace.nwb")
        #expect(!FileManager.default.fileExists(atPath: dir + "/trace.nwb.csv"), "the scratch CSV is removed")
        #expect(!FileManager.default.fileExists(atPath: dir + "/trace.nwb.partial"))

        let report = try checkNWB(dir + "/trace.nwb", against: dir + "/trace.csv")
        let series = try #require(report["series"] as? [String: [String: Any]])
        #expect(Set(series.keys) == ["V", "Ca", "Na_m"])
        let v = try #require(series["V"])
        #expect(v["unit"] as? String == "volts")
        #expect(v["conversion"] as? Double == 1e-3)
        #expect(v["n"] as? Int == 20002)
        #expect(v["has_timestamps"] as? Bool == true)
        #expect(abs((v["si_first"] as? Double ?? 0) - -0.070) < 1e-12, "V(0) = −70 mV = −0.070 V")
        for (name, s) in series {
            // NWB holds the values as computed, the CSV 10 significant digits (a relative rounding of at most 5e-10).
            #expect((s["max_rel_data_error"] as? Double ?? 1) <= 5.000001e-10, "\(name): the NWB data equal the CSV's to its digits")
            #expect(s["zeros_exact"] as? Bool == true, "\(name)")
            #expect((s["max_abs_time_error_s"] as? Double ?? 1) < 1e-12, "\(name): times")
        }
        #expect(report["session_start_time_has_tz"] as? Bool == true)
        let notes = try #require(report["notes"] as? String)
        #expect(notes.contains("\"Na\"") && notes.contains("\"KCa\""), "the model's conductances are in general/notes")
        #expect((report["protocol"] as? String)?.contains("1000") == true)
        #expect((report["data_collection"] as? String)?.contains("cvode-bdf") == true)
        #expect((report["validation_errors"] as? [Any])?.isEmpty == true, "\(report["validation_errors"] ?? "")")
        #expect(inspectorErrors(report).isEmpty, "\(inspectorErrors(report))")
    }

    @Test("conductance samples go through the same sinks: as NWB, the numbers of the CSV file; a network's too")
    func conductancesAsNWB() throws {
        let dir = temporaryPath("nwb-conductances")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var neuron = try NamedModel.named("stg-spiking")!.neuron()
        neuron.homeostasis = try Homeostasis.paper(neuron, calciumTarget: 125)
        for (name, format) in [("conductances.csv", TraceSinkFormat.csv), ("conductances.nwb", nwbFormat())] {
            var r = SimulationRequest(neuron: neuron, duration: 3000)
            r.conductanceInterval = 100
            r.calciumAverageWindow = 1000
            r.conductancesPath = dir + "/" + name
            r.conductancesFormat = format
            _ = try simulate(r)
        }
        let report = try checkNWB(dir + "/conductances.nwb", against: dir + "/conductances.csv")
        let series = try #require(report["series"] as? [String: [String: Any]])
        #expect(series.count == 9, "\(series.keys.sorted())")   // the calcium average and eight conductances
        for (name, s) in series { #expect((s["max_rel_data_error"] as? Double ?? 1) <= 5.000001e-10, "\(name)") }

        let network = try NetworkExperiment.load(packageRoot() + "/examples/networks/hco.json")
        for (name, format) in [("net.csv", TraceSinkFormat.csv), ("net.nwb", nwbFormat(cells: ["A", "B"]))] {
            var r = network.request
            r.shorten(to: 1000)
            r.tracePath = nil
            r.conductanceInterval = 50
            r.conductancesPath = dir + "/" + name
            r.conductancesFormat = format
            _ = try simulateNetwork(r)
        }
        let net = try checkNWB(dir + "/net.nwb", against: dir + "/net.csv")
        let netSeries = try #require(net["series"] as? [String: [String: Any]])
        #expect(netSeries.count == 2 * 8)
        for (name, s) in netSeries { #expect((s["max_rel_data_error"] as? Double ?? 1) <= 5.000001e-10, "\(name)") }
    }

    @Test("a population of circuits writes each circuit's trace as NWB with --format nwb, the same samples as its CSV trace")
    func circuitPopulationNWB() throws {
        let dir = temporaryPath("nwb-circuits")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var network = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: packageRoot() + "/examples/networks/hco-population.json"))) as! [String: Any]
        var circuits = network["circuits"] as! [String: Any]
        circuits["count"] = 2
        network["circuits"] = circuits
        network["duration_ms"] = 600
        network["outputs"] = ["trace": "trace.csv"]
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/pop.json"
        try JSONSerialization.data(withJSONObject: network).write(to: URL(fileURLWithPath: file))
        try FileManager.default.copyItem(atPath: packageRoot() + "/examples/networks/hco-population-cells.json", toPath: dir + "/hco-population-cells.json")
        let r = try ganglion(["network", file, "--out", dir + "/nwb", "--format", "nwb", "--quiet", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let r2 = try ganglion(["network", file, "--out", dir + "/csv", "--quiet", "--json"])
        #expect(r2.status == 0, "\(r2.stderr)")
        for k in 0..<2 {
            #expect(!FileManager.default.fileExists(atPath: dir + "/nwb/circuits/\(k)/trace.csv"))
            let report = try checkNWB(dir + "/nwb/circuits/\(k)/trace.nwb", against: dir + "/csv/circuits/\(k)/trace.csv")
            let series = try #require(report["series"] as? [String: [String: Any]])
            #expect(series.count == 2)
            for (name, s) in series {
                #expect((s["max_rel_data_error"] as? Double ?? 1) <= 5.000001e-10, "circuit \(k) \(name)")
            }
            #expect(inspectorErrors(report).isEmpty, "\(inspectorErrors(report))")
        }
    }

    @Test("a regular grid is stored as starting_time and rate; a network has one series per cell")
    func networkRegularGrid() throws {
        let dir = temporaryPath("nwb-net")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try ganglion(["network", "examples/networks/hco.json", "--duration", "600", "--out", dir, "--format", "nwb", "--quiet", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/trace.nwb"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/trace.csv"))
        // The same rows as CSV, from the converter, to compare against.
        let csv = dir + "/again.csv"
        let r2 = try ganglion(["network", "examples/networks/hco.json", "--duration", "600", "--out", dir + "/csv", "--quiet"])
        #expect(r2.status == 0, "\(r2.stderr)")
        try FileManager.default.moveItem(atPath: dir + "/csv/trace.csv", toPath: csv)
        let report = try checkNWB(dir + "/trace.nwb", against: csv)
        let series = try #require(report["series"] as? [String: [String: Any]])
        #expect(series.count == 2)
        for (name, s) in series {
            #expect(s["has_timestamps"] as? Bool == false, "\(name): regular grid")
            #expect(abs((s["rate"] as? Double ?? 0) - 10_000) < 1e-6, "\(name): 0.1 ms samples = 10 kHz")
            #expect((s["max_rel_data_error"] as? Double ?? 1) <= 5.000001e-10, "\(name): equal to the CSV's 10 significant digits")
            #expect(s["zeros_exact"] as? Bool == true, "\(name)")
            #expect((s["max_abs_time_error_s"] as? Double ?? 1) < 1e-9, "\(name)")
            #expect((s["description"] as? String)?.contains("of cell") == true)
        }
        #expect(inspectorErrors(report).isEmpty, "\(inspectorErrors(report))")

        // A network file whose trace is named trace.nwb writes NWB without --format (and keeps it).
        var network = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: packageRoot() + "/examples/networks/hco.json"))) as! [String: Any]
        var outputs = network["outputs"] as? [String: Any] ?? [:]
        outputs["trace"] = "trace.nwb"
        network["outputs"] = outputs
        network["population"] = ["generate": "stg", "seed": 2]
        let named = dir + "/named.json"
        try JSONSerialization.data(withJSONObject: network).write(to: URL(fileURLWithPath: named))
        let n = try ganglion(["network", named, "--duration", "300", "--out", dir + "/named", "--quiet"])
        #expect(n.status == 0, "\(n.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/named/trace.nwb"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/named/trace.csv"))
    }

    @Test("bad input: no time column, decreasing time, bad series names and empty traces are errors; no file is left behind")
    func badInput() throws {
        let dir = try temporaryFolder("nwb-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let meta = NWBMetadata(sessionDescription: "test")
        try "time,V_mV\n0,1\n".write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
        #expect(throws: NWBError.self) { try NWBExport.convert(csv: dir + "/a.csv", to: dir + "/a.nwb", metadata: meta) }
        try "t_ms,V_mV\n0,1\n0.1,2\n0.05,3\n".write(toFile: dir + "/b.csv", atomically: true, encoding: .utf8)
        do {
            try NWBExport.convert(csv: dir + "/b.csv", to: dir + "/b.nwb", metadata: meta)
            Issue.record("a decreasing time must fail")
        } catch {
            #expect(error.description.contains("b.csv") && error.description.contains("decreases"), "\(error)")
        }
        try "t_ms,V_mV\n0,1\n0.1,x\n".write(toFile: dir + "/c.csv", atomically: true, encoding: .utf8)
        #expect(throws: NWBError.self) { try NWBExport.convert(csv: dir + "/c.csv", to: dir + "/c.nwb", metadata: meta) }
        for (name, text) in [("g1", "t_ms,V_mV\n0,1\n0.1,-59abc\n"), ("g2", "t_ms,V_mV\n0,1\n0.1,2,3\n")] {
            try text.write(toFile: dir + "/\(name).csv", atomically: true, encoding: .utf8)
            #expect(throws: NWBError.self, "\(name): trailing text is an error") {
                try NWBExport.convert(csv: dir + "/\(name).csv", to: dir + "/\(name).nwb", metadata: meta)
            }
        }
        try "t_ms,V_mV\n".write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        #expect(throws: NWBError.self) { try NWBExport.convert(csv: dir + "/d.csv", to: dir + "/d.nwb", metadata: meta) }
        #expect(throws: NWBError.self) {
            try NWBTraceWriter(path: dir + "/e.nwb", metadata: meta, series: [NWBSeries(name: "a/b", description: "", unit: "volts")])
        }
        #expect(throws: NWBError.self) {
            // A folder cannot be made below a regular file.
            try NWBTraceWriter(path: dir + "/a.csv/f.nwb", metadata: meta, series: [NWBSeries(name: "V", description: "", unit: "volts")])
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".nwb") }
        #expect(left.isEmpty, "\(left)")
        let r = try ganglion(["simulate", "stg-bursting", "--duration", "100", "--format", "nwb", "--quiet"])
        #expect(r.status != 0 && r.stderr.contains("--format nwb needs --out"), "\(r.stderr)")
    }

    @Test("analyze and plot read NWB files: Ganglion's give the CSV's numbers; a pynwb-written recording in volts is read in mV")
    func readBack() throws {
        let dir = try temporaryFolder("nwb-read")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for ext in ["csv", "nwb"] {
            let r = try ganglion(["simulate", "stg-bursting", "--duration", "4000", "--out", "\(dir)/t.\(ext)", "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        var results: [[String: Any]] = []
        for ext in ["csv", "nwb"] {
            let r = try ganglion(["analyze", "\(dir)/t.\(ext)", "--window", "1000:4000", "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            results.append(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])
        }
        for key in ["spikes", "frequency_hz", "burstiness_hz2", "burst_period_ms", "mean_ca", "pattern"] {
            #expect("\(results[0][key] ?? "nil")" == "\(results[1][key] ?? "nil")", "\(key)")
        }
        #expect(results[1]["pattern"] as? String == "bursting")

        // A recording written by pynwb: V in volts (conversion 1), 20 kHz, a 10 Hz train of 1 ms spikes to +20 mV.
        let script = """
        import sys, datetime, numpy as np
        from pynwb import NWBFile, TimeSeries, NWBHDF5IO
        f = NWBFile(session_description="s", identifier="i", session_start_time=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
        t = np.arange(40000) / 20000.0
        v = np.full(t.size, -0.065)
        for k in range(20):
            v[(t >= 0.05 + 0.1 * k) & (t < 0.051 + 0.1 * k)] = 0.02
        # A description that happens to mention a column must not make it look like Ganglion's own series.
        f.add_acquisition(TimeSeries(name="cell", data=v, unit="volts", rate=20000.0, starting_time=0.0,
                                     description="exported from column 'Vm' of the rig file"))
        f.add_acquisition(TimeSeries(name="other", data=v, unit="volts", timestamps=t + 100.0, description="later"))
        with NWBHDF5IO(sys.argv[1], "w") as io:
            io.write(f)
        g = NWBFile(session_description="s", identifier="j", session_start_time=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
        g.add_acquisition(TimeSeries(name="I", data=np.zeros(100), unit="amperes", rate=1000.0, starting_time=0.0, description="a current"))
        with NWBHDF5IO(sys.argv[2], "w") as io:
            io.write(g)
        """
        let written = try runProcess(try nwbPython(), ["-c", script, dir + "/foreign.nwb", dir + "/amps.nwb"])
        #expect(written.status == 0, "\(written.stderr)")
        let r = try ganglion(["analyze", dir + "/foreign.nwb", "--column", "cell", "--window", "0:2000", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(o["spikes"] as? Int == 20)
        #expect(abs((o["frequency_hz"] as? Double ?? 0) - 10) < 0.01)
        // Two voltage series on different timestamps cannot share a plot; one chosen with --columns can.
        let both = try ganglion(["plot", dir + "/foreign.nwb"])
        #expect(both.status != 0 && both.stderr.contains("foreign.nwb") && both.stderr.contains("time base"), "\(both.stderr)")
        let plot = try ganglion(["plot", dir + "/foreign.nwb", "--columns", "cell"])
        #expect(plot.status == 0, "\(plot.stderr)")
        // A file with no voltage series: analyze says so instead of reading a current as mV.
        let amps = try ganglion(["analyze", dir + "/amps.nwb"])
        #expect(amps.status != 0 && amps.stderr.contains("no voltage series"), "\(amps.stderr)")
        // A CSV with a plain V column (no unit: refused without --units, read as mV with --units ms,mV) keeps its
        // spikes through export.
        var text = "t_ms,V,Ca\n"
        for k in 0..<4000 { text += "\(Double(k) * 0.5),\(k % 100 < 2 ? 20.0 : -65.0),0.5\n" }
        try text.write(toFile: dir + "/plainV.csv", atomically: true, encoding: .utf8)
        let refused = try ganglion(["export", dir + "/plainV.csv"])
        #expect(refused.status != 0 && refused.stderr.contains("column 2 ('V') does not say its unit of voltage"), "\(refused.stderr)")
        #expect(try ganglion(["export", dir + "/plainV.csv", "--units", "ms,mV"]).status == 0)
        let viaCSV = try ganglion(["analyze", dir + "/plainV.csv", "--units", "ms,mV", "--window", "0:2000", "--json"])
        let viaNWB = try ganglion(["analyze", dir + "/plainV.nwb", "--window", "0:2000", "--json"])
        let a = try JSONSerialization.jsonObject(with: Data(viaCSV.stdout.utf8)) as! [String: Any]
        let b = try JSONSerialization.jsonObject(with: Data(viaNWB.stdout.utf8)) as! [String: Any]
        #expect(a["spikes"] as? Int == 40 && b["spikes"] as? Int == 40, "\(viaNWB.stderr)")
        let svg = try String(contentsOfFile: dir + "/foreign.svg", encoding: .utf8)
        #expect(svg.contains("V (mV)"), "the voltage panel is labelled in mV")
        let bad = try ganglion(["analyze", dir + "/foreign.nwb", "--column", "nope"])
        #expect(bad.status != 0 && bad.stderr.contains("no series 'nope'"), "\(bad.stderr)")
    }
}
