import SIPCore
import SIPTransaction

/// RFC 3261 §16.7: the response context of one proxied request — its server transaction, the
/// client transactions it forked to, and the best final response collected so far. The rules:
///
/// - A provisional response (other than 100) and every 2xx are forwarded at once; after a 2xx to
///   an INVITE, or a 6xx, the other pending INVITE branches are cancelled (§16.7 step 5, §16.10).
/// - Other final responses are kept; when every branch has a final response and none was sent,
///   the best one goes upstream (step 6): a 6xx first, else the lowest class, within 4xx
///   preferring 401, 407, 415, 420 and 484; a chosen 503 becomes 500. Every WWW-Authenticate and
///   Proxy-Authenticate of the 401s and 407s collected is copied into a chosen 401/407 (step 7).
/// - A branch that timed out counts as 408, one whose transport failed as 503 (§16.7 step 2,
///   §16.9).
struct ResponseContext: Sendable {
    /// A branch of the fork: one client transaction (§16.6).
    struct Branch: Sendable {
        enum State: Sendable, Equatable {
            /// Sent, nothing heard yet: a CANCEL must wait for a provisional response (§9.1).
            case trying
            /// A provisional response came: it can be cancelled.
            case proceeding
            /// A final response came (or was assumed: 408, 503).
            case completed
        }

        var id: TransactionID
        var state: State = .trying
        /// A CANCEL is owed as soon as the branch is proceeding.
        var cancelPending = false
        /// The CANCEL went (once per branch).
        var cancelSent = false
    }

    let serverTransaction: TransactionID
    /// The request as received (responses are built from it).
    let request: SIPMessage
    let isInvite: Bool
    var branches: [Branch] = []
    /// The best final response (3xx–6xx) received so far.
    var best: SIPMessage?
    /// Challenges of the 401s and 407s received (§16.7 step 7).
    var challenges: [(KnownHeader, ByteString)] = []
    /// A final response went upstream.
    var finalSent = false
    /// The caller cancelled (§16.10): no new branches, pending ones cancelled.
    var cancelled = false

    init(serverTransaction: TransactionID, request: SIPMessage) {
        self.serverTransaction = serverTransaction
        self.request = request
        self.isInvite = request.method == .invite
    }

    var allBranchesCompleted: Bool { branches.allSatisfy { $0.state == .completed } }

    func branchIndex(_ id: TransactionID) -> Int? { branches.firstIndex { $0.id == id } }

    /// Keeps `response` (upstream-ready: this proxy's Via already removed) if it is better than the
    /// best so far, and its challenges.
    mutating func consider(_ response: SIPMessage) {
        guard let code = response.statusCode, code >= 300 else { return }
        if code == 401 {
            challenges += response.values(.wwwAuthenticate).map { (.wwwAuthenticate, $0) }
        } else if code == 407 {
            challenges += response.values(.proxyAuthenticate).map { (.proxyAuthenticate, $0) }
        }
        guard let best, let bestCode = best.statusCode else {
            self.best = response
            return
        }
        if Self.rank(code) < Self.rank(bestCode) { self.best = response }
    }

    /// Lower is better (§16.7 step 6).
    static func rank(_ code: Int) -> Int {
        switch code {
        case 600...699: return 0
        case 300...399: return 100 + code - 300
        case 401, 407, 415, 420, 484: return 200
        case 400...499: return 201 + code - 400
        case 500...599: return 400 + code - 500
        default: return 1000
        }
    }

    /// The final response to send upstream once every branch has completed: the best one with
    /// the challenges aggregated, 503 turned into 500; or, when no
    /// branch gave any final response at all, `fallback`.
    func chosenResponse(fallback: () -> SIPMessage) -> SIPMessage {
        guard var response = best, let code = response.statusCode else { return fallback() }
        if code == 503 {
            // §16.7 step 6: a 503 would make the caller think this proxy is overloaded.
            response = request.makeResponse(statusCode: 500, reason: "Server Internal Error (next hop unavailable)",
                                            toTag: (try? response.to()?.tag)?.string)
            return response
        }
        if code == 401 || code == 407 {
            let own: KnownHeader = code == 401 ? .wwwAuthenticate : .proxyAuthenticate
            let existing = Set(response.values(own))
            for (header, value) in challenges where !(header == own && existing.contains(value)) {
                response.addHeader(header, value.string)
            }
        }
        return response
    }
}
