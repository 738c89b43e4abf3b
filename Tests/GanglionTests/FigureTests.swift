import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Ganglion

/// Elements of an SVG document found by class (`//*[local-name()=NAME][@class=CLASS]`).
private func elements(_ doc: XMLDocument, _ name: String, class cls: String? = nil) throws -> [XMLNode] {
    try doc.nodes(forXPath: "//*[local-name()='\(name)']" + (cls.map { "[@class='\($0)']" } ?? ""))
}

/// The text content of the SVG's elements of one class.
private func texts(_ doc: XMLDocument, class cls: String) throws -> [String] {
    try elements(doc, "text", class: cls).map { $0.stringValue ?? "" }
}

/// `n` rows made by `row` from the row's index 0, 1, … as a Double.
private func table(_ n: Int, _ row: (Double) -> [Double]) -> [[Double]] {
    var out: [[Double]] = []
    for i in 0..<n { out.append(row(Double(i))) }
    return out
}

/// Writes a CSV file of a header and rows.
private func writeCSV(_ path: String, _ header: String, _ rows: [[Double]]) throws {
    try ([header] + rows.map { $0.map { String($0) }.joined(separator: ",") }).joined(separator: "\n")
        .appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
}

@Suite("Figure axes")
struct FigureAxisTests {
    @Test("linear ticks: 5–8 per axis at multiples of 1, 2 or 5 × 10^k, inside the drawn range, which covers the data")
    func niceTicks() {
        var generator = SystemRandomNumberGenerator()
        var ranges: [(Double, Double)] = [(0, 1), (-72.3, 48.1), (140, 150), (-550.2, 12.5), (0.001, 0.0137), (1e-9, 1.00000001e-9 + 1e-12),
                                          (-3, -2.9), (0, 299), (99_999, 100_001)]
        for _ in 0..<2000 {
            let a = Double.random(in: -1e4...1e4, using: &generator), span = pow(10, Double.random(in: -4...5, using: &generator))
            ranges.append((a, a + span))
        }
        for (lo, hi) in ranges {
            let axis = Axis(values: [lo, hi], log: false)
            #expect(Axis.tickCount.contains(axis.ticks.count), "\(lo)…\(hi): \(axis.ticks.count) ticks \(axis.ticks)")
            let exponent = floor(log10(axis.step) + 1e-9)
            let mantissa = (axis.step / pow(10, exponent) * 1e6).rounded() / 1e6
            #expect([1, 2, 5].contains(mantissa), "\(lo)…\(hi): step \(axis.step)")
            #expect(axis.range.lowerBound <= lo && axis.range.upperBound >= hi)
            for t in axis.ticks {
                #expect(t >= axis.range.lowerBound - 1e-9 * axis.step && t <= axis.range.upperBound + 1e-9 * axis.step)
                let k = t / axis.step
                #expect(abs(k - k.rounded()) < 1e-6, "\(t) is not a multiple of \(axis.step)")
            }
        }
    }

    @Test("tick labels use the minus sign U+2212, never a hyphen, and as many decimals as the step")
    func minusSign() {
        let axis = Axis(values: [-72.3, 48.1], log: false)
        let labels = axis.ticks.map(axis.label)
        #expect(labels.contains { $0.hasPrefix("\u{2212}") }, "\(labels)")
        #expect(labels.allSatisfy { !$0.contains("-") }, "\(labels)")
        #expect(labels.contains("0"))
        let fine = Axis(values: [-0.37, 0.41], log: false)
        #expect(fine.ticks.map(fine.label).contains("\u{2212}0.2"), "\(fine.ticks.map(fine.label))")
        #expect(Axis.label(-1e-5) == "\u{2212}1e\u{2212}05")
        // Whole SVG documents carry no hyphen-minus in their tick labels.
        let figure = SVGFigure(title: "t", xLabel: "time (s)", panels: [
            PlotPanel(yLabel: "V (mV)", series: [PlotSeries(name: "V", points: (0..<100).map { (Double($0) - 50, -70 + Double($0)) })]),
        ])
        let doc = try? XMLDocument(data: Data(figure.render().utf8))
        let ticks = ((try? texts(doc!, class: "ytick")) ?? []) + ((try? texts(doc!, class: "xtick")) ?? [])
        #expect(ticks.count >= 10 && ticks.allSatisfy { !$0.contains("-") } && ticks.contains { $0.contains("\u{2212}") }, "\(ticks)")
    }

