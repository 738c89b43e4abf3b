import Foundation
import Testing
import GanglionCore
import Ganglion

@Suite("Gate tables of the exponential integrator")
struct GateTableTests {
    static let models = JacobianTests.models + ["stg-bursting+kKCa2", "stg-bursting+KCa-not-factoring", "stg-bursting+A-untabulated"]

    /// A calcium-gated channel whose m∞ does not factor into a(V) b(Ca) (calcium shifts its half-activation):
    /// the tables must then compute m∞ at every step.
    enum ShiftedKCa: IonChannel {
        static let name = "KCa"
        static let ion = Ion.potassium
        static let activationExponent = 4
        static let calciumGated = true
        static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { 1 / (1 + T.exp((V + 28.3 - Ca / 20) / -12.6)) }
        static func tauM<T: GateScalar>(_ V: T) -> T { sigmoidTau(V, 90.3, 75.1, 46, -22.7) }
    }

    /// STG's A current declared not tabulatable: it is stepped from its exact rates, and its two states sit
    /// between the tabulated gates of CaS and KCa, so the gates are not consecutive states (the tables'
    /// indexed path).
    enum UntabulatedA: IonChannel {
        static let name = "A"
        static let ion = Ion.potassium
        static let activationExponent = 3
        static let inactivationExponent = 1
        static let tabulatesRates = false
        static func mInf<T: GateScalar>(_ V: T, calcium Ca: T) -> T { STG.A.mInf(V, calcium: Ca) }
        static func tauM<T: GateScalar>(_ V: T) -> T { STG.A.tauM(V) }
        static func hInf<T: GateScalar>(_ V: T) -> T { STG.A.hInf(V) }
        static func tauH<T: GateScalar>(_ V: T) -> T { STG.A.tauH(V) }
    }

    func neuron(_ name: String) throws -> CompiledNeuron {
        var n = try NamedModel.named("stg-bursting")!.neuron()
        switch name {
        case "stg-bursting+kKCa2":
            for i in n.conductances.indices where n.conductances[i].name == "KCa" { n.conductances[i].context.tauScale = 2 }
        case "stg-bursting+KCa-not-factoring":
            for i in n.conductances.indices where n.conductances[i].name == "KCa" { n.conductances[i].channel = ShiftedKCa.kinetics }
        case "stg-bursting+A-untabulated":
            for i in n.conductances.indices where n.conductances[i].name == "A" { n.conductances[i].channel = UntabulatedA.kinetics }
            let compiled = try CompiledNeuron(n)
            let a = compiled.layout.index(of: "A.m")!, kca = compiled.layout.index(of: "KCa.m")!, cas = compiled.layout.index(of: "CaS.h")!
            #expect(cas < a && a < kca, "A's states between CaS's and KCa's: \(compiled.layout.names)")
            return compiled
        default:
            return try JacobianTests().neuron(name)
        }
        return try CompiledNeuron(n)
    }

    /// A random state: V over the table's range, Ca over 0…500, gates and other states in [0, 1] (or
    /// around their initial values).
    func randomState(_ n: CompiledNeuron, _ rng: inout SystemRandomNumberGenerator) -> [Double] {
        var y = n.initialState()
        y[0] = Double.random(in: GateTable.lowerVoltage...GateTable.upperVoltage, using: &rng)
        y[1] = Double.random(in: 0.05...500, using: &rng)
        for (i, name) in n.layout.names.enumerated() where i >= 2 {
            if name.hasPrefix("homeostasis.") || name.hasPrefix("neuromodulation.") {
                y[i] *= Double.random(in: 0.5...1.5, using: &rng)
            } else {
                y[i] = Double.random(in: 0...1, using: &rng)
            }
        }
        return y
    }

    /// One stage-0 step from the table and from the exact linear form.
    func stepBothWays(_ n: CompiledNeuron, _ y0: [Double], h: Double, table: GateTable) -> ([Double], [Double]) {
        let work = UnsafeMutablePointer<Double>.allocate(capacity: 2 * n.dimension + table.columns)
        defer { work.deallocate() }
        var tabulated = y0, exact = y0
        tabulated.withUnsafeMutableBufferPointer { n.advanceStates($0.baseAddress!, step: h, table: table, work: work) }
        exact.withUnsafeMutableBufferPointer {
            n.advanceGenerically(stage: 0, ranges: n.linearStages[0], 0, $0.baseAddress!, step: h, work: work)
        }
        return (tabulated, exact)
    }

