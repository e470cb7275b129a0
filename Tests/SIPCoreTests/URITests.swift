import Testing
@testable import SIPCore

/// URI forms (RFC 3261 §19.1, RFC 3966) and the comparison rules of §19.1.4, with the RFC's own examples.
@Suite struct URITests {
    @Test func sipURIParts() throws {
        let uri = try #require(try URI(parsing: "sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=x%20y&priority=urgent").sipURI)
        #expect(uri.isSecure)
        #expect(uri.user == "alice" && uri.password == "secret")
        #expect(uri.host == "[2001:db8::1]" && uri.port == 5061)
        #expect(uri.transport == "tcp" && uri.isLooseRouter)
        #expect(uri.headers == "subject=x%20y&priority=urgent")
    }

    @Test func userPartMayHoldSemicolons() throws {
        let uri = try #require(try URI(parsing: "sip:user;par=u%40example.net@example.com", context: .requestURI).sipURI)
        #expect(uri.user == "user;par=u%40example.net")
        #expect(uri.host == "example.com" && uri.parameters.isEmpty)
    }

    @Test func telAndOtherSchemes() throws {
        let tel = try #require(try URI(parsing: "tel:+7-495-111-22-33;phone-context=+7").telURI)
        #expect(tel.isGlobal && tel.digits == "+74951112233")
        #expect(tel.parameters.value("phone-context") == "+7")
        let other = try URI(parsing: "soap.beep://192.0.2.103:3002")
        #expect(other.scheme == "soap.beep")
        if case .other = other {} else { Issue.record("expected an opaque URI") }
    }

    @Test(arguments: ["sip:", "sip:@host", "sip:a@", "sip:a@b:99999", "sip:a@[::1", "sip:a@b;=x", "sip:a@b%zz",
                      "tel:", "tel:+", "nocolon", "1sip:a@b", "sip:a b@c"])
    func malformedURIsFail(_ text: String) {
        #expect(throws: SIPParseError.self) { try URI(parsing: text) }
    }

    @Test func headersNeedAngleBracketsOutsideNameAddr() {
        #expect(throws: SIPParseError.self) { try URI(parsing: ByteString("sip:a@b?x=y"), context: .requestURI) }
        #expect(throws: SIPParseError.self) { try URI(parsing: ByteString("sip:a@b?x=y"), context: .addrSpec) }
        #expect(throws: Never.self) { try URI(parsing: ByteString("sip:a@b?x=y"), context: .nameAddr) }
    }

    @Test(arguments: [
        ("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
        ("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"),
        ("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
         "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"),
        ("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
         "sip:alice@atlanta.com?priority=urgent&subject=project%20x"),
    ])
    func equivalentURIs(_ a: String, _ b: String) throws {
        #expect(try URI(parsing: a).isEquivalent(to: URI(parsing: b)))
        #expect(try URI(parsing: b).isEquivalent(to: URI(parsing: a)))
    }

    @Test(arguments: [
        ("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"),
        ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
        ("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"),
        ("sip:a@b", "sips:a@b"),
    ])
    func differentURIs(_ a: String, _ b: String) throws {
        #expect(try !URI(parsing: a).isEquivalent(to: URI(parsing: b)))
        #expect(try !URI(parsing: b).isEquivalent(to: URI(parsing: a)))
    }

    @Test func telEquivalenceIgnoresVisualSeparators() throws {
        #expect(try URI(parsing: "tel:+7-495-111-22-33").isEquivalent(to: URI(parsing: "tel:+74951112233")))
        #expect(try !URI(parsing: "tel:+74951112233").isEquivalent(to: URI(parsing: "tel:+74951112234")))
    }

    @Test func builtURIsParse() {
        let uri = SIPURI(user: "bob", host: "192.0.2.1", port: 5070, parameters: [("transport", "tcp"), ("lr", nil)])
        #expect(uri.text == "sip:bob@192.0.2.1:5070;transport=tcp;lr")
        #expect(uri.port == 5070 && uri.isLooseRouter)
    }
}
