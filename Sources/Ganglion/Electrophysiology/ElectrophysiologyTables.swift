import Foundation
import GanglionCore
import GanglionIO

/// A CSV table as text: a header row, then rows of cells (numbers with `DecimalFormatter`, nil as an empty cell).
struct CSVText {
    private(set) var text: String

    init(header: [String]) { text = header.joined(separator: ",") + "\n" }

    mutating func row(_ cells: [CSVCell]) {
        text += cells.map(\.text).joined(separator: ",") + "\n"
    }
}

/// One cell of a `CSVText` row.
enum CSVCell {
    case number(Double?)
    case word(String)

    var text: String {
        switch self {
        case .number(let x): x.map { $0.isFinite ? DecimalFormatter.string($0) : "" } ?? ""
        case .word(let w): CSVTable.quoted(w)
        }
    }
}

extension VoltageClampResult {
    /// The traces as CSV: one row per kept sample of each step — `command_mV`, `t_ms` (since the step's onset),
    /// `I_clamp_uA_cm2`, then `I_<channel>_uA_cm2` per channel and the leak.
    public var tracesCSV: String {
        var t = CSVText(header: ["command_mV", "t_ms", "I_clamp_uA_cm2"] + channels.map { "I_\($0)_uA_cm2" })
        for s in steps {
            for (i, time) in s.times.enumerated() {
                t.row([.number(s.command), .number(time), .number(s.clampCurrent[i])] + s.currents.map { .number($0[i]) })
            }
        }
        return t.text
    }

    /// The I–V and gating curves as CSV, one row per command: `V_mV`, `Ca_rest_au` (Ca∞(V)), peak and steady-state
    /// I_clamp, peak and steady-state current of each channel and the leak (µA/cm²), then per channel its
    /// steady-state gating from its functions (`<ch>_m_inf_p` = m∞^p, `<ch>_h_inf`, `<ch>_open_inf`) and measured
    /// (`<ch>_open_ss` = I_ss/(ḡ (V − E)), `<ch>_open_peak` = I_peak/(ḡ (V − E))); empty where not defined.
    public var curvesCSV: String {
        var header = ["V_mV", "Ca_rest_au", "I_clamp_peak_uA_cm2", "I_clamp_ss_uA_cm2"]
        header += channels.flatMap { ["I_\($0)_peak_uA_cm2", "I_\($0)_ss_uA_cm2"] }
        header += gating.flatMap { g in ["m_inf_p", "h_inf", "open_inf", "open_ss", "open_peak"].map { "\(g.name)_\($0)" } }
        var t = CSVText(header: header)
        for (i, s) in steps.enumerated() {
            var row: [CSVCell] = [.number(s.command), .number(restingCalcium[i]), .number(s.peakClamp), .number(s.steadyClamp)]
            row += channels.indices.flatMap { [CSVCell.number(s.peak[$0]), .number(s.steady[$0])] }
            row += gating.flatMap { g in
                [.number(g.activation?[i]), .number(g.inactivation?[i]), .number(g.open[i]), .number(g.measuredOpen[i]),
                 .number(g.measuredPeakOpen[i])] as [CSVCell]
            }
            t.row(row)
        }
        return t.text
    }

    /// I_clamp over time, one line per command.
    public var tracesFigure: SVGFigure {
        let panel = PlotPanel(yLabel: "I_clamp (µA/cm²)", series: steps.map { s in
            PlotSeries(name: "\(shortNumber(s.command)) mV", points: Array(zip(s.times, s.clampCurrent)))
        })
        var f = SVGFigure(title: "\(model): voltage clamp from \(shortNumber(holdingPotential)) mV", xLabel: "time since the step (ms)",
                          panels: [panel])
        f.panelHeight = 300
        return f
    }

