import SIPCore
import SIPTransaction

/// What the server answers by itself (RFC 3261 §8.2, §11, §9.2) before the registrar, proxy and
/// B2BUA take requests, and afterwards for what none of them handles:
///
/// - OPTIONS → 200 with Allow, Accept and Supported (§11.2);
/// - CANCEL → 200 when it matches a server transaction (its INVITE was already answered here),
///   else 481 (§9.2);
/// - ACK outside a transaction → absorbed (it acknowledges a 2xx we never sent, §17.2.3);
/// - a method the server recognises (RFC 3261's and those of RFC 3262, 3265, 3311, 3428, 3515,
///   3903, 6086: `SIPMethod`'s cases) but does not serve → 405 with Allow (§8.2.1); an extension
///   method it does not know → 501 (§21.5.2).
///
/// Requests reach it already validated (SIPCore's `validate`): the codes 400/416/420/483/505/513
/// are answered before it. Pure; the To tag comes from an injected source.
public struct BuiltInResponder<Peer: Sendable & Hashable>: TransactionUser {
    /// Methods answered by this server, for Allow (§20.5).
    public var allowedMethods: [SIPMethod] = [.options, .ack, .cancel]
    /// Body types accepted (§20.1); the server takes no bodies itself.
    public var acceptedBodyTypes = "application/sdp"
    /// Extensions supported (§20.37): the option tags the validation policy allows.
    public var supportedExtensions: [String]
    /// The To tag for responses to requests outside a dialog (§8.2.6.2).
    public var makeTag: @Sendable () -> String

    public init(supportedExtensions: [String] = ValidationPolicy.zvonok.supportedExtensions,
                makeTag: @escaping @Sendable () -> String) {
        self.supportedExtensions = supportedExtensions
        self.makeTag = makeTag
    }

    public mutating func handle(_ event: TransactionUserEvent<Peer>, at now: Instant) -> [TransactionUserAction<Peer>] {
        guard case .request(let request, _, let transaction, let cancels) = event else { return [] }
        guard let response = response(to: request, cancelMatched: cancels != nil) else { return [] }
        return [.respond(response, transaction: transaction)]
    }

    /// The response to `request`, nil for ACK.
    public func response(to request: SIPMessage, cancelMatched: Bool) -> SIPMessage? {
        guard let method = request.method else { return nil }
        let allow = allowedMethods.map(\.description).joined(separator: ", ")
        switch method {
        case .ack:
            return nil
        case .options:
            var headers: [(KnownHeader, String)] = [(.allow, allow), (.accept, acceptedBodyTypes)]
            if !supportedExtensions.isEmpty { headers.append((.supported, supportedExtensions.joined(separator: ", "))) }
            return request.makeResponse(statusCode: 200, reason: "OK", toTag: makeTag(), headers: headers)
        case .cancel:
            return cancelMatched
                ? request.makeResponse(statusCode: 200, reason: "OK", toTag: makeTag())
                : request.makeResponse(statusCode: 481, reason: "Call/Transaction Does Not Exist", toTag: makeTag())
        default:
            if !method.isExtension {
                return request.makeResponse(statusCode: 405, reason: "Method Not Allowed", toTag: makeTag(),
                                            headers: [(.allow, allow)])
            }
            return request.makeResponse(statusCode: 501, reason: "Not Implemented", toTag: makeTag(),
                                        headers: [(.allow, allow)])
        }
    }
}
