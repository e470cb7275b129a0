import Registrar
import SIPCore

/// Where a request goes, decided by the proxy's routing steps (RFC 3261 §16.3–§16.5).
enum RouteDecision<Peer: Sendable & Hashable>: Sendable {
    /// Answer it here with `statusCode` and `reason` (extra `headers`), or with a ready `response`.
    case reject(statusCode: Int, reason: String, headers: [(KnownHeader, String)] = [])
    case respond(SIPMessage, note: String?)
    /// Forward to each target: the Request-URI to write (nil: keep it) and the next hop.
    case forward([ForwardTarget<Peer>], recordRoute: Bool)
}

/// One branch's target (§16.5): the URI the request goes to, the peer that reaches it, and
/// whether that peer is a registered device to be reached on the transport it registered on.
struct ForwardTarget<Peer: Sendable & Hashable>: Sendable {
    var requestURI: String?
    var peer: Peer
    var isRegisteredDevice = false
}

/// The proxy's loop-detection hash (§16.3 step 4, §16.6 step 8): FNV-1a over what identifies a
/// request at this hop — the Request-URI, the From and To tags, Call-ID, CSeq number, the bottom Via
/// (the originating client's: every hop keeps it), Proxy-Require and Proxy-Authorization. A branch this proxy writes starts with it,
/// so a request that comes back with the same hash in one of our Vias is a loop (482), and one
/// that comes back changed (a spiral) is not.
enum LoopHash {
    static let prefix = "z9hG4bKzv"

    static func of(_ request: SIPMessage) -> String {
        var hash = FNV1a()
        hash.combineField(request.requestURIText?.bytes ?? [])
        hash.combineField((try? request.from())?.tag?.bytes ?? [])
        hash.combineField((try? request.to())?.tag?.bytes ?? [])
        hash.combineField(request.firstValue(.callID)?.bytes ?? [])
        // The CSeq's number as written (its method is the request's).
        let cseq = request.firstValue(.cseq)?.bytes ?? []
        hash.combineField(cseq.prefix { $0 != 0x20 && $0 != 0x09 })
        hash.combineField(request.values(.via).last?.bytes ?? [])
        for value in request.values(.proxyRequire) { hash.combineField(value.bytes) }
        for value in request.values(.proxyAuthorization) { hash.combineField(value.bytes) }
        return hash.hex
    }

    /// The branch for a forwarded request: the hash, a dot, then what makes the branch unique.
    static func branch(hash: String, unique: String) -> String { prefix + hash + "." + unique }

    /// Whether one of our Vias carries this request's hash (a loop).
    static func isLoop(_ request: SIPMessage, hash: String, isOwnVia: (Via) -> Bool) -> Bool {
        let marker = ByteString(prefix + hash + ".")
        // Cheap first: no Via value mentions the hash in the common case.
        guard request.values(.via).contains(where: { $0.contains(marker) }), let vias = try? request.vias() else {
            return false
        }
        return vias.contains { via in
            guard isOwnVia(via), let branch = via.branch else { return false }
            return branch.hasPrefix(marker)
        }
    }
}
