/// Names of the entries of a flat state vector, in order. The names are also the column names of
/// exported traces: `V` (mV), `Ca` (model units), then one entry per gate, `<channel>.m` / `<channel>.h`.
public struct StateLayout: Sendable, Equatable {
    /// The state names, in state-vector order.
    public let names: [String]
    /// A layout with these names.
    public init(names: [String]) { self.names = names }
    /// Number of states.
    public var count: Int { names.count }
    /// Index of the state named `name`, if any.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }
}
