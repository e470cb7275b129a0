/// One socket the server binds: a transport, an IP address literal and a port.
///
/// Written in the configuration as `transport:address:port`, an IPv6 address in brackets:
/// `udp:0.0.0.0:5060`, `tcp:[::1]:5060`. Host names are not accepted: a listen point names an
/// address this machine has, and resolving a name at start-up would make binding depend on DNS.
public struct ListenPoint: Sendable, Hashable, CustomStringConvertible {
    /// The transport protocols the server listens on (RFC 3261 §18).
    public enum Transport: String, Sendable, CaseIterable {
        case udp
        case tcp
    }

    /// Why a `transport:address:port` text is not a listen point.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The reason, without the text itself (the caller quotes it with its key).
        public let reason: String
        public var description: String { reason }
    }

    /// The transport protocol of the socket.
    public var transport: Transport
    /// The IP address literal as written, an IPv6 address without its brackets (`::1`).
    public var address: String
    /// The port, 1–65535.
    public var port: Int

    /// A listen point from its parts; `validate` on the configuration checks the address and port.
    public init(transport: Transport, address: String, port: Int) {
        self.transport = transport
        self.address = address
        self.port = port
    }

    /// Parses `transport:address:port` (`udp:127.0.0.1:5060`, `tcp:[::]:5060`).
    public init(parsing text: String) throws(ParseError) {
        let expected = "expected transport:address:port, e.g. udp:0.0.0.0:5060 or tcp:[::1]:5060"
        guard !text.isEmpty else { throw ParseError(reason: "empty listen point; " + expected) }
        guard let firstColon = text.firstIndex(of: ":") else { throw ParseError(reason: expected) }
        let transportText = text[..<firstColon]
        guard let transport = Transport(rawValue: transportText.lowercased()) else {
            let known = Transport.allCases.map(\.rawValue).joined(separator: " or ")
            if HostSyntax.ipv4Bytes(transportText) != nil || transportText.hasPrefix("[") {
                throw ParseError(reason: "missing transport; " + expected)
            }
            throw ParseError(reason: "unknown transport \"\(transportText)\" (expected \(known))")
        }
        let rest = text[text.index(after: firstColon)...]
        let addressText: Substring, portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else {
                throw ParseError(reason: "IPv6 address must be in brackets followed by :port")
            }
            addressText = rest[rest.index(after: rest.startIndex)..<close]
            portText = rest[rest.index(close, offsetBy: 2)...]
            guard HostSyntax.ipv6Bytes(addressText) != nil else {
                throw ParseError(reason: "\"\(addressText)\" is not an IPv6 address")
            }
        } else {
            let colons = rest.count(where: { $0 == ":" })
            if colons > 1 { throw ParseError(reason: "IPv6 address must be in brackets followed by :port") }
            guard colons == 1, let colon = rest.firstIndex(of: ":") else {
                throw ParseError(reason: "missing :port after the address")
            }
            addressText = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
            guard HostSyntax.ipv4Bytes(addressText) != nil else {
                if HostSyntax.isHostName(addressText) {
                    throw ParseError(reason: "\"\(addressText)\" is a host name; use an IP address (names are not resolved)")
                }
                throw ParseError(reason: "\"\(addressText)\" is not an IPv4 address")
            }
        }
        guard let port = HostSyntax.parsePort(portText) else {
            throw ParseError(reason: "port \"\(portText)\" is not a number from 1 to 65535")
        }
        self.init(transport: transport, address: String(addressText), port: port)
    }

    /// Whether the address is IPv6 (it contains a colon).
    public var isIPv6: Bool { address.contains(":") }

    /// Whether the address is the wildcard of its family (`0.0.0.0` or `::`).
    public var isWildcard: Bool {
        HostSyntax.ipBytes(Substring(address)).map { $0.allSatisfy { $0 == 0 } } ?? false
    }

    /// `transport:address:port`, brackets around an IPv6 address: the form `init(parsing:)` reads.
    public var description: String {
        "\(transport.rawValue):\(isIPv6 ? "[\(address)]" : address):\(port)"
    }

    /// Transport, address bytes and port, so that `::1` and `0:0::1` count as the same socket.
    var bindingIdentity: String {
        let bytes = HostSyntax.ipBytes(Substring(address)).map { $0.map(String.init).joined(separator: ".") }
        return "\(transport.rawValue) \(bytes ?? address) \(port)"
    }
}
