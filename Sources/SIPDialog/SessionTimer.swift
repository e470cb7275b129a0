import SIPCore

/// Who refreshes a session (RFC 4028 §4 `refresher`), seen from this user agent.
public enum SessionRefresher: Sendable, Hashable {
    /// This side sends the refreshes (re-INVITE or UPDATE) at half the interval.
    case local
    /// The peer refreshes; this side ends the session if no refresh comes in time.
    case remote
}

/// The session timer of RFC 4028 for one dialog: the negotiated interval and who refreshes, and
/// the durations after each refresh at which this side acts. Time-agnostic: the caller arms its
/// timers with `refreshAfter`/`expiryAfter` from the moment of the last successful refresh.
///
/// Rules:
/// - The smallest interval anyone may ask for is 90 s (§4, §5 `Min-SE` default).
/// - UAC (§7): the request offers `Supported: timer`, `Session-Expires` and `Min-SE`; a 2xx with
///   `Session-Expires` sets the interval and refresher (`refresher=uac` → local; `uas` → remote;
///   absent → local, §7.2); a 2xx without it means no session timer. A 422 carries the `Min-SE`
///   to retry with (§7.4), which must exceed what was asked.
/// - UAS (§9): a `Session-Expires` below the local Min-SE is refused with 422 and our `Min-SE`;
///   otherwise the interval is the request's, lowered to our preference but never below the
///   request's Min-SE or ours. The refresher is the request's choice if it made one; else the UAC
///   when it supports `timer`; a UAC without `timer` support and without `Session-Expires` gets no
///   session timer from here (the B2BUA probes such a leg with OPTIONS instead).
/// - §10: the refresher refreshes at half the interval; the other side considers the session dead
///   at the interval minus min(32 s, a third of the interval) after the last refresh.
public struct SessionTimer: Sendable, Hashable {
    /// The least interval RFC 4028 allows (§4).
    public static let minimumSeconds: UInt32 = 90

    public let intervalSeconds: UInt32
    public let refresher: SessionRefresher

    public init(intervalSeconds: UInt32, refresher: SessionRefresher) {
        precondition(intervalSeconds >= Self.minimumSeconds, "a session interval below 90 s")
        self.intervalSeconds = intervalSeconds
        self.refresher = refresher
    }

    /// §10: when this side, as refresher, sends the refresh (half the interval after the last).
    public var refreshAfter: Duration { .seconds(Int64(intervalSeconds) / 2) }

    /// §10: when this side, not the refresher, gives the session up: the interval minus
    /// min(32 s, interval / 3) after the last refresh.
    public var expiryAfter: Duration {
        let interval = Int64(intervalSeconds)
        return .seconds(interval - min(32, interval / 3))
    }

    // MARK: UAC

    /// §7.1: the headers of an INVITE (or UPDATE) that asks for a session timer of `intervalSeconds`.
    public static func requestHeaders(intervalSeconds: UInt32, minSE: UInt32 = minimumSeconds) -> [(KnownHeader, String)] {
        precondition(intervalSeconds >= minSE && minSE >= minimumSeconds)
        return [(.supported, "timer"), (.sessionExpires, String(intervalSeconds)), (.minSE, String(minSE))]
    }

    /// §7.2: the session timer a 2xx establishes for the UAC; nil when it carries no Session-Expires
    /// (or an unusable one).
    public init?(uacResponse response: SIPMessage) {
        guard let value = try? response.sessionExpires(), value.deltaSeconds >= Self.minimumSeconds else { return nil }
        let uas = value.refresher?.equalsIgnoringASCIICase("uas") ?? false
        self.init(intervalSeconds: value.deltaSeconds, refresher: uas ? .remote : .local)
    }

    /// §7.4: the interval to retry with after a 422 (Session Interval Too Small): its Min-SE, if it
    /// exceeds what was asked; nil otherwise (give up).
    public static func retryInterval(after response: SIPMessage, asked: UInt32) -> UInt32? {
        guard response.statusCode == 422, let minSE = try? response.minSE(), minSE > asked else { return nil }
        return max(minSE, minimumSeconds)
    }

    // MARK: UAS

    /// What a UAS answers to a session-timer request (§9).
    public enum Negotiation: Sendable {
        /// Refuse with 422 and `Min-SE: minSE`.
        case tooSmall(minSE: UInt32)
        /// No session timer on this dialog.
        case none
        /// Use `timer`; put `responseHeaders` (`Session-Expires` with refresher, and `Require: timer`
        /// when the UAC supports it) in the 2xx.
        case accept(SessionTimer, responseHeaders: [(KnownHeader, String)])
    }

    /// §9: the UAS's decision for `request`, with our least acceptable interval `localMinSE` and
    /// the interval we prefer (used when the request asks for more, or asks nothing but supports timer).
    public static func negotiate(request: SIPMessage, localMinSE: UInt32 = minimumSeconds,
                                 preferredSeconds: UInt32) -> Negotiation {
        precondition(localMinSE >= minimumSeconds && preferredSeconds >= localMinSE)
        let supportsTimer = ((try? request.supported()) ?? []).contains { $0.equalsIgnoringASCIICase("timer") }
        let requestMinSE = max((try? request.minSE()) ?? minimumSeconds, minimumSeconds)
        let asked = try? request.sessionExpires()
        if let asked, asked.deltaSeconds < localMinSE { return .tooSmall(minSE: localMinSE) }
        guard asked != nil || supportsTimer else { return .none }
        let wanted = asked.map { min($0.deltaSeconds, preferredSeconds) } ?? preferredSeconds
        let interval = max(wanted, requestMinSE, localMinSE)
        let uacRefreshes: Bool
        if let choice = asked?.refresher {
            uacRefreshes = choice.equalsIgnoringASCIICase("uac")
        } else {
            uacRefreshes = supportsTimer
        }
        guard uacRefreshes || supportsTimer || asked != nil else { return .none }
        var headers: [(KnownHeader, String)] = [(.sessionExpires, "\(interval);refresher=\(uacRefreshes ? "uac" : "uas")")]
        if supportsTimer { headers.append((.require, "timer")) }
        return .accept(SessionTimer(intervalSeconds: interval, refresher: uacRefreshes ? .remote : .local),
                       responseHeaders: headers)
    }
}
