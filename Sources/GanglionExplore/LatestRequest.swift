import Synchronization

/// One connection's requests, latest wins: a request that arrives while another waits replaces it (the
/// waiting one is dropped, never computed); the one being computed finishes and is answered.
final class LatestRequest: Sendable {
    private struct State {
        var pending: String?
        var generation = 0
        var closed = false
    }
    private let state = Mutex(State())
    /// Wakes the worker when a request arrives (at most one wake-up waits).
    let wakeUps: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (wakeUps, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues `text`, replacing a request still waiting.
    func submit(_ text: String) {
        state.withLock {
            $0.pending = text
            $0.generation += 1
        }
        continuation.yield()
    }

    /// The waiting request, if any, and its generation (how many requests came before it, itself included).
    func take() -> (text: String, generation: Int)? {
        state.withLock { s in
            guard let t = s.pending else { return nil }
            s.pending = nil
            return (t, s.generation)
        }
    }

    /// Whether the connection was closed (work for it is abandoned).
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Marks the connection closed and ends the worker.
    func close() {
        state.withLock { $0.closed = true }
        continuation.finish()
    }
}
