#if canImport(Glibc)
import Glibc
#endif
import SIPTransaction

/// The real clock, read only here at the edge (ARCHITECTURE: pure targets get `now` passed in):
/// CLOCK_MONOTONIC, which never jumps with the wall clock.
public enum MonotonicClock {
    public static func now() -> Instant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Instant(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }
}
