/// What a SIP server would do with one UDP datagram: process it, reject it as unparseable, or
/// parse it and answer with a specific code. `zvonokctl lint` prints it; the RFC 4475 tests
/// compare it with the corpus manifest.
public struct DatagramVerdict: Sendable, Equatable, CustomStringConvertible {
    /// The three outcomes `zvonokctl lint` reports.
    public enum Kind: String, Sendable {
        /// The server processes the message.
        case valid
        /// The bytes are not a well-formed SIP message: 400 for a request, dropped if a response.
        case invalid
        /// Well-formed, but the server must answer with `code`.
        case reject
    }

    public var kind: Kind
    /// 0 when valid, 400 when invalid, else the response code.
    public var code: Int
    /// Why; empty when valid.
    public var reason: String

    public var description: String { "\(kind.rawValue)\t\(code)\t\(reason)" }

    /// Judges `datagram` as Zvonok would receive it (RFC 3261 §18.3 framing, then `validate`).
    public static func judge(_ datagram: [UInt8], policy: ValidationPolicy = .zvonok,
                             limits: SIPParserLimits = .default) -> DatagramVerdict {
        let message: SIPMessage
        do {
            message = try SIPMessage(parsing: datagram, limits: limits)
        } catch {
            return error.statusCode == 400
                ? DatagramVerdict(kind: .invalid, code: 400, reason: error.reason)
                : DatagramVerdict(kind: .reject, code: error.statusCode, reason: error.reason)
        }
        guard let rejection = message.validate(policy) else { return DatagramVerdict(kind: .valid, code: 0, reason: "") }
        if rejection.kind == .syntax && rejection.statusCode == 400 {
            return DatagramVerdict(kind: .invalid, code: 400, reason: rejection.reason)
        }
        return DatagramVerdict(kind: .reject, code: rejection.statusCode, reason: rejection.reason)
    }
}
