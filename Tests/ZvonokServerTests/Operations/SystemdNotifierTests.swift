#if canImport(Glibc)
import Glibc
#endif
import SIPTransport
import Testing
@testable import ZvonokServer

/// A bound AF_UNIX datagram socket standing in for systemd's notification socket.
final class FakeNotifySocket {
    let fd: Int32
    /// The `NOTIFY_SOCKET` value naming it.
    let name: String
    private let directory: String?

    /// A socket bound at a path in a new temporary directory, or to an abstract name.
    init(abstract: Bool) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes: [UInt8]
        if abstract {
            directory = nil
            let unique = "zvonok-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            name = "@" + unique
            pathBytes = [0] + Array(unique.utf8)
        } else {
            var template = Array("/tmp/zvonok-notify-XXXXXX".utf8CString)
            let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
            try #require(made != nil)
            directory = String(cString: made!)
            name = directory! + "/notify"
            pathBytes = Array(name.utf8)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + pathBytes.count)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        try #require(rc == 0)
    }

    /// The next datagram's text, or nil after the 2 s receive timeout.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n >= 0 ? String(decoding: buffer[..<n], as: UTF8.self) : nil
    }

    deinit {
        close(fd)
        if let directory {
            unlink(directory + "/notify")
            rmdir(directory)
        }
    }
}

@Suite struct SystemdNotifierTests {
    @Test(arguments: [false, true])
    func statesArriveAsOneDatagramEach(abstract: Bool) throws {
        let listener = try FakeNotifySocket(abstract: abstract)
        let notifier = SystemdNotifier(notifySocket: listener.name)
        #expect(notifier.isEnabled)
        #expect(notifier.address == (abstract ? .abstract(String(listener.name.dropFirst())) : .path(listener.name)))
        try notifier.ready()
        try notifier.status("serving 2 workers\non udp and tcp")
        try notifier.watchdog()
        try notifier.stopping()
        #expect(listener.receive() == "READY=1")
        #expect(listener.receive() == "STATUS=serving 2 workers on udp and tcp")
        #expect(listener.receive() == "WATCHDOG=1")
        #expect(listener.receive() == "STOPPING=1")
    }

    @Test func reloadingCarriesTheMonotonicTime() throws {
        let listener = try FakeNotifySocket(abstract: false)
        let notifier = SystemdNotifier(notifySocket: listener.name)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let before = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        try notifier.reloading()
        let after = SystemdNotifier.monotonicMicroseconds()
        let text = try #require(listener.receive())
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last?.split(separator: "=", maxSplits: 1))
        #expect(stamp.first == "MONOTONIC_USEC")
        let value = try #require(UInt64(stamp.last ?? ""))
        #expect(before <= value && value <= after)
    }

    @Test func theEnvironmentVariableNamesTheSocket() throws {
        let listener = try FakeNotifySocket(abstract: true)
        setenv("NOTIFY_SOCKET", listener.name, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        let notifier = SystemdNotifier.fromEnvironment()
        #expect(notifier.socketName == listener.name)
        try notifier.send("READY=1\nSTATUS=up")
        #expect(listener.receive() == "READY=1\nSTATUS=up")
    }

    @Test(arguments: [nil, ""] as [String?])
    func withoutASocketNothingIsSent(name: String?) throws {
        let notifier = SystemdNotifier(notifySocket: name)
        #expect(!notifier.isEnabled)
        #expect(notifier.address == nil)
        try notifier.ready()
        try notifier.reloading()
    }

    @Test func anUnsupportedOrMissingSocketIsAnError() {
        let vsock = SystemdNotifier(notifySocket: "vsock:2:1234")
        #expect(vsock.isEnabled && vsock.address == nil)
        #expect(throws: SystemError.self) { try vsock.ready() }
        do {
            try vsock.ready()
        } catch {
            #expect(error.errnoValue == EAFNOSUPPORT)
        }
        let missing = SystemdNotifier(notifySocket: "/nonexistent-zvonok-dir/notify")
        #expect(throws: SystemError.self) { try missing.ready() }
        let tooLong = SystemdNotifier(notifySocket: "/" + String(repeating: "d", count: 200))
        #expect(tooLong.address == nil)
    }
}
