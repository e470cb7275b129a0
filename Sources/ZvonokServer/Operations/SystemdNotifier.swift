#if canImport(Glibc)
import Glibc
#endif
import SIPTransport

/// sd_notify(3) without libsystemd: tells the service manager that `zvonokd` is ready, reloading
/// or stopping, with one AF_UNIX datagram per call to the socket named in `NOTIFY_SOCKET`
/// (a path, or `@name` for an abstract socket). When the variable is unset, as under
/// `Type=simple` or in a terminal, every call does nothing.
///
/// The unit uses `Type=notify-reload` (systemd ≥ 253) or `Type=notify`: `ready()` once serving,
/// `reloading()` on SIGHUP and `ready()` again when the new configuration is in force,
/// `stopping()` when shutdown begins, `status(_:)` for the line `systemctl status` shows.
public struct SystemdNotifier: Sendable {
    /// Where the datagrams go.
    public enum Address: Sendable, Equatable {
        /// A socket in the file system (`/run/systemd/notify`).
        case path(String)
        /// A Linux abstract socket, given without the leading `@`.
        case abstract(String)
    }

    /// The value of `NOTIFY_SOCKET` this notifier was made from; nil means notifications are off.
    public let socketName: String?
    /// The parsed address; nil when off, or when the value is of a kind not supported here
    /// (`vsock:`), in which case sending throws `EAFNOSUPPORT`.
    public let address: Address?

    /// True when `NOTIFY_SOCKET` was given: calls send datagrams.
    public var isEnabled: Bool { socketName != nil }

    /// A notifier for the socket named `notifySocket` (the syntax of `NOTIFY_SOCKET`); nil or
    /// empty turns notifications off.
    public init(notifySocket: String?) {
        guard let name = notifySocket, !name.isEmpty else {
            socketName = nil
            address = nil
            return
        }
        socketName = name
        let pathCapacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        if name.hasPrefix("/"), name.utf8.count < pathCapacity {
            address = .path(name)
        } else if name.hasPrefix("@"), name.utf8.count <= pathCapacity {
            address = .abstract(String(name.dropFirst()))
        } else {
            address = nil
        }
    }

    /// A notifier for this process's `NOTIFY_SOCKET`.
    public static func fromEnvironment() -> SystemdNotifier {
        SystemdNotifier(notifySocket: getenv("NOTIFY_SOCKET").map { String(cString: $0) })
    }

    /// `READY=1`: start-up (or a reload) is complete.
    public func ready() throws(SystemError) { try send("READY=1") }

    /// `RELOADING=1` with `MONOTONIC_USEC`, the CLOCK_MONOTONIC time in µs that systemd ≥ 253
    /// requires with it; follow with `ready()` when the reload is done.
    public func reloading() throws(SystemError) {
        try send("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
    }

    /// `STOPPING=1`: shutdown has begun.
    public func stopping() throws(SystemError) { try send("STOPPING=1") }

    /// `WATCHDOG=1`: the keep-alive for `WatchdogSec=`.
    public func watchdog() throws(SystemError) { try send("WATCHDOG=1") }

    /// `STATUS=text`, one line (newlines become spaces).
    public func status(_ text: String) throws(SystemError) {
        try send("STATUS=" + text.map { $0.isNewline ? " " : String($0) }.joined())
    }

    /// Sends `state` (newline-separated `KEY=value` assignments) as one datagram; nothing when
    /// notifications are off.
    public func send(_ state: String) throws(SystemError) {
        guard let socketName else { return }
        guard let address else { throw SystemError("sd_notify", errno: EAFNOSUPPORT, context: socketName) }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", context: "AF_UNIX") }
        defer { close(fd) }
        var target = sockaddr_un()
        target.sun_family = sa_family_t(AF_UNIX)
        let nameBytes: [UInt8]
        switch address {
        case .path(let path): nameBytes = Array(path.utf8)
        case .abstract(let name): nameBytes = [0] + Array(name.utf8)
        }
        withUnsafeMutableBytes(of: &target.sun_path) { $0.copyBytes(from: nameBytes) }
        // Abstract names are exactly their bytes; a path is NUL-terminated by the zeroed tail.
        let length = MemoryLayout.offset(of: \sockaddr_un.sun_path)! + nameBytes.count
            + (nameBytes.first == 0 ? 0 : 1)
        let bytes = Array(state.utf8)
        let sent = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, socklen_t(length)) }
            }
        }
        guard sent == bytes.count else { throw SystemError("sendto", context: socketName) }
    }

    /// CLOCK_MONOTONIC now, in microseconds.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
