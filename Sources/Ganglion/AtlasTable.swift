import Foundation

/// An atlas's two tables: one row per task (point, cell) — the sweep's row with the point in front — and one
/// row per grid point with the fraction of cells in each outcome and the median firing features.
public enum AtlasTable {
    /// The outcomes a cell can have at a point: its firing pattern, or a failure of the compensation solve
    /// or of the integration. In this order the atlas's columns are written and ties of `dominant` are broken.
    public static let outcomes = ["bursting", "tonic", "silent", "irregular", "insufficient", "failed_compensation", "failed_simulation"]

    /// The column of an axis's value: `gs_target` for a DIC, `gbar_CaS_mS_cm2` for a conductance.
    public static func column(_ axis: AtlasAxis) -> String {
        axis.dic != nil ? "\(axis.name)_target" : "gbar_\(axis.name)_mS_cm2"
    }

    /// A row's outcome: its pattern, `failed_compensation` or `failed_simulation`.
    public static func outcome(_ row: SweepRow) -> String {
        if row.compensationFailed { return "failed_compensation" }
        return row.report?.features.pattern.rawValue ?? "failed_simulation"
    }

    /// The per-cell table's header: task, point, ix, iy, the two axis columns, outcome, then the sweep's columns but the wall time.
    public static func cellHeader(x: AtlasAxis, y: AtlasAxis, solved: [String]) -> [String] {
        ["task", "point", "ix", "iy", column(x), column(y), "outcome"] + SweepTable.header(solved: solved, wallTime: false)
    }

    /// Task `t`'s line in the per-cell table (columns of `cellHeader`).
    public static func cellLine(_ request: AtlasRequest, task t: Int, row: SweepRow) -> String {
        let (p, _) = request.task(t)
        let solved = request.isDICPlane ? request.unknowns : []
        return ([String(t), String(p.index), String(p.ix), String(p.iy), DecimalFormatter.string(p.x), DecimalFormatter.string(p.y), outcome(row)]
                + [SweepTable.line(row, solved: solved, populationSize: request.cells.count, wallTime: false)]).joined(separator: ",")
    }

    /// One line of the per-cell table, as read back: what the per-point table needs.
    public struct CellRecord: Sendable, Equatable {
        public var task: Int, point: Int
        public var outcome: String
        public var frequency: Double?, burstPeriod: Double?, spikesPerBurst: Double?, dutyCycle: Double?
        /// The line as written.
        public var line: String
    }

    /// Parses the lines of a per-cell table with `header`; throws naming `file` and the line.
    public static func records(_ lines: [Substring], header: [String], file: String, firstLine: Int = 2) throws(SimulationError) -> [CellRecord] {
        func index(_ name: String) throws(SimulationError) -> Int {
            guard let i = header.firstIndex(of: name) else { throw SimulationError(message: "\(file): not an atlas cell table (no '\(name)' column)") }
            return i
        }
        let ti = try index("task"), pi = try index("point"), oi = try index("outcome"), fi = try index("frequency_hz")
        let bi = try index("burst_period_ms"), si = try index("spikes_per_burst"), di = try index("duty_cycle")
        var out: [CellRecord] = []
        out.reserveCapacity(lines.count)
        for (k, line) in lines.enumerated() {
            let f = CSVTable.fields(line)
            guard f.count == header.count, let t = Int(f[ti]), let p = Int(f[pi]), t >= 0, p >= 0, outcomes.contains(f[oi]) else {
                throw SimulationError(message: "\(file): line \(firstLine + k): not a row of this atlas (\(f.count) fields, the header has \(header.count))")
            }
            out.append(CellRecord(task: t, point: p, outcome: f[oi], frequency: Double(f[fi]), burstPeriod: Double(f[bi]),
                                  spikesPerBurst: Double(f[si]), dutyCycle: Double(f[di]), line: String(line)))
        }
        return out
    }

    /// The per-point table's header.
    public static func pointHeader(x: AtlasAxis, y: AtlasAxis) -> [String] {
        ["point", "ix", "iy", column(x), column(y), "cells"] + outcomes + ["dominant", "frequency_hz", "burst_period_ms", "spikes_per_burst", "duty_cycle"]
    }

    /// One grid point's summary.
    public struct PointSummary: Sendable, Equatable {
        public var point: AtlasPoint
        /// Cells with a row at this point.
        public var cells: Int
        /// Cells per outcome (keys of `outcomes`).
        public var counts: [String: Int]
        /// The most frequent outcome (ties: the first in `outcomes`).
        public var dominant: String
        /// Medians over the cells that have the feature: spike frequency (Hz), burst period (ms), spikes per
        /// burst, duty cycle (fraction of the period).
        public var frequency: Double?, burstPeriod: Double?, spikesPerBurst: Double?, dutyCycle: Double?

        /// The fraction of the cells with `outcome`.
        public func fraction(_ outcome: String) -> Double { Double(counts[outcome] ?? 0) / Double(cells) }
    }

    /// The summaries of the grid points that have records, in point order.
    public static func summaries(x: AtlasAxis, y: AtlasAxis, records: [CellRecord]) -> [PointSummary] {
        let xs = x.values, ys = y.values
        var byPoint: [Int: [CellRecord]] = [:]
        for r in records { byPoint[r.point, default: []].append(r) }
        return byPoint.keys.sorted().map { p in
            let rs = byPoint[p]!.sorted { $0.task < $1.task }
            var counts: [String: Int] = [:]
            for r in rs { counts[r.outcome, default: 0] += 1 }
            let dominant = outcomes.max { (counts[$0] ?? 0) < (counts[$1] ?? 0) || ((counts[$0] ?? 0) == (counts[$1] ?? 0) && outcomes.firstIndex(of: $0)! > outcomes.firstIndex(of: $1)!) }!
            let ix = p % xs.count, iy = p / xs.count
            return PointSummary(point: AtlasPoint(index: p, ix: ix, iy: iy, x: xs[ix], y: ys[iy]), cells: rs.count, counts: counts, dominant: dominant,
                                frequency: median(rs.compactMap(\.frequency)), burstPeriod: median(rs.compactMap(\.burstPeriod)),
                                spikesPerBurst: median(rs.compactMap(\.spikesPerBurst)), dutyCycle: median(rs.compactMap(\.dutyCycle)))
        }
    }

    /// A point's line in the per-point table (columns of `pointHeader`): fractions of the cells, medians, empty
    /// fields for features no cell has.
    public static func pointLine(_ s: PointSummary) -> String {
        func num(_ x: Double?) -> String { x.map { $0.isFinite ? DecimalFormatter.string($0) : "" } ?? "" }
        return ([String(s.point.index), String(s.point.ix), String(s.point.iy), num(s.point.x), num(s.point.y), String(s.cells)]
                + outcomes.map { num(s.fraction($0)) }
                + [s.dominant, num(s.frequency), num(s.burstPeriod), num(s.spikesPerBurst), num(s.dutyCycle)]).joined(separator: ",")
    }

    /// The median of the finite values; nil if none.
    static func median(_ xs: [Double]) -> Double? {
        let v = xs.filter(\.isFinite).sorted()
        guard !v.isEmpty else { return nil }
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }
}