    @Test("log ticks: decades, with 2 and 5 on a short range")
    func logTicks() {
        #expect(Axis(values: [1000, 9000], log: true).ticks == [1000, 2000, 5000, 10000])
        #expect(Axis(values: [0.001, 9999], log: true).ticks == [0.001, 0.01, 0.1, 1, 10, 100, 1000, 10000])
    }

    @Test("--size in px, cm and in; the SVG's width and height carry the unit")
    func sizes() throws {
        let cm = try FigureStyle(size: "17x10cm")
        #expect(abs(cm.width! - 17 / 2.54 * 96) < 1e-9 && cm.unit == "cm")
        #expect(try FigureStyle(size: "6.5x4in").width == 624)
        #expect(try FigureStyle(size: "800x600").height == 600)
        #expect(throws: IOError.self) { try FigureStyle(size: "17cm") }
        var figure = SVGFigure(title: "t", xLabel: "time (s)", panels: [PlotPanel(yLabel: "V (mV)", series: [PlotSeries(name: "V", points: [(0, 0), (1, 1)])])])
        figure.style = cm
        let svg = figure.render()
        #expect(svg.contains("width=\"17.00cm\" height=\"10.00cm\" viewBox=\"0 0 642.5 378.0\""), "\(svg.prefix(300))")
    }
}

@Suite("Figure contents")
struct FigureContentTests {
    @Test("every panel of a trace and of a conductances file is labelled with its unit; calcium in model units")
    func units() throws {
        let dir = try temporaryFolder("figure-units")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeCSV(dir + "/trace.csv", "t_ms,V_mV,Ca_au", table(50) { x in [x, -60 + x.truncatingRemainder(dividingBy: 7), 1 + x] })
        try writeCSV(dir + "/conductances.csv", "t_ms,Ca_average_au,g_Na_mS_cm2,g_A_mS_cm2,g_s_at_Vth,g_u_at_Vth",
                     table(20) { x in [x * 1000, 100, 4000, 300, -8 + x * 0.1, 4] })
        for file in ["trace.csv", "conductances.csv"] {
            let doc = try XMLDocument(data: Data(try TracePlot.figure(csv: dir + "/" + file).render().utf8))
            let labels = try texts(doc, class: "ylabel") + texts(doc, class: "xlabel")
            #expect(labels.count >= 3, "\(labels)")
            for l in labels { #expect(l.range(of: #"\((mV|model units|mS/cm²|per g_leak|s)\)$"#, options: .regularExpression) != nil, "\(file): '\(l)'") }
            #expect(labels.contains { $0.hasPrefix("Ca") && $0.hasSuffix("(model units)") }, "\(labels)")
        }
    }

    @Test("a run's summary gives the title, the events' labels and the targets as reference lines")
    func context() throws {
        let dir = try temporaryFolder("figure-context")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeCSV(dir + "/conductances.csv", "t_ms,Ca_average_au,g_CaS_mS_cm2,g_s_at_Vth,g_u_at_Vth",
                     table(301) { x in [x * 1000, x < 150 ? 100 : 125, 10, x < 150 ? 5 : -8, 4] })
        let summary: [String: Any] = ["model": "V2", "experiment": "v2-controlled", "duration_ms": 300_000.0,
                                      "events": [["t_ms": 150_000.0, "event": "DIC targets g_s = -8.0, g_u = 4.0"]],
                                      "homeostasis": ["Ca_target": 125.0], "neuromodulation": ["g_s": 5.0, "g_u": 4.0]]
        try JSONSerialization.data(withJSONObject: summary).write(to: URL(fileURLWithPath: dir + "/summary.json"))
        let context = try #require(FigureContext.beside(dir + "/conductances.csv"))
        let figure = try TracePlot.figure(csv: dir + "/conductances.csv", context: context, what: "conductances")
        #expect(figure.title == "V2 (v2-controlled): conductances; homeostasis + controller; g_s* 5 → \u{2212}8 at 150 s", "\(figure.title)")
        let doc = try XMLDocument(data: Data(figure.render().utf8))
        #expect(try texts(doc, class: "marker-label") == ["g_s* 5 → \u{2212}8"])
        let references = try elements(doc, "line", class: "reference")
        let values = references.compactMap { attribute($0, "data-value").flatMap(Double.init) }.sorted()
        #expect(values == [-8, 4, 5, 125], "\(values)")
        // Each reference line spans its segment: g_s* = 5 ends where g_s* = −8 begins, at the event.
        func x(_ v: Double, _ end: String) -> Double? { references.first { attribute($0, "data-value").flatMap(Double.init) == v }.flatMap { attribute($0, end) }.flatMap(Double.init) }
        #expect(x(5, "x2") == x(-8, "x1") && x(5, "x2") != nil)
        #expect(try texts(doc, class: "reference-label").contains("g_s* = \u{2212}8"))
    }

    @Test("event summaries read back into the events they describe")
    func eventRoundTrip() {
        let actions: [ProtocolEvent.Action] = [.block(channel: "H", fraction: 0), .block(channel: "KCa", fraction: 0.5), .unblock(channel: "H"),
                                              .appliedCurrent(-2.5), .ramp(to: 3, end: 4000), .setConductance(channel: "CaS", value: 12.5),
                                              .scaleConductance(channel: "A", factor: 1.5), .calciumTarget(100), .dicTargets(gs: -8, gu: 4),
                                              .dicTargets(gs: nil, gu: -4), .clamp(-60), .releaseClamp,
                                              .sharp(SharpNeuromodulation(gs: -8, gu: 4, conductances: ["CaS", "A"]))]
        for a in actions {
            let e = ProtocolEvent(time: 1000, action: a)
            let back = ProtocolEvent(summary: e.summary, time: 1000)
            #expect(back?.summary == e.summary && back?.label() == e.label(), "\(e.summary)")
        }
        #expect(ProtocolEvent(time: 0, action: .block(channel: "H", fraction: 0)).label() == "block H")
        #expect(ProtocolEvent(time: 0, action: .dicTargets(gs: -8, gu: 4)).label(gs: 5, gu: 4) == "g_s* 5 → \u{2212}8")
        #expect(FigureContext.modelName("stg-spiking", source: "ganglion compensate stg-spiking --unknowns CaS,A --target gs=-8,gu=4 --variant exact")
                    == "stg-spiking, CaS and A set for g_s* = \u{2212}8, g_u* = 4")
    }

