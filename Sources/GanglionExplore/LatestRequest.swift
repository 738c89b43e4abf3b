import Synchronization

/// One connection's requests, latest wins: a request that arrives while another waits replaces it (the
/// waiting one is dropped, never computed); the one being computed finishes and is answered.
final class LatestRequest: Sendable {
    private struct State {
        var pending: String?
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
        state.withLock { $0.pending = text }
        continuation.yield()
    }

    /// The waiting request, if any (it no longer waits).
    func take() -> String? {
        state.withLock { s in
            defer { s.pending = nil }
            return s.pending
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
