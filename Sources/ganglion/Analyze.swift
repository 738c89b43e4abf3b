import ArgumentParser
import Foundation
import Ganglion

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Firing summary of a voltage trace (CSV from Ganglion or another simulator).")

    @Argument(help: "Trace CSV (a header row naming the units, e.g. t_ms or t_s and V_mV or V_V; LF or CRLF line ends), or an NWB file (a voltage series).")
    var trace: String
    @Option(help: "Voltage column (default V_mV, else the first V column).") var column: String?
    @Option(help: "Units of the CSV's time and voltage columns when its header does not name them: TIME,VOLTAGE with s or ms and V or mV (e.g. s,V).")
    var units: TraceUnits?
    @Option(help: "Analysis window START:END (ms). Default 3000 to the end (the whole trace if it ends before 3000 ms).")
    var window: String?
    @Flag(help: "Print exactly one JSON object on stdout.") var json = false

    func run() throws {
        let requested = try parseWindow(window)
        // Pass 1 is avoided: analyse everything from the window start and cut at the end.
        var analyzer = WindowAnalyzer(window: requested ?? 3000...Double.infinity)
        var fallback = WindowAnalyzer(window: 0...Double.infinity)
        var first = Double.nan, last = Double.nan
        var path = trace
        var voltageColumn = column
        var calciumColumn: String? = TraceColumns.calcium   // (`Ca` in older files and other tools' is read too)
        if isNWB(trace) {
            let pick: [String]
            do { pick = try NWBReader.analysisSeries(in: trace, column: column) } catch { throw fail("\(error)") }
            let converted = try temporaryCSV(fromNWB: trace, series: pick)
            path = converted.csv
            voltageColumn = converted.columns[0]
            calciumColumn = converted.columns.count > 1 ? converted.columns[1] : nil
        }
        defer { if path != trace { unlink(path) } }
        do {
            try CSVTraceReader.read(path: path, column: voltageColumn, calcium: calciumColumn, units: path == trace ? units : nil) { t, V, Ca in
                if first.isNaN { first = t }
                last = t
                analyzer.observe(t: t, V: V, Ca: Ca)
                if requested == nil, t < 3000 { fallback.observe(t: t, V: V, Ca: Ca) }
            }
        } catch { throw fail(path == trace ? "\(error)" : nwbMessage(error, csv: path, nwb: trace)) }
        if let requested, requested.lowerBound > last || requested.upperBound < first {
            throw fail("--window \(requested.lowerBound):\(requested.upperBound) ms lies outside the trace (\(first)–\(last) ms)")
        }
        // A trace shorter than 3 s is analysed whole when no window was asked for.
        let used = (requested == nil && last < 3000) ? fallback : analyzer
        let features = used.features
        let covered = used.coveredWindow ?? (first...last)
        if json {
            var o = features.jsonObject
            o["mean_ca"] = used.meanCalcium as Any
            o["window_ms"] = [covered.lowerBound, covered.upperBound]
            o["trace"] = trace
            print(JSONOutput.string(o))
        } else {
            print("trace            \(trace)")
            print("window           \(covered.lowerBound)–\(covered.upperBound) ms")
            print(features.readableSummary)
            if let ca = used.meanCalcium, ca.isFinite { print(String(format: "mean Ca          %.4f", ca)) }
        }
    }
}

extension TraceUnits: ExpressibleByArgument {}
