import ArgumentParser
import Ganglion

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the built-in named models.")
    func run() {
        for m in NamedModel.all {
            let g = NeuronKind.named(m.kind)!.conductanceNames.map { "\($0) \(m.conductances[$0]!)" }.joined(separator: ", ")
            print("\(m.name)  [\(m.kind)]  \(g)\n    \(m.expected)\n    source: \(m.source)")
        }
    }
}
