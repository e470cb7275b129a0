#if canImport(Glibc)
import Glibc
#endif

/// Random tokens for tags and branches (RFC 3261 §19.3: globally unique, with at least 32 bits
/// of randomness; §8.1.1.7 branches). They come from the kernel's CSPRNG, so that an attacker who
/// sees some cannot guess the next (a guessed branch lets a spoofed response into a transaction),
/// but 4 KiB at a time: one read per 512 tokens instead of a system call per tag.
///
/// One per worker, used only on that worker's queue (hence `@unchecked Sendable`).
final class RandomTokens: @unchecked Sendable {
    private var buffer = [UInt64](repeating: 0, count: 512)
    private var next = 512

    /// 64 random bits.
    func nextUInt64() -> UInt64 {
        if next == buffer.count { refill() }
        defer { next += 1 }
        return buffer[next]
    }

    /// 64 random bits in base 36 (up to 13 characters: a token, RFC 3261 §25.1).
    func token() -> String { String(nextUInt64(), radix: 36) }

    private func refill() {
        let filled = buffer.withUnsafeMutableBytes { raw -> Bool in
            let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var offset = 0
            while offset < raw.count {
                let n = read(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return false }
            }
            return true
        }
        if !filled {
            // No /dev/urandom (a sandbox without it): the standard library's system generator.
            var generator = SystemRandomNumberGenerator()
            for i in buffer.indices { buffer[i] = generator.next() }
        }
        next = 0
    }
}
