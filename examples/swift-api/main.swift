// Scripting Ganglion in Swift, without files: a neuron with homeostasis and the neuromodulation
// controller, a protocol, a run, its firing, and a figure; then a cell mechanism of your own
// (CalciumScaledConductance.swift). Build and run:
//
//     swift build -c release && .build/release/ganglion-swift-api-example [--duration MS] [--out DIR]
//
// It writes DIR/trace.csv, DIR/conductances.csv and DIR/trace.svg, DIR/conductances.svg (default DIR: out/swift-api).
import Foundation
import Ganglion

var duration = 60_000.0
var folder = "out/swift-api"
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--duration": duration = arguments.next().flatMap(Double.init) ?? duration
    case "--out": folder = arguments.next() ?? folder
    default:
        FileHandle.standardError.write(Data("usage: ganglion-swift-api-example [--duration MS] [--out DIR]\n".utf8))
        exit(2)
    }
}

do {
    // 1. The neuron: the spiking STG cell of the model library (Docs/science/models.md §5).
    var cell = try NamedModel.named("stg-spiking")!.neuron()

    // 2. Its threshold, where the controller holds the DICs (Docs/science/dics.md §4).
    let vth = try DICCalculator(cell).threshold(.grid).V

    // 3. The controllers: CaS and A driven towards the (g_s, g_u) = (5, 4) reference at V_th; homeostasis
    //    (Ca target 125) on every other conductance (Docs/science/controllers.md §1–2).
    cell.neuromodulation = Neuromodulation(conductances: ["CaS", "A"], gs: 5, gu: 4, thresholdVoltage: vth)
    cell.homeostasis = try Homeostasis.paper(cell, regulated: ["Na", "CaT", "KCa", "Kd", "H", "leak"], calciumTarget: 125)

    // 4. The protocol: neuromodulate to bursting (g_s* = −8) half-way through.
    var request = SimulationRequest(neuron: cell, duration: duration)
    request.events = [ProtocolEvent(time: duration / 2, action: .dicTargets(gs: -8, gu: nil))]
    request.window = (duration / 2 - min(5000, duration / 4))...(duration / 2)
    request.extraWindows = [(duration - min(5000, duration / 4))...duration]
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    request.tracePath = folder + "/trace.csv"
    request.traceWindow = (duration / 2 - 2000)...(duration / 2 + 2000)
    request.conductanceInterval = 1000
    request.conductancesPath = folder + "/conductances.csv"

    // 5. Run it (CVODE BDF with the structured Newton solver) and read the firing before and after.
    let report = try simulate(request)
    print("V_th = \(String(format: "%.2f", vth)) mV")
    print("before the switch: \(report.features.pattern.rawValue), \(report.features.frequency.map { String(format: "%.1f Hz", $0) } ?? "—")")
    if let after = report.windowFeatures.first?.features {
        print("at the end:        \(after.pattern.rawValue), \(after.spikesPerBurst.map { "\($0) spikes per burst" } ?? "—")")
    }

    // 6. The figures.
    for name in ["trace", "conductances"] {
        let figure = try TracePlot.figure(csv: "\(folder)/\(name).csv", title: "stg-spiking, controlled: \(name)",
                                          markers: [(duration / 2, "g_s* → −8")])
        try AtomicFileWriter.write(Data(figure.render().utf8), to: "\(folder)/\(name).svg")
    }
    print("wrote \(folder)/trace.svg, \(folder)/conductances.svg")

    // 7. A mechanism of your own (CalciumScaledConductance.swift): ḡ_CaS scaled by a 1 s calcium average
    //    toward the set point 60; a 30 s run of the bursting cell with it, by exponential Euler.
    var bursting = try NamedModel.named("stg-bursting")!.neuron()
    bursting.mechanisms = [CalciumScaledConductance(conductance: "CaS", target: 60)]
    var scaled = SimulationRequest(neuron: bursting, duration: 30_000)
    scaled.solver = .expEuler
    scaled.window = 25_000...30_000
    let result = try simulate(scaled)
    print(String(format: "own mechanism: g_CaS %.2f → %.2f mS/cm², calcium average %.2f (set point 60), %@",
                 bursting.gbar("CaS")!, result.finalState["scaled.CaS.gbar"]!, result.readouts[0].means["scaled.a"]!,
                 result.features.pattern.rawValue))
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