    @Test("dics --plot: the y range shows g_s and g_u near threshold, g_f is clipped and noted, targets are reference lines")
    func dicRange() throws {
        let dir = try temporaryFolder("figure-dics")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try ganglion(["dics", "stg-bursting", "--curve", "-80:-30:0.5", "--out", dir + "/d.csv", "--plot", "--target", "gs=-8,gu=4", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let vth = try #require((o["threshold"] as? [String: Any])?["V"] as? Double)
        // The curve, read from the CSV.
        let rows = try String(contentsOfFile: dir + "/d.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").compactMap { Double($0) } }
        let near = rows.filter { $0[0] >= vth - 10 && $0[0] <= vth + 3 }
        let doc = try XMLDocument(data: Data(contentsOf: URL(fileURLWithPath: dir + "/d.svg")))
        let panel = try #require(try elements(doc, "g", class: "panel").first)
        let ymin = try #require(attribute(panel, "data-ymin").flatMap(Double.init)), ymax = try #require(attribute(panel, "data-ymax").flatMap(Double.init))
        for row in near { #expect(row[2] >= ymin && row[2] <= ymax && row[3] >= ymin && row[3] <= ymax, "g_s, g_u at \(row[0]) mV") }
        let gsSpan = near.map { $0[2] }.max()! - near.map { $0[2] }.min()!, guSpan = near.map { $0[3] }.max()! - near.map { $0[3] }.min()!
        #expect(ymax - ymin < 4 * max(gsSpan, guSpan, 12), "the range \(ymin)…\(ymax) is set by g_s, g_u and the targets")
        let gfMin = rows.map { $0[1] }.min()!
        #expect(gfMin < ymin, "g_f (min \(gfMin)) is clipped")
        #expect(try texts(doc, class: "note").contains { $0.hasPrefix("g_f leaves the axis below") })
        // Reference lines at the targets, placed where the axis puts those values.
        let rect = try #require(try elements(doc, "rect").first { attribute($0, "stroke") == "#888" })
        let top = Double(attribute(rect, "y")!)!, height = Double(attribute(rect, "height")!)!
        for target in [-8.0, 4.0] {
            let line = try #require(try elements(doc, "line", class: "reference").first { attribute($0, "data-value").flatMap(Double.init) == target })
            let y = Double(attribute(line, "y1")!)!
            #expect(abs(y - (top + height - (target - ymin) / (ymax - ymin) * height)) < 0.11, "g* = \(target) at y = \(y)")
        }
        #expect(try texts(doc, class: "marker-label").first?.hasPrefix("V_th = \u{2212}") == true)
    }

    @Test("a circuit's conductances: one panel per channel, one colour per cell, one legend")
    func circuitLegend() throws {
        let dir = try temporaryFolder("figure-circuit")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeCSV(dir + "/conductances.csv", "t_ms,c1.Na,c1.A,c2.Na,c2.A,c3.Na,c3.A",
                     table(30) { x in [x * 1000, 4000, 300, 4100, 310, 3900, 290] })
        let figure = try TracePlot.figure(csv: dir + "/conductances.csv")
        #expect(figure.panels.map(\.yLabel) == ["ḡ_Na (mS/cm²)", "ḡ_A (mS/cm²)"])
        #expect(figure.panels.allSatisfy { $0.series.map(\.name) == ["c1", "c2", "c3"] })
        #expect(Set(figure.panels.flatMap { $0.series.compactMap(\.color) }).count == 3, "one colour per cell, the same in every panel")
        let doc = try XMLDocument(data: Data(figure.render().utf8))
        #expect(try elements(doc, "g", class: "legend").count == 1)
    }

    @Test("box-plot jitter: deterministic, in the column, not correlated with the cell's index nor with the previous cell's offset")
    func jitter() {
        let n = 500
        let offsets = (0..<n).map(PopulationPlot.jitter)
        #expect(offsets == (0..<n).map(PopulationPlot.jitter))
        #expect(offsets.allSatisfy { $0 >= -0.5 && $0 < 0.5 })
        func correlation(_ a: [Double], _ b: [Double]) -> Double {
            let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
            let cov = zip(a, b).map { ($0 - ma) * ($1 - mb) }.reduce(0, +)
            return cov / (a.map { ($0 - ma) * ($0 - ma) }.reduce(0, +).squareRoot() * b.map { ($0 - mb) * ($0 - mb) }.reduce(0, +).squareRoot())
        }
        let index = (0..<n).map(Double.init)
        #expect(abs(correlation(index, offsets)) < 0.1, "r(index, offset) = \(correlation(index, offsets))")
        // A constant increment modulo 1 (diagonal stripes once the dots are sorted) has a lag-1 autocorrelation far from 0.
        let lag = correlation(Array(offsets.dropLast()), Array(offsets.dropFirst()))
        #expect(abs(lag) < 0.1, "lag-1 autocorrelation \(lag)")
        let stripes = (0..<n).map { Double(($0 * 7919) % 101) / 100 - 0.5 }
        #expect(abs(correlation(Array(stripes.dropLast()), Array(stripes.dropFirst()))) > 0.3, "the check sees stripes")
        // Spread over the column: every tenth of it holds between 5 % and 15 % of the cells.
        for k in 0..<10 {
            let share = Double(offsets.filter { $0 >= -0.5 + Double(k) / 10 && $0 < -0.4 + Double(k) / 10 }.count) / Double(n)
            #expect(share > 0.05 && share < 0.15, "tenth \(k): \(share)")
        }
    }

    @Test("violins and trajectories: one violin per condition and quantity, one trajectory per cell from its start to its end")
    func violinAndTrajectories() throws {
        let conditions = [PopulationPlot.Condition(label: "a", frequency: [10, 12, 14, 11], burstiness: [100, 300], bursting: 2, cells: 4),
                          PopulationPlot.Condition(label: "b", frequency: [20, 22], burstiness: [1000, 2000, 1500], bursting: 3, cells: 3)]
        let doc = try XMLDocument(data: Data(PopulationPlot.svg(title: "v", conditions: conditions, shape: .violin).utf8))
        let violins = try elements(doc, "g", class: "violin")
        #expect(violins.compactMap { attribute($0, "data-median").flatMap(Double.init) } == [11.5, 21, 200, 1500])
        #expect(try elements(doc, "circle", class: "cell").count == 11)
        #expect(try elements(doc, "g", class: "box").isEmpty)
        // Trajectories from a population folder's cells/<i>/conductances.csv.
        let dir = try temporaryFolder("figure-trajectories")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for i in 0..<3 {
            try FileManager.default.createDirectory(atPath: dir + "/cells/\(i)", withIntermediateDirectories: true)
            try writeCSV(dir + "/cells/\(i)/conductances.csv", "t_ms,g_CaS_mS_cm2,g_A_mS_cm2",
                         table(10) { x in [x * 1000, 10 + Double(i) + x, 300 - 10 * x] })
        }
        let cells = try TrajectoryPlot.cells(folder: dir, x: "A", y: "CaS")
        #expect(cells.map(\.name) == ["0", "1", "2"])
        let first: (Double, Double) = cells[1].points[0], last: (Double, Double) = cells[1].points[9]
        #expect(first.0 == 300 && first.1 == 11 && last.0 == 210 && last.1 == 20)
        let t = try XMLDocument(data: Data(TrajectoryPlot.svg(title: "t", cells: cells, x: "A", y: "CaS").utf8))
        let groups = try elements(t, "g", class: "trajectory")
        #expect(groups.compactMap { attribute($0, "data-points") } == ["10", "10", "10"])
        #expect(try elements(t, "circle", class: "start").count == 3 && elements(t, "circle", class: "end").count == 3)
        #expect(try texts(t, class: "xlabel") == ["ḡ_A (mS/cm²)"] && texts(t, class: "ylabel") == ["ḡ_CaS (mS/cm²)"])
        // The start is drawn left of the end (ḡ_A falls) and below it (ḡ_CaS grows: smaller y in the SVG).
        let start = try elements(t, "circle", class: "start")[0], end = try elements(t, "circle", class: "end")[0]
        #expect(Double(attribute(start, "cx")!)! > Double(attribute(end, "cx")!)! && Double(attribute(start, "cy")!)! > Double(attribute(end, "cy")!)!)
    }
}

@Suite("Figure files")
struct FigureFileTests {
    @Test("PNG and PDF are rendered by rsvg-convert with the right magic bytes; without it the error says what to install")
    func renderedFormats() throws {
        let dir = try temporaryFolder("figure-files")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let svg = SVGFigure(title: "t", xLabel: "time (s)", panels: [PlotPanel(yLabel: "V (mV)", series: [PlotSeries(name: "V", points: [(0, 0), (1, 1)])])]).render()
        #expect(throws: IOError.self) { try FigureFile.write(svg: svg, to: dir + "/none.png", searchPath: dir + "/nowhere") }
        do { try FigureFile.write(svg: svg, to: dir + "/none.pdf", searchPath: dir + "/nowhere") } catch {
            #expect("\(error)".contains("rsvg-convert") && "\(error)".contains("librsvg2-bin"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/none.png") && !FileManager.default.fileExists(atPath: dir + "/none.pdf"))
        guard FigureFile.locateRenderer() != nil else { return }   // PNG and PDF need librsvg (bash scripts/setup.sh installs it)
        try FigureFile.write(svg: svg, to: dir + "/a.png")
        try FigureFile.write(svg: svg, to: dir + "/a.pdf")
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/a.png")), pdf = try Data(contentsOf: URL(fileURLWithPath: dir + "/a.pdf"))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(String(decoding: pdf.prefix(5), as: UTF8.self) == "%PDF-")
        // The CLI chooses the format from --out's extension or from --format.
        try writeCSV(dir + "/t.csv", "t_ms,V_mV", table(100) { x in [x, -60 + x.truncatingRemainder(dividingBy: 10)] })
        #expect(try ganglion(["plot", dir + "/t.csv", "--out", dir + "/t.pdf", "--size", "17x10cm", "--font-size", "9"]).status == 0)
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/t.pdf")).prefix(5), as: UTF8.self) == "%PDF-")
        #expect(try ganglion(["plot", dir + "/t.csv", "--format", "png"]).status == 0)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/t.png")).prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        // clamp and fi write their figures in the format and at the size asked for (PNG width in its IHDR chunk).
        let fi = try ganglion(["fi", "stg-spiking", "--currents", "0:1:1", "--duration-per-step", "600", "--transient", "100",
                               "--out", dir + "/fi", "--figure-format", "png", "--size", "640x400", "--font-size", "14"])
        #expect(fi.status == 0, "\(fi.stderr)")
        let fiPNG = try Data(contentsOf: URL(fileURLWithPath: dir + "/fi/fi.png"))
        #expect(Array(fiPNG.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        #expect(fiPNG[16..<20].reduce(0) { $0 << 8 | Int($1) } == 640)
        #expect(!FileManager.default.fileExists(atPath: dir + "/fi/fi.svg"))
        let clamp = try ganglion(["clamp", "stg-spiking", "--steps", "-60:-20:20", "--duration-per-step", "50", "--hold-duration", "100",
                                  "--out", dir + "/clamp", "--figure-format", "pdf"])
        #expect(clamp.status == 0, "\(clamp.stderr)")
        for name in ["traces", "iv", "gating"] {
            #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/clamp/\(name).pdf")).prefix(5), as: UTF8.self) == "%PDF-")
        }
    }
}
