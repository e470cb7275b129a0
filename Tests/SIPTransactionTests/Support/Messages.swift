import SIPCore

/// Test messages, parsed from small SIP texts with SIPCore's parser (lines written with `\n`).
enum Messages {
    static func parse(_ text: String) -> SIPMessage {
        let crlf = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }.joined(separator: "\r\n")
        do {
            return try SIPMessage(parsing: crlf)
        } catch {
            fatalError("test message does not parse: \(error)\n\(text)")
        }
    }

    /// A request as a user agent at `sentBy` sends it. `branch: nil` writes a Via without branch
    /// (an RFC 2543 element).
    static func request(_ method: String, branch: String? = "z9hG4bKaaa1", sentBy: String = "client.example.com:5060",
                        uri: String = "sip:bob@example.com", callID: String = "call-1@client.example.com",
                        cseq: UInt32 = 1, cseqMethod: String? = nil, fromTag: String = "alice1",
                        toTag: String? = nil, extraHeaders: [String] = []) -> SIPMessage {
        let branchParameter = branch.map { ";branch=\($0)" } ?? ""
        let to = "<sip:bob@example.com>" + (toTag.map { ";tag=\($0)" } ?? "")
        let extras = extraHeaders.map { $0 + "\n" }.joined()
        return parse("""
            \(method) \(uri) SIP/2.0
            Via: SIP/2.0/UDP \(sentBy)\(branchParameter)
            Max-Forwards: 70
            From: Alice <sip:alice@example.com>;tag=\(fromTag)
            To: \(to)
            Call-ID: \(callID)
            CSeq: \(cseq) \(cseqMethod ?? method)
            \(extras)Content-Length: 0


            """)
    }

    static func invite(branch: String? = "z9hG4bKaaa1", sentBy: String = "client.example.com:5060",
                       extraHeaders: [String] = []) -> SIPMessage {
        request("INVITE", branch: branch, sentBy: sentBy, extraHeaders: extraHeaders)
    }

    /// The response a UAS makes (§8.2.6): Via, From, To (tagged above 100), Call-ID, CSeq copied.
    static func response(_ status: Int, to request: SIPMessage, toTag: String? = "bob1") -> SIPMessage {
        request.makeResponse(statusCode: status, reason: reason(status), toTag: toTag)
    }

    /// The ACK a UAC sends for a non-2xx final response to `invite` (same branch, the response's To tag).
    static func ack(for invite: SIPMessage, toTag: String? = "bob1", branch: String? = nil) -> SIPMessage {
        let via = try! invite.topVia()!
        return request("ACK", branch: branch ?? via.branch?.string, sentBy: "\(via.host)" + (via.port.map { ":\($0)" } ?? ""),
                       cseq: try! invite.cseq()!.number, toTag: toTag)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Trying"
        case 180: "Ringing"
        case 183: "Session Progress"
        case 200: "OK"
        case 302: "Moved Temporarily"
        case 486: "Busy Here"
        case 503: "Service Unavailable"
        case 603: "Decline"
        default: "Status"
        }
    }
}
