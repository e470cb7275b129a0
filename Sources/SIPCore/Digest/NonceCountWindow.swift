/// Nonce-count replay protection (RFC 7616 §3.4 `nc`, §5.5; RFC 3261 §22.4): the small state that
/// stateless nonces still need. For each nonce in use it keeps the highest `nc` accepted and a
/// 64-bit bitmap of the counts just below it, so a count is accepted once, and counts that UDP
/// delivers out of order are accepted if they are within 64 of the highest (the anti-replay
/// window of IPsec, RFC 4303 §3.4.3).
///
/// Rules of `accept` (all in this file):
/// - `nc` 0 is refused (counts start at 1), and so is a nonce `lifetimeSeconds` old or older:
///   entries are forgotten at that age, so accepting it again would re-open its counts.
/// - A nonce seen before: `nc` above the highest moves the window up; `nc` within the 64 below
///   it is accepted once; anything older is refused.
/// - A nonce not seen before is accepted with its `nc` and tracked, unless it was issued no
///   later than `evictedThrough` (below).
/// - **Retransmissions** (`admit` with a request fingerprint): the highest count again, with the
///   fingerprint of the request that was accepted with it, within `retransmissionSeconds` of
///   that acceptance, is a retransmission of that very request (RFC 3261 §17.1.2.2: a client
///   repeats a request byte for byte until it hears an answer). A stateless UAS (§8.2.7) answers
///   it as it answered the first; anything else with a spent count is still a replay.
///
/// **Bound.** At most `capacity` nonces are tracked. When a new one arrives and the table is
/// full, the longest-tracked one is evicted and `evictedThrough` rises to its issue time; from
/// then on a nonce issued no later than that and not in the table is refused. So an evicted
/// nonce can never be replayed; its next legitimate use is refused too, and the server answers
/// with `stale=true`, so the client re-authenticates with a fresh nonce (one extra round trip),
/// without prompting its user. Size `capacity` for the authenticated requests expected within
/// one nonce lifetime; each entry costs about 80 bytes.
///
/// Time is `now` in Unix seconds, made monotonic inside (a clock stepped back does not revive
/// forgotten entries). Pass entries only for nonces whose response was verified first:
/// otherwise a stranger could advance a client's window with made-up counts and lock it out.
/// Every use of one nonce must reach the same window (shard by nonce, not by Call-ID).
public struct NonceCountWindow: Sendable {
    /// How far below the highest count a late count is still accepted.
    public static let reorderSpan: UInt32 = 64
    /// How long a retransmission of an accepted request is recognised: Timer J, 64×T1 (§17.2.2),
    /// the time a non-INVITE server transaction absorbs retransmissions.
    public static let defaultRetransmissionSeconds: Int64 = 32

    /// What `admit` decided.
    public enum Admission: Sendable, Equatable {
        /// A count not used before: accepted, and now spent.
        case fresh
        /// The request accepted last with this nonce, again (see "Retransmissions").
        case retransmission
        /// A replay, a count too far behind, an expired or evicted nonce.
        case refused
    }

    /// The most nonces tracked at once.
    public let capacity: Int
    /// The nonce lifetime the codec enforces; entries are dropped at this age.
    public let lifetimeSeconds: Int64
    /// How long after its acceptance a request's retransmission is recognised.
    public let retransmissionSeconds: Int64
    /// Nonces issued at or before this time and not tracked are refused (see "Bound").
    public private(set) var evictedThrough: Int64 = .min

    private struct Entry {
        var highest: UInt32
        /// Bit i set: count `highest - i` was accepted.
        var seen: UInt64
        /// The fingerprint of the request accepted with `highest`, and when (nil: none given).
        var lastRequest: UInt64?
        var lastAcceptedAt: Int64
    }

    private var entries: [IssuedNonce: Entry] = [:]
    /// Nonces in the order they were first accepted; `order[head...]` are live.
    private var order: [IssuedNonce] = []
    private var head = 0
    private var latestNow: Int64 = .min

