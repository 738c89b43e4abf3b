import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Ganglion

/// An attribute of an element found by XPath (by its serialisation: FoundationXML's attribute lookup
/// does not see attributes of elements in the default SVG namespace).
func attribute(_ node: XMLNode, _ name: String) -> String? {
    if let e = node as? XMLElement, let v = e.attribute(forName: name)?.stringValue { return v }
    let xml = node.xmlString
    guard let start = xml.range(of: " \(name)=\"") else { return nil }
    let rest = xml[start.upperBound...]
    return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
}

@Suite("Plots")
struct PlotTests {
    @Test("min/max decimation keeps every spike peak of a known trace")
    func decimationKeepsPeaks() {
        // 300 s at 0.1 ms (3 million samples) with a 1 ms spike to +40 mV every 137.3 ms on a −60 mV baseline.
        var d = MinMaxDecimator(range: 0...300_000, columns: 700)
        var peaks: [Double] = []
        var t = 0.0, k = 0
        while t <= 300_000 {
            let phase = t.truncatingRemainder(dividingBy: 137.3)
            let v = phase < 1 ? -60 + 100 * sin(Double.pi * phase) : -60
            if phase < 1, abs(phase - 0.5) < 0.05 { peaks.append(t) }
            d.add(t, v)
            k += 1
            t = Double(k) * 0.1
        }
        d.finish()
        #expect(d.points.count <= 4 * 700)
        // Every pixel column that holds a spike keeps its maximum (≈ +40 mV).
        let columnWidth = 300_000.0 / 700
        var columnsWithSpike = Set<Int>()
        for p in peaks { columnsWithSpike.insert(Int(p / columnWidth)) }
        var columnMax: [Int: Double] = [:]
        for (x, y) in d.points { columnMax[Int(x / columnWidth), default: -.infinity] = max(columnMax[Int(x / columnWidth), default: -.infinity], y) }
        for c in columnsWithSpike { #expect((columnMax[c] ?? -100) > 39.9, "column \(c) lost its spike") }
        #expect(d.points.allSatisfy { $0.1 >= -60 && $0.1 <= 40 })
    }

    @Test("a network trace plots as an SVG with one panel per cell, each a series; conductances on a log axis")
    func networkFigure() throws {
        var r = NetworkRequest(network: try NetworkTests.hco(), duration: 3000)
        let folder = temporaryPath("plot-test")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        r.tracePath = folder + "/trace.csv"
        r.conductanceInterval = 100
        r.conductancesPath = folder + "/conductances.csv"
        _ = try simulateNetwork(r)
        let svg = try TracePlot.figure(csv: folder + "/trace.csv").render()
        let doc = try XMLDocument(data: Data(svg.utf8))
        let panels = try doc.nodes(forXPath: "//*[local-name()='g'][@class='panel']")
        #expect(panels.count == 2)
        let labels = panels.compactMap { attribute($0, "data-label") }
        #expect(labels == ["A V (mV)", "B V (mV)"])
        let series = try doc.nodes(forXPath: "//*[local-name()='path'][@class='series']")
        #expect(series.count == 2)
        for s in series {
            let d = attribute(s, "d") ?? ""
            #expect(d.hasPrefix("M") && d.count > 1000)
        }
        // Conductances: one log panel per channel, the two cells overlaid in each.
        let g = try TracePlot.figure(csv: folder + "/conductances.csv")
        #expect(g.panels.map(\.yLabel) == ["Na", "CaT", "CaS", "A", "KCa", "Kd", "H", "leak"].map { "ḡ_\($0) (mS/cm²)" } && g.panels.allSatisfy(\.logY))
        #expect(g.panels.allSatisfy { $0.series.map(\.name) == ["A", "B"] })
        _ = try XMLDocument(data: Data(g.render().utf8))
        // The raster: one row per cell, each with the spikes the detector finds in the trace.
        let raster = try XMLDocument(data: Data(try RasterPlot.svg(csv: folder + "/trace.csv", title: "HCO").utf8))
        let rows = try raster.nodes(forXPath: "//*[local-name()='g'][@class='row']")
        #expect(rows.count == 2)
        var expected = [SpikeDetector(), SpikeDetector()]
        try CSVTraceReader.read(path: folder + "/trace.csv", column: "A.V_mV") { t, v, _ in expected[0].observe(t: t, V: v) }
        try CSVTraceReader.read(path: folder + "/trace.csv", column: "B.V_mV") { t, v, _ in expected[1].observe(t: t, V: v) }
        #expect(rows.compactMap { attribute($0, "data-spikes") } == expected.map { "\($0.spikeTimes.count)" })
        #expect(expected[0].spikeTimes.count > 10)
    }

    @Test("ganglion plot writes an SVG; a missing column is an error naming it")
    func command() throws {
        let csv = temporaryPath("plot-cli.csv"), svg = temporaryPath("plot-cli.svg")
        defer { for p in [csv, svg] { try? FileManager.default.removeItem(atPath: p) } }
        let s = try ganglion(["simulate", "stg-bursting", "--duration", "2000", "--out", csv, "--json", "--quiet"])
        #expect(s.status == 0, "\(s.stderr)")
        let r = try ganglion(["plot", csv, "--out", svg])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try XMLDocument(data: Data(contentsOf: URL(fileURLWithPath: svg)))
        #expect(try doc.nodes(forXPath: "//*[local-name()='g'][@class='panel']").count == 2)   // V and Ca
        // DIC curves: g_f, g_s, g_u over V (and the zero line), with the threshold marked.
        let dic = temporaryPath("dic-curve.csv"), dicSVG = String(dic.dropLast(4)) + ".svg"
        defer { for p in [dic, dicSVG] { try? FileManager.default.removeItem(atPath: p) } }
        let d = try ganglion(["dics", "stg-bursting", "--curve", "-80:-40:0.5", "--out", dic, "--plot"])
        #expect(d.status == 0, "\(d.stderr)")
        let dicDoc = try XMLDocument(data: Data(contentsOf: URL(fileURLWithPath: dicSVG)))
        let names = try dicDoc.nodes(forXPath: "//*[local-name()='path'][@class='series']").compactMap { attribute($0, "data-name") }
        #expect(names == ["g_f", "g_s", "g_u"])
        #expect(try dicDoc.nodes(forXPath: "//*[local-name()='line'][@class='reference']").compactMap { attribute($0, "data-value") } == ["0.0"])
        #expect(try dicDoc.nodes(forXPath: "//*[local-name()='line'][@class='marker']").count == 1)
        let bad = try ganglion(["plot", csv, "--columns", "Vm", "--out", svg])
        #expect(bad.status != 0 && bad.stderr.contains("no column 'Vm'"), "\(bad.stderr)")
    }
}

@Suite("Population plots")
struct PopulationPlotTests {
    @Test("box plots: one box per condition and quantity, medians as the data say, cells counted")
    func boxes() throws {
        func cell(_ f: Double, _ b: Double?, _ pattern: String) -> [String: Any] {
            ["windows": [["window_ms": [0.0, 10_000.0], "frequency_hz": f, "burstiness_hz2": b as Any, "pattern": pattern]],
             "snapshots": [["t_ms": 9000.0, "frequency_hz": f + 1, "burstiness_hz2": b.map { $0 * 2 } as Any, "pattern": pattern]]]
        }
        let summary: [String: Any] = ["rows": [cell(10, 100, "bursting"), cell(12, nil, "tonic"), cell(14, 300, "bursting"),
                                               ["error": "failed"]]]
        let conditions = PopulationPlot.conditions(summary)
        #expect(conditions.map(\.label) == ["0–10 s", "snapshot 9 s"])
        #expect(conditions.map(\.bursting) == [2, 2] && conditions.map(\.cells) == [3, 3])
        let doc = try XMLDocument(data: Data(PopulationPlot.svg(title: "test", conditions: conditions).utf8))
        let boxes = try doc.nodes(forXPath: "//*[local-name()='g'][@class='box']")
        #expect(boxes.count == 4)
        #expect(boxes.compactMap { attribute($0, "data-median").flatMap(Double.init) } == [12, 13, 200, 400])
        #expect(boxes.compactMap { attribute($0, "data-count") } == ["3", "3", "2", "2"])
        #expect(try doc.nodes(forXPath: "//*[local-name()='circle']").count == 10)
    }
}

@Suite("Sweep plots")
struct SweepPlotTests {
    @Test("sweep --plot and plot FEATURES.csv: one box per quantity over the cells that ran, medians from the table")
    func sweepPlot() throws {
        let dir = try temporaryFolder("sweep-plot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try ganglion(["population", "stg", "--count", "4", "--seed", "1", "--out", dir + "/pop.json"]).status == 0)
        let r = try ganglion(["sweep", dir + "/pop.json", "--duration", "5000", "--target", "gs=-8,gu=4", "--out", dir + "/f.csv",
                              "--plot", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        // The table, read independently of the plot code.
        let lines = try String(contentsOfFile: dir + "/f.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        #expect(header.contains("solved_CaS_mS_cm2") && header.contains("solved_A_mS_cm2"), "solved columns carry their unit: \(header)")
        let frequencies = lines.dropFirst().compactMap { Double($0[header.firstIndex(of: "frequency_hz")!]) }.sorted()
        #expect(frequencies.count == 4)
        let median = (frequencies[1] + frequencies[2]) / 2
        let p = try ganglion(["plot", dir + "/f.csv", "--out", dir + "/g.svg"])
        #expect(p.status == 0, "\(p.stderr)")
        for svg in [dir + "/f.svg", dir + "/g.svg"] {
            let doc = try XMLDocument(data: Data(contentsOf: URL(fileURLWithPath: svg)))
            let boxes = try doc.nodes(forXPath: "//*[local-name()='g'][@class='box']")
            #expect(boxes.count == 2, "frequency and burstiness")
            let m = try #require(boxes.first.flatMap { attribute($0, "data-median") }.flatMap(Double.init))
            #expect(abs(m - median) < 1e-3 * median, "median frequency \(m) vs the table's \(median)")
            #expect(boxes.first.flatMap { attribute($0, "data-count") } == "4")
        }
    }
}

@Suite("CSV fields")
struct CSVFieldTests {
    @Test("names with commas and quotes survive a CSV field round trip (sweep tables quote them)")
    func quoting() {
        for name in ["cell, one", "a\"b", "plain", ""] {
            let line = ["3", CSVTable.quoted(name), "ok"].joined(separator: ",")
            #expect(CSVTable.fields(Substring(line)) == ["3", name, "ok"], "\(line)")
        }
    }
}

@Suite("Swift API example")
struct SwiftAPIExampleTests {
    @Test("examples/swift-api builds a controlled neuron in code, runs the protocol, writes its figures and runs a mechanism of its own")
    func runs() throws {
        let root = packageRoot()
        let tool = [".build/release/ganglion-swift-api-example", ".build/debug/ganglion-swift-api-example"].map { root + "/" + $0 }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        let path = try #require(tool, "build the example first (swift build -c release)")
        let folder = temporaryPath("swift-api")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["--duration", "8000", "--out", folder]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(text.contains("V_th = ") && text.contains("before the switch: tonic"), "\(text)")
        // The example's own mechanism (a calcium homeostat on ḡ_CaS, set point 60) brings the 1 s calcium average
        // to its set point by making less CaS.
        let own = try #require(text.split(separator: "\n").first { $0.hasPrefix("own mechanism: g_CaS 19.00 → ") })
        let numbers = own.split(whereSeparator: { " ,()".contains($0) }).compactMap { Double($0) }
        #expect(numbers.count >= 3 && numbers[1] < 19 && abs(numbers[2] - 60) < 5, "\(own)")
        for f in ["trace.csv", "conductances.csv", "trace.svg", "conductances.svg"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + f), "\(f)")
        }
    }
}

@Suite("Getting started")
struct GettingStartedTests {
    /// Every `ganglion` command of Docs/getting-started.md, run as written (outputs redirected to a temporary
    /// folder), except the 20-cell paper run (minutes; its experiment is tested in short elsewhere).
    @Test("the tutorial's commands run as written")
    func tutorialCommands() throws {
        let text = try String(contentsOfFile: packageRoot() + "/Docs/getting-started.md", encoding: .utf8)
        let folder = temporaryPath("tutorial")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let commands = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix(".build/release/ganglion ") && !$0.contains("examples/paper/") }
        #expect(commands.count >= 8)
        for c in commands {
            let arguments = c.replacingOccurrences(of: "out/tutorial", with: folder).split(separator: " ").dropFirst().map(String.init)
            let r = try ganglion(arguments + (arguments.first == "run" || arguments.first == "network" ? ["--quiet"] : []))
            #expect(r.status == 0, "\(c): \(r.stderr)")
            if arguments.first == "simulate", c.contains("stg-bursting") {
                #expect(r.stdout.contains("bursting"), "\(r.stdout)")
            }
        }
        for f in ["bursting.svg", "spiking.svg", "dics.svg", "modulated.json", "modulated.svg", "h-blockade/summary.json", "hco/raster.svg",
                  "bursting.nwb", "spiking.nwb"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + f), "\(f)")
        }
    }
}

