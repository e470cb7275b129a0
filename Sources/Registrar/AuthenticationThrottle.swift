/// Slows password guessing (issue 5): after `maxFailures` failed digest authentications from one
/// source within `windowSeconds`, that source is refused for `banSeconds` without its
/// credentials being checked. Bounded: at most `capacity` sources are tracked; when full, the
/// one whose window started earliest is forgotten. Pure: time comes in as `now`.
public struct AuthenticationThrottle: Sendable {
    public var maxFailures: Int
    public var windowSeconds: Int64
    public var banSeconds: Int64
    public let capacity: Int

    private struct Record: Sendable {
        var windowStart: Int64
        var failures: Int
        var bannedUntil: Int64?
    }

    private var records: [String: Record] = [:]

    public init(maxFailures: Int = 10, windowSeconds: Int64 = 60, banSeconds: Int64 = 300, capacity: Int = 100_000) {
        precondition(maxFailures > 0 && windowSeconds > 0 && banSeconds >= 0 && capacity > 0)
        self.maxFailures = maxFailures
        self.windowSeconds = windowSeconds
        self.banSeconds = banSeconds
        self.capacity = capacity
    }

    /// Sources tracked.
    public var count: Int { records.count }

    /// Whether `source` is banned at `now`; the end of the ban when it is.
    public func bannedUntil(_ source: String, at now: Int64) -> Int64? {
        guard let until = records[source]?.bannedUntil, until > now else { return nil }
        return until
    }

    /// Records a failure; returns the end of the ban when this failure starts one.
    @discardableResult
    public mutating func recordFailure(from source: String, at now: Int64) -> Int64? {
        var record = records[source] ?? Record(windowStart: now, failures: 0, bannedUntil: nil)
        if now - record.windowStart >= windowSeconds {
            record = Record(windowStart: now, failures: 0, bannedUntil: record.bannedUntil.flatMap { $0 > now ? $0 : nil })
        }
        record.failures += 1
        var newBan: Int64?
        if record.failures >= maxFailures, record.bannedUntil.map({ $0 <= now }) ?? true {
            record.bannedUntil = now + banSeconds
            record.failures = 0
            record.windowStart = now
            newBan = record.bannedUntil
        }
        if records[source] == nil, records.count >= capacity, let oldest = records.min(by: { $0.value.windowStart < $1.value.windowStart })?.key {
            records[oldest] = nil
        }
        records[source] = record
        return newBan
    }

    /// A success clears the source's failures (not a running ban).
    public mutating func recordSuccess(from source: String) {
        guard var record = records[source] else { return }
        record.failures = 0
        records[source] = record.bannedUntil == nil ? nil : record
    }
}