    /// - Precondition: `capacity` > 0, `lifetimeSeconds` > 0 and `retransmissionSeconds` ≥ 0.
    public init(capacity: Int, lifetimeSeconds: Int64, retransmissionSeconds: Int64 = defaultRetransmissionSeconds) {
        precondition(capacity > 0 && lifetimeSeconds > 0 && retransmissionSeconds >= 0)
        self.capacity = capacity
        self.lifetimeSeconds = lifetimeSeconds
        self.retransmissionSeconds = retransmissionSeconds
    }

    /// The number of nonces tracked.
    public var count: Int { entries.count }

    /// Accepts `nc` for `nonce` once; false for a replay, a count too far behind, an expired
    /// nonce, or an untracked nonce issued no later than `evictedThrough`.
    public mutating func accept(_ nonce: IssuedNonce, nc: UInt32, now: Int64) -> Bool {
        admit(nonce, nc: nc, request: nil, now: now) == .fresh
    }

    /// `accept`, told which request carries the count (`request`: its fingerprint, e.g.
    /// `SIPMessage.fingerprint(from:)`), so that a retransmission of the last accepted request is
    /// told apart from a replay. Without a fingerprint nothing is a retransmission.
    public mutating func admit(_ nonce: IssuedNonce, nc: UInt32, request: UInt64?, now: Int64) -> Admission {
        latestNow = max(latestNow, now)
        let now = latestNow
        dropExpired(now: now)
        guard nc > 0, !isExpired(nonce, now: now) else { return .refused }

        if let index = entries.index(forKey: nonce) {
            var entry = entries.values[index]
            defer { entries.values[index] = entry }
            if nc > entry.highest {
                let shift = nc - entry.highest
                entry.seen = shift >= 64 ? 1 : entry.seen << UInt64(shift) | 1
                entry.highest = nc
                entry.lastRequest = request
                entry.lastAcceptedAt = now
                return .fresh
            }
            if nc == entry.highest, let request, entry.lastRequest == request,
               now - entry.lastAcceptedAt < retransmissionSeconds {
                return .retransmission
            }
            let behind = entry.highest - nc
            guard behind < Self.reorderSpan else { return .refused }
            let bit: UInt64 = 1 << UInt64(behind)
            guard entry.seen & bit == 0 else { return .refused }
            entry.seen |= bit
            return .fresh
        }

        guard nonce.issuedAt > evictedThrough else { return .refused }
        if entries.count >= capacity, let oldest = popOldest() {
            entries[oldest] = nil
            evictedThrough = max(evictedThrough, oldest.issuedAt)
            // The newcomer itself may now fall under the mark.
            guard nonce.issuedAt > evictedThrough else { return .refused }
        }
        entries[nonce] = Entry(highest: nc, seen: 1, lastRequest: request, lastAcceptedAt: now)
        order.append(nonce)
        return .fresh
    }

    private func isExpired(_ nonce: IssuedNonce, now: Int64) -> Bool {
        let (age, overflow) = now.subtractingReportingOverflow(nonce.issuedAt)
        return overflow || age >= lifetimeSeconds
    }

    /// Forgets expired entries at the front of the arrival order. An expired entry behind a live
    /// one waits for its turn; `accept` refuses it by age meanwhile, and `capacity` bounds it.
    private mutating func dropExpired(now: Int64) {
        while head < order.count, isExpired(order[head], now: now) {
            entries[order[head]] = nil
            head += 1
        }
        compact()
    }

    private mutating func popOldest() -> IssuedNonce? {
        guard head < order.count else { return nil }
        let oldest = order[head]
        head += 1
        compact()
        return oldest
    }

    /// Keeps `order` within twice the live entries (amortised O(1) per pop).
    private mutating func compact() {
        if head == order.count {
            order.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
