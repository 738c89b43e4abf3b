import ArgumentParser
import Foundation
import Ganglion

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "placeholder")
    func run() throws {}
}
