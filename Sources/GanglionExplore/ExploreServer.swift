import Foundation
import Ganglion
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// The explorer's local web server: the page (`GET /`), a model's starting data (`GET /api/model?name=`),
/// the saves (`POST /api/save/model`, `POST /api/save/trace`) and the updates over a WebSocket (`/ws`).
/// Every computation is the library's (`Explorer`); files are written only in `folder` (`SaveFolder`).
public struct ExploreServer: Sendable {
    public var explorer: Explorer
    public var folder: SaveFolder
    /// The address to listen on (default the loopback interface only).
    public var host = "127.0.0.1"
    /// The port; 0: a free one, chosen by the system.
    public var port = 0

    public init(explorer: Explorer, folder: SaveFolder) {
        self.explorer = explorer
        self.folder = folder
    }

    /// Largest request body or WebSocket message accepted (bytes).
    static let maxRequest = 1 << 20

    /// Serves until SIGINT or SIGTERM; `started` is called with the page's URL once the server listens.
    public func run(started: @escaping @Sendable (String) -> Void) async throws {
        var logger = Logger(label: "ganglion-explore") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let router = Router()
        let explorer = explorer, folder = folder, primary = explorer.primary
        let origin = RequestOrigin(host: host)
        router.middlewares.add(OriginCheck(origin: origin))
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: ExplorePage.html)))
        }
        router.get("/api/model") { request, _ in
            let name = request.uri.queryParameters.get("name") ?? primary
            return Self.answer { () throws(ExploreError) in try ExploreJSON.modelInfo(explorer, model: name) }
        }
        router.post("/api/save/model") { request, _ in
            let text = try await Self.body(request)
            return Self.answer { () throws(ExploreError) in
                JSONOutput.string(["saved": try explorer.saveModel(text, in: folder), "folder": folder.path])
            }
        }
        router.post("/api/save/trace") { request, _ in
            let text = try await Self.body(request)
            return await Task.detached {
                Self.answer { () throws(ExploreError) in
                    JSONOutput.string(["saved": try explorer.saveTrace(text, in: folder), "folder": folder.path])
                }
            }.value
        }

        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        webSocketRouter.ws("/ws", shouldUpgrade: { request, _ in
            origin.problem(request) == nil ? .upgrade([:]) : .dontUpgrade
        }) { inbound, outbound, _ in
            let queue = LatestRequest()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in queue.wakeUps {
                        guard let text = queue.take() else { continue }
                        let answer = await Task.detached { explorer.answer(text, shouldStop: { queue.isClosed }) }.value
                        if let answer, !queue.isClosed { try await outbound.writeTextMessage(answer) }
                    }
                }
                defer { queue.close() }
                for try await message in inbound.messages(maxSize: Self.maxRequest) {
                    switch message {
                    case .text(let text): queue.submit(text)
                    case .binary: try await outbound.writeTextMessage(ExploreJSON.error("send the state as JSON text, not binary", sequence: nil))
                    }
                }
                queue.close()
                try await group.waitForAll()
            }
        }
        let host = host
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter,
                                           configuration: .init(ws: .init(maxFrameSize: Self.maxRequest))),
            configuration: .init(address: .hostname(host, port: port), serverName: "ganglion-explore"),
            onServerRunning: { channel in
                let shown = host.contains(":") ? "[\(host)]" : host
                started("http://\(shown):\(channel.localAddress?.port ?? 0)/")
            },
            logger: logger)
        try await app.runService()
    }

    /// The request's body as text (at most `maxRequest` bytes).
    static func body(_ request: Request) async throws -> String {
        var request = request
        let buffer = try await request.collectBody(upTo: maxRequest)
        return String(buffer: buffer)
    }

    /// A JSON response of `make`, or its error as `{"error": …}` with the error's status.
    static func answer(_ make: () throws(ExploreError) -> String) -> Response {
        let status: HTTPResponse.Status, text: String
        do {
            text = try make()
            status = .ok
        } catch {
            text = JSONOutput.string(["error": error.description])
            status = HTTPResponse.Status(code: error.status)
        }
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Refuses, with HTTP 403 and the reason, every request that `RequestOrigin` refuses.
struct OriginCheck<Context: RequestContext>: RouterMiddleware {
    let origin: RequestOrigin

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let problem = origin.problem(request) {
            return Response(status: .forbidden, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: JSONOutput.string(["error": problem]))))
        }
        return try await next(request, context)
    }
}

extension Explorer {
    /// The answer to one WebSocket message: an update's result, an error naming what was wrong, or nil when
    /// the update was abandoned (`shouldStop`).
    public func answer(_ text: String, shouldStop: @escaping @Sendable () -> Bool) -> String? {
        let sequence = ((try? jsonObject(text)) as? [String: Any])?["seq"] as? Int
        do {
            let state = try ExploreState.parse(json: text)
            guard let u = try update(state, shouldStop: shouldStop) else { return nil }
            return ExploreJSON.result(u)
        } catch {
            return ExploreJSON.error(error.description, sequence: sequence)
        }
    }
}
