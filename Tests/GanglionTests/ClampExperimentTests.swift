import Foundation
import Testing
import Ganglion

@Suite("Clamp events in experiment files")
struct ClampExperimentTests {
    func run(_ events: String) throws -> SimulationReport {
        let json = #"{"cell": "stg-bursting", "duration_ms": 4000, "protocol": ["# + events + "]}"
        let e = try Experiment.parse(Data(json.utf8), file: "e.json", folder: packageRoot())
        return try simulate(e.request(forCell: 0))
    }

    @Test("clamp and release read from an experiment file are the run with the same events given in Swift; bad ones name the event")
    func clampAndRelease() throws {
        let fromFile = try run(#"{"t": 1500, "clamp": -40}, {"t": 3000, "release": true}"#)
        var direct = SimulationRequest(neuron: try NamedModel.named("stg-bursting")!.neuron(), duration: 4000)
        direct.events = [ProtocolEvent(time: 1500, action: .clamp(-40)), ProtocolEvent(time: 3000, action: .releaseClamp)]
        let reference = try simulate(direct)
        #expect(fromFile.segments.map(\.features.spikeTimes) == reference.segments.map(\.features.spikeTimes))
        #expect(fromFile.segments.map(\.features.pattern) == [.bursting, .silent, .bursting])
        #expect(try run(#"{"t": 1500, "clamp": -40}"#).finalState["V"] == -40)
        #expect { _ = try run(#"{"t": 1500, "release": true}"#) } throws: { "\($0)".contains("protocol[0]") && "\($0)".contains("no voltage clamp to release") }
        #expect { _ = try run(#"{"t": 1500, "clamp": -40}, {"t": 2000, "release": false}"#) } throws: { "\($0)".contains("protocol[1].release") }
        #expect { _ = try run(#"{"t": 1500, "clamp": "low"}"#) } throws: { "\($0)".contains("protocol[0].clamp") }
    }
}
