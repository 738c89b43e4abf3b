import Foundation

/// The dynamic input conductances g_f, g_s, g_u over V (dimensionless, per g_leak; Docs/science/dics.md §3)
/// in one panel ranged around the threshold: the y axis covers g_s and g_u from 10 mV below V_th to 3 mV above, zero
/// and the targets, so their values and signs near threshold can be read; g_f, whose fast negative lobe is
/// an order of magnitude larger, is clipped and its extreme noted in the panel. V_th is marked, and the
/// targets g_s*, g_u* are drawn as labelled reference lines.
public enum DICPlot {
    /// One point of a DIC curve: V (mV) and g_f, g_s, g_u (per g_leak).
    public typealias Point = (V: Double, f: Double, s: Double, u: Double)

    /// The y range (per g_leak) showing g_s and g_u from `below` mV under `threshold` to `above` mV over it (the
    /// whole curve when nil), zero and `targets`, padded by 15 %.
    public static func yRange(_ curve: [Point], threshold: Double?, targets: [Double], below: Double = 10, above: Double = 3) -> ClosedRange<Double> {
        let near = curve.filter { p in threshold.map { p.V >= $0 - below && p.V <= $0 + above } ?? true }
        let values = (near.isEmpty ? curve : near).flatMap { [$0.s, $0.u] }.filter(\.isFinite) + targets + [0]
        let lo = values.min() ?? -1, hi = values.max() ?? 1
        let pad = max(0.15 * (hi - lo), 0.5)
        return (lo - pad)...(hi + pad)
    }

    /// The figure of `curve` for `model`, with V_th (mV) marked and g_s*, g_u* (per g_leak) as reference lines.
    public static func figure(model: String, curve: [Point], threshold: Double?, gsTarget: Double? = nil, guTarget: Double? = nil,
                              style: FigureStyle = FigureStyle()) -> SVGFigure {
        let targets = [gsTarget, guTarget].compactMap { $0 }
        var references = [ReferenceLine(value: 0, label: "")]
        if let gsTarget { references.append(ReferenceLine(value: gsTarget, label: "g_s* = \(Axis.label(gsTarget))")) }
        if let guTarget { references.append(ReferenceLine(value: guTarget, label: "g_u* = \(Axis.label(guTarget))")) }
        let panel = PlotPanel(yLabel: "DIC (per g_leak)", series: [
            PlotSeries(name: "g_f", points: curve.map { ($0.V, $0.f) }, color: "#1f4e79"),
            PlotSeries(name: "g_s", points: curve.map { ($0.V, $0.s) }, color: "#c0392b"),
            PlotSeries(name: "g_u", points: curve.map { ($0.V, $0.u) }, color: "#27823b"),
        ], markers: threshold.map { [($0, "V_th = \(Axis.minus(String(format: "%.2f", $0))) mV")] } ?? [],
           references: references, yRange: Axis(range: yRange(curve, threshold: threshold, targets: targets), log: false).range)
        var f = SVGFigure(title: "\(model): dynamic input conductances", xLabel: "V (mV)", panels: [panel])
        f.panelHeight = 360
        f.style = style
        if let first = curve.first?.V, let last = curve.last?.V, last > first { f.xRange = Axis(range: first...last, log: false).range }
        return f
    }
}
