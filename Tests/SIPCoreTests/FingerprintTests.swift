import Testing
@testable import SIPCore

/// `SIPMessage.fingerprint(from:)`: equal for a retransmission (the same bytes from the same
/// source, RFC 3261 §17.1.2.2), different for anything else.
@Suite struct FingerprintTests {
    static let register = "REGISTER sip:zvonok.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1\r\n"
        + "From: <sip:alice@zvonok.example>;tag=f\r\nTo: <sip:alice@zvonok.example>\r\nCall-ID: c1\r\nCSeq: 2 REGISTER\r\n"
        + "Contact: <sip:alice@192.0.2.10>\r\nContent-Length: 0\r\n\r\n"

    func message(_ text: String) -> SIPMessage { try! SIPMessage(parsing: text) }

    @Test func aRetransmissionFromTheSameSourceHasTheSameFingerprint() {
        #expect(message(Self.register).fingerprint(from: "udp:a") == message(Self.register).fingerprint(from: "udp:a"))
    }

    @Test func anotherSourceOrAnyChangedByteGivesAnother() {
        let original = message(Self.register).fingerprint(from: "udp:a")
        #expect(message(Self.register).fingerprint(from: "udp:b") != original)
        let changes = [
            Self.register.replacingOccurrences(of: "branch=z9hG4bK1", with: "branch=z9hG4bK2"),
            Self.register.replacingOccurrences(of: "192.0.2.10>", with: "203.0.113.5>"),
            Self.register.replacingOccurrences(of: "CSeq: 2", with: "CSeq: 3"),
            Self.register.replacingOccurrences(of: "Content-Length: 0\r\n\r\n", with: "Content-Length: 1\r\n\r\nx"),
        ]
        for changed in changes { #expect(message(changed).fingerprint(from: "udp:a") != original) }
    }

    @Test func linesCutElsewhereDiffer() {
        // The same bytes in another order of line breaks: "X: ab" + "Y: c" against "X: a" + "bY: c".
        let head = "OPTIONS sip:zvonok.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
        let one = message(head + "X-A: ab\r\nX-B: c\r\n\r\n")
        let other = message(head + "X-A: a\r\nbX-B: c\r\n\r\n")
        #expect(one.fingerprint(from: 1) != other.fingerprint(from: 1))
    }
}
