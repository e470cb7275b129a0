#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address and port: where a datagram came from, where a connection goes, what a
/// listening socket is bound to (RFC 3261 §18). Compares by family, address bytes and port. The
/// address is held inline (no allocation per datagram).
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address family and its bytes (4 for IPv4, 16 for IPv6) and the port.
    public enum Family: Sendable, Hashable { case ipv4, ipv6 }

    public let family: Family
    /// The 16 address bytes in network order (an IPv4 address in the first 4, the rest zero).
    private let address: (UInt64, UInt64)
    public let port: UInt16

    /// Network-order address bytes: 4 for IPv4, 16 for IPv6.
    public var addressBytes: [UInt8] {
        var a = address
        let all = withUnsafeBytes(of: &a) { Array($0) }
        return family == .ipv4 ? Array(all.prefix(4)) : all
    }

    public static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
        lhs.family == rhs.family && lhs.port == rhs.port && lhs.address == rhs.address
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(family)
        hasher.combine(port)
        hasher.combine(address.0)
        hasher.combine(address.1)
    }

    private static func pack(_ raw: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var a: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &a) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(16))) }
        return a
    }

    /// An address from its textual IP (`192.0.2.1`, `2001:db8::1`, with or without brackets).
    /// Returns nil when `ip` is not an IP literal (host names are not resolved here).
    public init?(ip: String, port: UInt16) {
        var text = Substring(ip)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, String(text), &v4) == 1 {
            self.family = .ipv4
            self.address = withUnsafeBytes(of: &v4) { Self.pack($0) }
        } else if inet_pton(AF_INET6, String(text), &v6) == 1 {
            self.family = .ipv6
            self.address = withUnsafeBytes(of: &v6) { Self.pack($0) }
        } else {
            return nil
        }
        self.port = port
    }

    /// An address read from a kernel `sockaddr_storage` (recvfrom, accept, getsockname).
    public init?(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let sin = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) }
            var addr = sin.sin_addr
            self.family = .ipv4
            self.address = withUnsafeBytes(of: &addr) { Self.pack($0) }
            self.port = UInt16(bigEndian: sin.sin_port)
        case AF_INET6:
            let sin6 = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) }
            var addr = sin6.sin6_addr
            self.family = .ipv6
            self.address = withUnsafeBytes(of: &addr) { Self.pack($0) }
            self.port = UInt16(bigEndian: sin6.sin6_port)
        default:
            return nil
        }
    }

    /// The textual address without brackets or port: `192.0.2.1`, `2001:db8::1`.
    public var ipText: String {
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let af = family == .ipv4 ? AF_INET : AF_INET6
        var a = address
        withUnsafeBytes(of: &a) { raw in
            _ = inet_ntop(af, raw.baseAddress, &out, socklen_t(out.count))
        }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Appends `ipText`'s bytes to `out`; IPv4 is written digit by digit, without the C call and
    /// the two allocations of `ipText` (every request received over UDP is stamped with it).
    public func appendIPText(to out: inout [UInt8]) {
        guard family == .ipv4 else {
            out.append(contentsOf: ipText.utf8)
            return
        }
        var a = address
        withUnsafeBytes(of: &a) { raw in
            for i in 0..<4 {
                if i > 0 { out.append(UInt8(ascii: ".")) }
                appendDecimal(UInt(raw[i]), to: &out)
            }
        }
    }

    /// The host as it goes into a Via `received` parameter or a URI: IPv6 in brackets (RFC 3261 §25.1).
    public var hostText: String { family == .ipv4 ? ipText : "[\(ipText)]" }

    /// `192.0.2.1:5060` or `[2001:db8::1]:5060`.
    public var description: String { "\(hostText):\(port)" }

    /// True for 127.0.0.0/8 and ::1.
    public var isLoopback: Bool {
        switch family {
        case .ipv4: return withUnsafeBytes(of: address) { $0[0] } == 127
        case .ipv6: return address.0 == 0 && address.1 == UInt64(1).bigEndian
        }
    }

    /// Calls `body` with this address as a `sockaddr` and its length, for bind, connect and sendto.
    public func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        switch family {
        case .ipv4:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            var a = address
            withUnsafeMutableBytes(of: &sin.sin_addr) { dst in
                withUnsafeBytes(of: &a) { dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(4))) }
            }
            return try withUnsafePointer(to: &sin) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            var a = address
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { dst in withUnsafeBytes(of: &a) { dst.copyMemory(from: $0) } }
            return try withUnsafePointer(to: &sin6) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// This address with another port.
    public func withPort(_ newPort: UInt16) -> SocketAddress {
        SocketAddress(family: family, address: address, port: newPort)
    }

    private init(family: Family, address: (UInt64, UInt64), port: UInt16) {
        self.family = family
        self.address = address
        self.port = port
    }
}

extension SocketAddress {
    /// The local address the kernel would send from to reach `destination` (a UDP socket
    /// connected there, then asked its name; nothing is sent). What a Via's sent-by names when
    /// the listening socket is bound to a wildcard address (§18.1.1).
    public static func localAddress(toward destination: SocketAddress) -> SocketAddress? {
        guard let fd = try? Socket.make(family: destination.family, type: Int32(SOCK_DGRAM.rawValue)) else { return nil }
        defer { close(fd) }
        let rc = destination.withSockAddr { connect(fd, $0, $1) }
        guard rc == 0 else { return nil }
        return Socket.localAddress(fd)
    }

    /// Whether this is 0.0.0.0 or ::.
    public var isWildcard: Bool { address == (0, 0) }
}

/// Appends the decimal digits of `value` to `out`.
func appendDecimal(_ value: UInt, to out: inout [UInt8]) {
    if value >= 10 { appendDecimal(value / 10, to: &out) }
    out.append(UInt8(ascii: "0") + UInt8(value % 10))
}