    /// Expects |tabulated[i] − exact[i]| ≤ tolerance(i) · max(1, |exact[i]|) for every i, and keeps the largest
    /// such relative difference in `worst`.
    func expectAgreement(_ tabulated: [Double], _ exact: [Double], tolerance: (Int) -> Double, worst: inout Double,
                         _ describe: (Int) -> String, sourceLocation: SourceLocation = #_sourceLocation) {
        for i in exact.indices {
            let scale = max(1, abs(exact[i]))
            worst = max(worst, abs(tabulated[i] - exact[i]) / scale)
            #expect(abs(tabulated[i] - exact[i]) <= tolerance(i) * scale, "\(describe(i)): \(tabulated[i]) vs \(exact[i])",
                    sourceLocation: sourceLocation)
        }
    }

    @Test("a tabulated step equals the exact Rush–Larsen step to 1e-8 over the whole voltage grid", arguments: models)
    func tabulatedStep(model: String) throws {
        let n = try neuron(model)
        var rng = SystemRandomNumberGenerator()
        for h in [0.01, 0.05, 0.1] {
            let table = try #require(n.makeGateTable(step: h))
            var worst = 0.0
            for _ in 0..<4000 {
                let y0 = randomState(n, &rng)
                let (a, b) = stepBothWays(n, y0, h: h, table: table)
                for i in 2..<n.dimension {
                    let scale = max(1, abs(b[i]))
                    worst = max(worst, abs(a[i] - b[i]) / scale)
                    #expect(abs(a[i] - b[i]) <= 1e-8 * scale, "\(model) h = \(h): \(n.layout.names[i]) at V = \(y0[0]): \(a[i]) vs \(b[i])")
                }
            }
            #expect(worst > 0, "the tabulated path must not be the exact one")   // it interpolates
        }
    }

    @Test("a whole tabulated step (gates and membrane in one pass) equals the exact Rush–Larsen step (gates 1e-8, V and Ca 1e-7)", arguments: models)
    func wholeStep(model: String) throws {
        let n = try neuron(model)
        var rng = SystemRandomNumberGenerator()
        let h = 0.05
        let tables = try #require(n.makeRateTables(step: h))
        let work = UnsafeMutablePointer<Double>.allocate(capacity: 2 * n.dimension + tables.columns + 8)
        defer { work.deallocate() }
        var worst = 0.0
        for _ in 0..<4000 {
            var tabulated = randomState(n, &rng)
            tabulated[0] = Double.random(in: -90...50, using: &rng)   // where cells live: V is then finite after the step
            var exact = tabulated
            tabulated.withUnsafeMutableBufferPointer { n.rushLarsenStep(0, $0.baseAddress!, step: h, tables: tables, work: work) }
            exact.withUnsafeMutableBufferPointer { y in
                for (stage, ranges) in n.linearStages.enumerated() {
                    n.advanceGenerically(stage: stage, ranges: ranges, 0, y.baseAddress!, step: h, work: work)
                }
            }
            for i in 0..<n.dimension {
                // V∞ = Σ g E / Σ g carries the gates' interpolation errors (≤ 1e-9) times the spread of the
                // reversal potentials (≈ 100 mV): V (and Ca through I_Ca) get 1e-7 (measured worst: 4e-8 on DA).
                let tolerance = i < 2 ? 1e-7 : 1e-8
                let scale = max(1, abs(exact[i]))
                worst = max(worst, abs(tabulated[i] - exact[i]) / scale)
                #expect(abs(tabulated[i] - exact[i]) <= tolerance * scale, "\(model): \(n.layout.names[i]): \(tabulated[i]) vs \(exact[i])")
            }
        }
        #expect(worst > 0, "the tabulated path must not be the exact one")
    }

    @Test("the tabulated right-hand side (CVODE's) equals the exact one (gates 1e-8 relative to their rate, V and Ca 1e-7)", arguments: models)
    func tabulatedRightHandSide(model: String) throws {
        let n = try neuron(model)
        var rng = SystemRandomNumberGenerator()
        let f = try #require(n.makeTabulatedRightHandSide())
        let d = n.dimension
        var tabulated = [Double](repeating: 0, count: d), exact = tabulated
        var worst = 0.0
        for _ in 0..<4000 {
            let y = randomState(n, &rng)
            y.withUnsafeBufferPointer { yp in
                tabulated.withUnsafeMutableBufferPointer { f.evaluate(0, yp.baseAddress!, $0.baseAddress!) }
                exact.withUnsafeMutableBufferPointer { n.rightHandSide(0, yp.baseAddress!, $0.baseAddress!) }
            }
            // A gate's derivative (x∞ − x)/τ: the tables' x∞ and 1/τ are good to 1e-9 relative to their size,
            // so the error scales with 1/τ (up to ~100/ms); V's derivative sums ḡ times those errors.
            expectAgreement(tabulated, exact, tolerance: { $0 < 2 ? 1e-7 : 1e-8 }, worst: &worst) {
                "\(model): d\(n.layout.names[$0])/dt at V = \(y[0]), Ca = \(y[1])"
            }
        }
        #expect(worst > 0, "the tabulated path must not be the exact one")
    }

    @Test("a network's tabulated right-hand side (cells, synapses, gap junction) equals its exact one (1e-7)")
    func networkRightHandSide() throws {
        var network = try NetworkTests.hco()
        network.electricalSynapses.append(ElectricalSynapse(network.cells[0].name, network.cells[1].name, conductance: 0.01))
        let net = try network.compile()
        let f = try #require(net.makeTabulatedRightHandSide())
        let n = net.dimension
        var rng = SystemRandomNumberGenerator()
        var tabulated = [Double](repeating: 0, count: n), exact = tabulated
        var worst = 0.0
        for _ in 0..<2000 {
            var y = net.initialState()
            for (i, name) in net.layout.names.enumerated() {
                if name.hasSuffix(".V") { y[i] = Double.random(in: -90...50, using: &rng) }
                else if name.hasPrefix("syn.") || name.contains(".m") || name.contains(".h") { y[i] = Double.random(in: 0...1, using: &rng) }
            }
            y.withUnsafeBufferPointer { yp in
                tabulated.withUnsafeMutableBufferPointer { f.evaluate(0, yp.baseAddress!, $0.baseAddress!) }
                exact.withUnsafeMutableBufferPointer { net.rightHandSide(0, yp.baseAddress!, $0.baseAddress!) }
            }
            expectAgreement(tabulated, exact, tolerance: { _ in 1e-7 }, worst: &worst) { net.layout.names[$0] }
        }
        #expect(worst > 0, "the tabulated path must not be the exact one")
    }

    @Test("CVODE with and without rate tables: the same firing features to CVODE's own accuracy (1e-4) on stg-bursting; none below rtol 1e-8")
    func cvodeSameFeatures() throws {
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 6000)
        request.window = 1000...6000
        let t = try simulate(request)
        request.solverSettings.exactRates = true
        let e = try simulate(request)
        for (a, b) in [(t.features.intraburstFrequency, e.features.intraburstFrequency),
                       (t.features.interburstFrequency, e.features.interburstFrequency),
                       (t.features.burstiness, e.features.burstiness), (t.meanCalcium, e.meanCalcium)] {
            // The runs take different step sequences, so they differ by CVODE's error at rtol 1e-6, not by the
            // tables' 1e-9: measured ≤ 2e-5 here, while rtol 1e-6 and 1e-9 differ by 5e-5 on 15 s.
            let a = try #require(a), b = try #require(b)
            #expect(abs(a - b) <= 1e-4 * abs(b), "\(a) vs \(b)")
        }
        #expect(t.features.spikeTimes.count == e.features.spikeTimes.count)
        #expect(t.statistics.steps != e.statistics.steps, "the tabulated run must take its own path")
        // At rtol 1e-9 the tables' error would matter: the run is the exact one, step for step.
        request.solverSettings.rtol = 1e-9
        request.duration = 1000
        request.window = nil
        let tight = try simulate(request)
        request.solverSettings.exactRates = false
        let tightDefault = try simulate(request)
        #expect(tight.statistics.steps == tightDefault.statistics.steps)
        #expect(tight.features.spikeTimes == tightDefault.features.spikeTimes)
    }

    @Test("outside the table's voltage range the step is the exact one", arguments: [GateTable.upperVoltage + 20, GateTable.lowerVoltage - 1, .nan])
    func outsideRange(V: Double) throws {
        let n = try neuron("stg-spiking+controller")
        let table = try #require(n.makeGateTable(step: 0.05))
        var y0 = n.initialState()
        y0[0] = V
        let (a, b) = stepBothWays(n, y0, h: 0.05, table: table)
        for i in 2..<n.dimension {
            #expect(a[i] == b[i] || (a[i].isNaN && b[i].isNaN), "\(n.layout.names[i]) at V = \(V)")
        }
    }

    @Test("channels that tabulate their rates are plain Hodgkin–Huxley channels")
    func tabulatedChannelsAreHodgkinHuxley() {
        let channels = NeuronKind.all.flatMap(\.channels)
        #expect(channels.contains { !$0.tabulatesRates }, "NMDA and ERG are not Hodgkin–Huxley channels")
        for ch in channels where ch.tabulatesRates {
            let k = 1.7
            let context = ChannelContext(tauScale: k)
            for V in stride(from: -120.0, through: 60, by: 6.1) {
                for Ca in [0.1, 3, 120] {
                    var states = [0.3, 0.8], inf = [0.0, 0.0], tau = [0.0, 0.0], dOpen = [0.0, 0.0, 0.0]
                    ch.linearForm(V: V, calcium: Ca, states: &states, context: context, inf: &inf, tau: &tau)
                    #expect(inf[0] == ch.mInf(V, calcium: Ca) && tau[0] == k * ch.tauM(V), "\(ch.name) m at \(V)")
                    #expect(ch.activationSteadyState(V: V, calcium: Ca) == ch.mInf(V, calcium: Ca))
                    if let b = ch.activationCalciumFactor(Ca) {   // m∞ = a(V) b(Ca), as the tables use it
                        let factored = ch.mInf(V, calcium: 1) / ch.activationCalciumFactor(1)! * b
                        #expect(ch.calciumGated && abs(factored - ch.mInf(V, calcium: Ca)) <= 1e-15, "\(ch.name) m∞ factors")
                    }
                    if ch.inactivationExponent > 0 {
                        #expect(inf[1] == ch.hInf(V) && tau[1] == k * ch.tauH(V), "\(ch.name) h at \(V)")
                    }
                    let open = ch.openFraction(V: V, states: &states, context: context, dOpen: &dOpen)
                    let hh = pow(0.3, Double(ch.activationExponent)) * pow(0.8, Double(ch.inactivationExponent))
                    #expect(abs(open - hh) <= 1e-15, "\(ch.name) open fraction")
                }
            }
        }
    }

    @Test("exp-euler with and without tables: same firing features (1e-6) on stg-bursting")
    func sameFeatures() throws {
        var request = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 8000)
        request.solver = .expEuler
        request.window = 1000...8000
        let t = try simulate(request)
        request.solverSettings.exactRates = true
        let e = try simulate(request)
        let tabulated = t.features, exact = e.features
        for (a, b) in [(tabulated.intraburstFrequency, exact.intraburstFrequency), (tabulated.interburstFrequency, exact.interburstFrequency),
                       (tabulated.burstiness, exact.burstiness), (t.meanCalcium, e.meanCalcium)] {
            let a = try #require(a), b = try #require(b)
            #expect(abs(a - b) <= 1e-6 * abs(b), "\(a) vs \(b)")
        }
        #expect(tabulated.spikeTimes.count == exact.spikeTimes.count)
    }

    @Test("a network shares tables between like cells; the half-centre oscillator's rhythm is the same with and without them")
    func network() throws {
        let network = try NetworkTests.hco()
        let net = try network.compile()
        let tables = try #require(net.makeRateTables(step: 0.05))
        #expect(tables.cells.count == 2 && tables.cells[0] != nil && tables.cells[0] === tables.cells[1])
        var r = NetworkRequest(network: network, duration: 10_000, window: 4_000...10_000)
        r.onsetRule = .minimumGap(100)
        r.solver = .expEuler
        let tabulated = try simulateNetwork(r)
        r.solverSettings.exactRates = true
        let exact = try simulateNetwork(r)
        // The measured period is sensitive: moving cell A's V₀ by 1e-9 mV moves it by 0.03 ms (2e-4). The
        // tables' 1e-10 differences do the same, so the bound is 1e-3, not the single cell's 1e-6.
        for k in 0..<2 {
            let a = try #require(tabulated.cells[k].phase.period), b = try #require(exact.cells[k].phase.period)
            #expect(abs(a - b) <= 1e-3 * b, "cell \(k): period \(a) vs \(b) ms")
            // A spike at the window's edge can fall on either side (226 vs 225 measured): one spike apart.
            #expect(abs(tabulated.cells[k].features.spikeTimes.count - exact.cells[k].features.spikeTimes.count) <= 1)
        }
        let a = try #require(tabulated.cells[1].phase.antiphase), b = try #require(exact.cells[1].phase.antiphase)
        #expect(abs(a - b) <= 1e-3)
    }

    @Test("a network's tabulated step (cells, synapses, gap junctions) equals its exact Rush–Larsen step (1e-7)")
    func networkStep() throws {
        var network = try NetworkTests.hco()
        network.electricalSynapses.append(ElectricalSynapse(network.cells[0].name, network.cells[1].name, conductance: 0.01))
        let net = try network.compile()
        let h = 0.05
        let tables = try #require(net.makeRateTables(step: h))
        let n = net.dimension
        let work = UnsafeMutablePointer<Double>.allocate(capacity: 2 * n + tables.scratch)
        defer { work.deallocate() }
        var rng = SystemRandomNumberGenerator()
        var worst = 0.0
        for _ in 0..<2000 {
            var tabulated = net.initialState()
            for (i, name) in net.layout.names.enumerated() {
                if name.hasSuffix(".V") || i == net.offsets[0] || i == net.offsets[1] { continue }
                if name.hasPrefix("syn.") || name.contains(".m") || name.contains(".h") { tabulated[i] = Double.random(in: 0...1, using: &rng) }
            }
            for o in net.offsets {
                tabulated[o] = Double.random(in: -80...40, using: &rng)
                tabulated[o + 1] = Double.random(in: 0.05...200, using: &rng)
            }
            var exact = tabulated
            tabulated.withUnsafeMutableBufferPointer { net.rushLarsenStep(0, $0.baseAddress!, step: h, tables: tables, work: work) }
            exact.withUnsafeMutableBufferPointer { y in
                for (stage, ranges) in net.linearStages.enumerated() {
                    net.advanceGenerically(stage: stage, ranges: ranges, 0, y.baseAddress!, step: h, work: work)
                }
            }
            expectAgreement(tabulated, exact, tolerance: { _ in 1e-7 }, worst: &worst) { net.layout.names[$0] }
        }
        #expect(worst > 0, "the tabulated path must not be the exact one")
    }

    @Test("cells share a table only when their channel types, kinetics and constant decays are the same")
    func tableSharing() throws {
        var controlled = try NamedModel.named("stg-spiking")!.neuron()
        controlled.neuromodulation = Neuromodulation(conductances: ["CaS", "A"], gs: -8, gu: 4, thresholdVoltage: -50)
        var slowKCa = try NamedModel.named("stg-spiking")!.neuron()
        for i in slowKCa.conductances.indices where slowKCa.conductances[i].name == "KCa" { slowKCa.conductances[i].context.tauScale = 2 }
        let cells: [(String, NeuronDescription)] = [
            ("stg", try NamedModel.named("stg-spiking")!.neuron()), ("stg2", try NamedModel.named("stg-bursting")!.neuron()),
            ("da", try NamedModel.named("da-bursting")!.neuron()), ("controlled", controlled), ("slowKCa", slowKCa)]
        let net = try NetworkDescription(cells: cells.map { .init(name: $0.0, neuron: $0.1) }).compile()
        let t = try #require(net.makeRateTables(step: 0.05))
        #expect(t.cells[0] === t.cells[1], "two STG cells with the same channels share")
        for (i, j) in [(0, 2), (0, 3), (0, 4), (2, 3)] {
            #expect(t.cells[i] !== t.cells[j], "\(cells[i].0) and \(cells[j].0) must not share a table")
        }
    }

    @Test("the process keeps one table per kinetics and step: separately compiled cells with other conductances share it")
    func processStore() throws {
        let a = try CompiledNeuron(try NamedModel.named("stg-spiking")!.neuron())
        let b = try CompiledNeuron(try NamedModel.named("stg-bursting")!.neuron())   // other ḡ, same kinetics
        let ta = try #require(a.makeGateTable(step: 0.05)), tb = try #require(b.makeGateTable(step: 0.05))
        #expect(ta === tb)
        let other = try #require(a.makeGateTable(step: 0.025))
        #expect(other !== ta && other.constants[0] != ta.constants[0], "another step, another table")
        #expect(GateTableStore.shared.count <= GateTableStore.shared.capacity)
    }
}