@Suite("Documented commands")
struct DocumentedCommandsTests {
    /// Every `ganglion` command line in README.md and Docs/*.md names a real subcommand, only options that
    /// subcommand has, and files of examples/ and models/ that exist — so the docs cannot drift from the
    /// tool. (The tutorial's commands are also run, in `tutorialCommands`.)
    @Test("every command in the docs uses a real subcommand, real options and existing example files")
    func documentedCommands() throws {
        let root = packageRoot()
        let docs = ["README.md"] + (try FileManager.default.contentsOfDirectory(atPath: root + "/Docs"))
            .filter { $0.hasSuffix(".md") }.map { "Docs/" + $0 }
        var help: [String: String] = [:]
        var checked = 0
        for doc in docs {
            let text = try String(contentsOfFile: root + "/" + doc, encoding: .utf8)
            for raw in text.split(separator: "\n") {
                var line = raw.trimmingCharacters(in: .whitespaces)
                guard line.hasPrefix(".build/release/ganglion ") || line.hasPrefix("ganglion ") else { continue }
                if let hash = line.range(of: " #") { line = String(line[..<hash.lowerBound]) }
                let tokens = line.split(separator: " ").map(String.init)
                guard tokens.count >= 2, !tokens[1].hasPrefix("-") else { continue }
                let sub = tokens[1]
                if help[sub] == nil {
                    let r = try ganglion([sub, "--help"])
                    #expect(r.status == 0, "\(doc): `\(line)`: unknown subcommand '\(sub)'")
                    help[sub] = r.stdout
                }
                for t in tokens.dropFirst(2) {
                    if t.hasPrefix("--") {
                        let option = String(t.split(separator: "=")[0])
                        #expect(help[sub]!.contains(option), "\(doc): `\(line)`: '\(sub)' has no option \(option)")
                    } else if t.hasPrefix("examples/") || t.hasPrefix("models/") {
                        #expect(FileManager.default.fileExists(atPath: root + "/" + t), "\(doc): `\(line)`: no file \(t)")
                    }
                }
                checked += 1
            }
        }
        #expect(checked > 60, "found \(checked) documented commands")
    }
}
