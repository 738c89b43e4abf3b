import Hummingbird

/// Who may use the explorer's routes: a page served by the explorer itself. A request whose `Origin` is
/// another site is refused (a page elsewhere cannot save files or drive the simulations), and, while the
/// server listens on a loopback address, so is a request whose `Host` is not a loopback name (a site whose
/// name was made to resolve to 127.0.0.1, "DNS rebinding").
struct RequestOrigin: Sendable {
    /// Whether the server listens on a loopback address only.
    let loopback: Bool

    init(host: String) {
        loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Why `request` is refused, or nil.
    func problem(_ request: Request) -> String? {
        guard let authority = request.head.authority else { return "the request names no host" }
        if loopback {
            let name = authority.hasPrefix("[") ? String(authority.prefix { $0 != "]" }) + "]"
                                                : String(authority.prefix { $0 != ":" })
            guard name == "localhost" || name == "[::1]" || name.hasPrefix("127.") else {
                return "host '\(authority)' is not this machine's loopback address: open the page at the URL the explorer printed"
            }
        }
        if let origin = request.headers[.origin], origin != "http://\(authority)" {
            return "requests from another site (\(origin)) are refused"
        }
        return nil
    }
}
