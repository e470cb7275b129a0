#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call, with its name, errno and what it was doing: the text an operator sees
/// in the log when a socket cannot be bound, read or written.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public var call: String
    public var errnoValue: Int32
    public var context: String

    public init(_ call: String, errno errnoValue: Int32 = errno, context: String = "") {
        self.call = call
        self.errnoValue = errnoValue
        self.context = context
    }

    public var description: String {
        let text = String(cString: strerror(errnoValue))
        return context.isEmpty ? "\(call): \(text)" : "\(call) \(context): \(text)"
    }
}

/// Small wrappers over the socket calls the transports share.
enum Socket {
    static func make(family: SocketAddress.Family, type: Int32) throws(SystemError) -> Int32 {
        #if canImport(Glibc)
        let kind = type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let kind = type
        #endif
        let fd = socket(family == .ipv4 ? AF_INET : AF_INET6, kind, 0)
        guard fd >= 0 else { throw SystemError("socket") }
        #if !canImport(Glibc)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        #endif
        return fd
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    static func bind(_ fd: Int32, to address: SocketAddress) throws(SystemError) {
        if address.family == .ipv6 { setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
        let rc = address.withSockAddr { Glibc.bind(fd, $0, $1) }
        guard rc == 0 else { throw SystemError("bind", context: address.description) }
    }

    static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return rc == 0 ? SocketAddress(storage: storage) : nil
    }
}
