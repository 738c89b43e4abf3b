import Foundation
import Ganglion

extension Bench {
    /// Times the trace sinks (`TraceSinkFormat.csv` and `.nwb`): `--sink-rows` rows of `--sink-columns` values
    /// (10 significant digits each), `--repeats` times, medians. "Flat out" writes the rows back to back, so
    /// the background writer sets the pace; "paced" puts ≈ 1 µs of arithmetic (a stand-in for the integration)
    /// between rows, and the caller's cost per row is the paced loop's time less that of the same loop without
    /// writes.
    func benchSinks(folder: String) throws {
        // Plain values: an option's getter is far dearer than a row's write.
        let sinkRows = self.sinkRows, sinkColumns = self.sinkColumns, repeats = self.repeats
        guard sinkColumns >= 1 else { throw fail("--sink-columns \(sinkColumns): must be ≥ 1") }
        let columns = ["t_ms"] + (0..<sinkColumns).map { "c\($0)" }
        // 1024 rows of values, cycled (the cost measured is the sink's, not the values').
        let table = (0..<(1024 * sinkColumns)).map { -70 + 0.000123456789 * Double(($0 &* 7919) % 1_000_003) }
        var metadata = NWBMetadata(sessionDescription: "ganglion bench: trace sinks")
        metadata.keywords = ["benchmark"]
        let formats: [(String, TraceSinkFormat)] = [("CSV", .csv), ("NWB", .nwb(NWBTraceOptions(metadata: metadata)))]
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) }
        /// About 1 µs of dependent floating-point work.
        @inline(never) func work(_ x: inout Double) { for _ in 0..<250 { x = x * 0.999_999 + 1e-9 } }
        func run(_ format: TraceSinkFormat, paced: Bool, path: String) throws -> (loop: Double, total: Double, bytes: Int) {
            unlink(path)
            let sink = try format.makeSink(path: path, columns: columns, replacingPartial: true)
            var x = 1.0
            let start = now()
            try table.withUnsafeBufferPointer { t in
                for k in 0..<sinkRows {
                    if paced { work(&x) }
                    let row = UnsafeBufferPointer(rebasing: t[((k & 1023) * sinkColumns)..<((k & 1023) * sinkColumns + sinkColumns)])
                    try sink.write(time: Double(k) * 0.1, values: row)
                }
            }
            let loop = now() - start
            try sink.commit()
            let total = now() - start
            if x == 0 { print("") }   // keeps the work
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return (loop, total, size)
        }
        var x = 1.0
        var bare: [Double] = []
        for _ in 0..<repeats {
            let start = now()
            for _ in 0..<sinkRows { work(&x) }
            bare.append(now() - start)
        }
        if x == 0 { print("") }
        let perRow = Double(sinkRows)
        print("\nTrace sinks: \(sinkRows) rows × \(sinkColumns) values (+ time), median of \(repeats); ns per row.")
        print("Paced: ≈ \(String(format: "%.0f", median(bare) / perRow)) ns of arithmetic per row, the caller's cost is the paced loop less that.\n")
        print("| sink | flat out: write loop | flat out: with commit | paced: caller's cost | file (MB) |")
        print("|---|---|---|---|---|")
        for (name, format) in formats {
            var loops: [Double] = [], totals: [Double] = [], paced: [Double] = []
            var bytes = 0
            for r in 0..<repeats {
                let path = folder + "/sink-\(r).\(format.fileExtension)"
                let flat = try run(format, paced: false, path: path)
                loops.append(flat.loop)
                totals.append(flat.total)
                bytes = flat.bytes
                unlink(path)
                paced.append(try run(format, paced: true, path: path).loop)
                unlink(path)
            }
            func ns(_ v: Double) -> String { String(format: "%.1f", v / perRow) }
            print("| \(name) | \(ns(median(loops))) | \(ns(median(totals))) | \(ns(median(paced) - median(bare))) | \(String(format: "%.1f", Double(bytes) / 1e6)) |")
        }
    }
}