    /// Peak and steady-state I–V curves: the total (I_clamp), and each channel's.
    public var ivFigure: SVGFigure {
        let V = steps.map(\.command)
        let total = PlotPanel(yLabel: "I_clamp (µA/cm²)", series: [
            PlotSeries(name: "peak", points: Array(zip(V, steps.map(\.peakClamp)))),
            PlotSeries(name: "steady state", points: Array(zip(V, steps.map(\.steadyClamp)))),
        ])
        func perChannel(_ label: String, _ value: @escaping (ClampStep, Int) -> Double) -> PlotPanel {
            PlotPanel(yLabel: label, series: channels.enumerated().map { c, name in
                PlotSeries(name: name, points: steps.map { ($0.command, value($0, c)) })
            })
        }
        return SVGFigure(title: "\(model): I–V from \(shortNumber(holdingPotential)) mV", xLabel: "command potential (mV)",
                         panels: [total, perChannel("peak I (µA/cm²)") { $0.peak[$1] }, perChannel("steady-state I (µA/cm²)") { $0.steady[$1] }])
    }

    /// Each channel's steady-state gating against V: m∞^p, h∞ and the open fraction from its functions, and
    /// the open fraction measured at steady state and at the peak.
    public var gatingFigure: SVGFigure {
        let V = steps.map(\.command)
        func line(_ name: String, _ values: [Double?]?) -> PlotSeries? {
            values.map { v in PlotSeries(name: name, points: zip(V, v).map { ($0, $1 ?? .nan) }) }
        }
        let panels = gating.map { g in
            PlotPanel(yLabel: "\(g.name) gating", series: [
                line("m∞^p", g.activation), line("h∞", g.inactivation), line("open∞", g.open),
                line("measured, steady", g.measuredOpen), line("measured, peak", g.measuredPeakOpen),
            ].compactMap { $0 })
        }
        return SVGFigure(title: "\(model): steady-state activation and inactivation", xLabel: "V (mV)", panels: panels)
    }
}

extension FICurveResult {
    /// The f–I curve as CSV, one row per step in the order run: `direction` (up, down), `I_uA_cm2`, `rate_hz`
    /// (spikes per second of the window), `spikes`, `pattern`, then the window's features (`frequency_hz` from
    /// the mean ISI, `burstiness_hz2`, `spikes_per_burst`, `intraburst_hz`, `interburst_hz`, `burst_period_ms`,
    /// `duty_cycle`; empty where not defined) and the window (`window_start_ms`, `window_end_ms`).
    public var csv: String {
        var t = CSVText(header: ["direction", "I_uA_cm2", "rate_hz", "spikes", "pattern", "frequency_hz", "burstiness_hz2",
                                 "spikes_per_burst", "intraburst_hz", "interburst_hz", "burst_period_ms", "duty_cycle",
                                 "window_start_ms", "window_end_ms"])
        for p in points {
            let f = p.features
            t.row([.word(p.direction.rawValue), .number(p.current), .number(p.rate), .number(Double(f.spikeTimes.count)),
                   .word(f.pattern.rawValue), .number(f.frequency), .number(f.burstiness), .number(f.spikesPerBurst.map(Double.init)),
                   .number(f.intraburstFrequency), .number(f.interburstFrequency), .number(f.burstPeriod), .number(f.dutyCycle),
                   .number(p.window.lowerBound), .number(p.window.upperBound)])
        }
        return t.text
    }

    /// Firing rate against the applied current, the up and down branches as two lines.
    public var figure: SVGFigure {
        let up = points.filter { $0.direction == .up }
        // The down branch starts where the up branch ends, so the two lines meet at the top current.
        let down = Array(up.suffix(1)) + points.filter { $0.direction == .down }
        let panel = PlotPanel(yLabel: "firing rate (Hz)", series: [
            PlotSeries(name: "up", points: up.map { ($0.current, $0.rate) }),
            PlotSeries(name: "down", points: down.map { ($0.current, $0.rate) }),
        ])
        var f = SVGFigure(title: "\(model): f–I, \(up.count) steps up and back down", xLabel: "applied current (µA/cm²)", panels: [panel])
        f.panelHeight = 300
        return f
    }
}

/// A number as `%g` writes it (`-80`, `0.5`), for titles and legends.
/// A number for a figure's text: the shortest form, with a true minus sign.
func shortNumber(_ x: Double) -> String { String(format: "%g", x).replacingOccurrences(of: "-", with: "\u{2212}") }
