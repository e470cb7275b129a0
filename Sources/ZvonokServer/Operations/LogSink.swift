#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where `JournalLogHandler` puts each finished line: one call per record with the whole line,
/// newline included. `standardError` in the daemon; a closure that collects lines in tests.
public struct LogSink: Sendable {
    private let writeLine: @Sendable (UnsafeRawBufferPointer) -> Void

    /// A sink that hands every line to `writeLine` (called concurrently from any thread).
    public init(_ writeLine: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.writeLine = writeLine
    }

    /// Delivers one complete line.
    public func write(_ line: UnsafeRawBufferPointer) { writeLine(line) }

    /// File descriptor 2, where systemd connects the journal's stream for a service.
    public static let standardError = LogSink.fileDescriptor(2)

    /// A sink writing to `fd` with one `write(2)` per line under a lock, so that lines from
    /// different threads never interleave even when the kernel accepts only part of a long line.
    /// A line is dropped, not retried forever, when the descriptor stays unwritable for a second.
    public static func fileDescriptor(_ fd: Int32) -> LogSink {
        let writer = DescriptorWriter(fd: fd)
        return LogSink { writer.write($0) }
    }
}

/// Serialises writes to one descriptor: the lock is what keeps a partially written long line
/// from being split by another thread's line.
private final class DescriptorWriter: Sendable {
    private let fd: Int32
    private let lock = Mutex(())

    init(fd: Int32) { self.fd = fd }

    func write(_ line: UnsafeRawBufferPointer) {
        guard var next = line.baseAddress else { return }
        let end = next + line.count
        lock.withLock { _ in
            var stalls = 0
            while next < end {
                let n = Glibc.write(fd, next, end - next)
                if n > 0 {
                    next += n
                    continue
                }
                if n < 0 && errno == EINTR { continue }
                // A non-blocking descriptor that is full: wait a little, give up after ~1 s.
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && stalls < 10 {
                    stalls += 1
                    var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&poller, 1, 100)
                    continue
                }
                return  // EPIPE, EBADF, ...: nowhere to log that logging failed.
            }
        }
    }
}
