import Testing
@testable import SIPCore

/// The byte parser and typed header values on messages whose every field is known.
@Suite struct ParserTests {
    @Test func tortuousInviteFieldsAreRead() throws {
        let m = try SIPMessage(parsing: Corpus.torture("wsinv"))
        #expect(m.method == .invite)
        #expect(m.requestURIText == "sip:vivekg@chair-dnrc.example.com;unknownparam")
        let to = try #require(try m.to())
        #expect(to.uri.text == "sip:vivekg@chair-dnrc.example.com")
        #expect(to.tag == "1918181833n")
        let from = try #require(try m.from())
        #expect(from.displayName == #""J Rosenberg \\\"""#)
        #expect(from.displayNameText == #"J Rosenberg \""#)
        #expect(from.tag == "98asjd8")
        #expect(try m.maxForwards() == 68)
        #expect(try m.callID() == "wsinv.ndaksdj@192.0.2.1")
        #expect(try m.cseq() == CSeq(number: 9, method: .invite))
        let vias = try m.vias()
        #expect(vias.count == 3)
        #expect(vias[0].transport == "UDP" && vias[0].host == "192.0.2.2" && vias[0].branch == "390skdjuw")
        #expect(vias[1].transport == "TCP" && vias[1].host == "spindle.example.com" && vias[1].branch == "z9hG4bK9ikj8")
        #expect(vias[2].host == "192.168.255.111" && vias[2].branch == "z9hG4bK30239")
        #expect(try m.topVia() == vias[0])
        let contact = try #require(try m.contacts()).addresses
        #expect(contact.count == 1)
        #expect(contact[0].parameters.value("newparam") == "newvalue")
        #expect(contact[0].parameters.contains("secondparam"))
        #expect(contact[0].parameters.value("q") == "0.33")
        #expect(m.values(named: "NewFangledHeader").first?.string.hasPrefix("newfangled value") == true)
        #expect(m.values(named: "UnknownHeaderWithUnusualValue") == [";;,,;;,;"])
        #expect(m.firstValue(.subject) == "")
        #expect(try m.routes().first?.uri.sipURI?.isLooseRouter == true)
        #expect(m.body.count == 150)
        #expect(try m.contentType()?.matches(type: "application", subtype: "sdp") == true)
    }

    @Test func unusualTokensAndEscapesAreKept() throws {
        let m = try SIPMessage(parsing: Corpus.torture("intmeth"))
        #expect(m.method == .extension("!interesting-Method0123456789_*+`.%indeed'~"))
        #expect(try m.cseq()?.method == m.method)
        let uri = try #require(try URI(parsing: m.requestURIText!, context: .requestURI).sipURI)
        #expect(uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        #expect(uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        #expect(uri.host == "example.com")
        #expect(try m.from()?.tag == "_token~1'+`*%!-.")
        #expect(try m.callID() == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")
        let toName = try #require(try m.to()?.displayName)
        #expect(toName.bytes.contains(0))  // the quoted-pair NUL survives
    }

    @Test func escapesDecodeOnlyWhenAsked() throws {
        let m = try SIPMessage(parsing: Corpus.torture("esc01"))
        let ruri = try #require(try URI(parsing: m.requestURIText!, context: .requestURI).sipURI)
        #expect(ruri.user == "sips%3Auser%40example.com")
        #expect(ruri.decodedUser == "sips:user@example.com")
        #expect(try m.to()?.uri.sipURI?.decodedUser == "user")
        let escnull = try SIPMessage(parsing: Corpus.torture("escnull"))
        let contacts = try #require(try escnull.contacts()).addresses
        #expect(contacts.map { $0.uri.sipURI?.decodedUser } == [ByteString([0]), ByteString([0, 0])])
    }

    @Test func percentInMethodAndHeaderNameIsLiteral() throws {
        let m = try SIPMessage(parsing: Corpus.torture("esc02"))
        #expect(m.method == .extension("RE%47IST%45R"))
        #expect(m.count(of: .contact) == 2)
        #expect(m.values(named: "C%6Fntact") == ["<sip:alias2@host2.example.com>"])
    }

    @Test func compactFormsAndCaseInsensitiveNames() throws {
        let m = try SIPMessage(parsing: sip("""
            OPTIONS sip:a@example.com SIP/2.0
            v: SIP/2.0/UDP h.example.com;branch=z9hG4bK1
            f: <sip:b@example.com>;tag=1
            t: sip:a@example.com
            i: abc@h
            cSEQ: 1 OPTIONS
            MAX-FORWARDS: 70
            l: 0


            """))
        #expect(try m.topVia()?.branch == "z9hG4bK1")
        #expect(try m.from()?.tag == "1")
        #expect(try m.callID() == "abc@h")
        #expect(try m.cseq()?.number == 1)
        #expect(try m.maxForwards() == 70)
        #expect(m.contentLength() == 0)
        #expect(m.headerFields.map(\.known) == [.via, .from, .to, .callID, .cseq, .maxForwards, .contentLength])
    }

    @Test func commonLeniencies() throws {
        let m = try SIPMessage(parsing: sip("""
            INVITE sip:*21#@pbx.example.com SIP/2.0
            Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1
            From: Jürgen Müller <sip:j@example.com>;tag=1
            To: <sip:*21#@pbx.example.com>
            Call-ID: x
            CSeq: 1 INVITE
            Content-Length: 0


            """))
        #expect(m.validate() == nil)
        #expect(try m.from()?.displayNameText == "Jürgen Müller")
        #expect(try URI(parsing: m.requestURIText!, context: .requestURI).sipURI?.user == "*21#")
    }

    @Test func headerNamesLookUp() {
        #expect(KnownHeader.lookup("") == nil)
        #expect(KnownHeader.allCases.allSatisfy { $0.rawValue < 64 })
        #expect(KnownHeader.lookup("x") == .sessionExpires)
        #expect(KnownHeader.lookup("X-Custom") == nil)
        for header in KnownHeader.allCases {
            #expect(KnownHeader.lookup(header.canonicalName.description.uppercased()) == header)
            if let compact = header.compactForm {
                #expect(KnownHeader.lookup(String(UnicodeScalar(compact))) == header)
            }
        }
    }

    @Test func responsesParse() throws {
        let m = try SIPMessage(parsing: Corpus.torture("noreason"))
        #expect(m.statusCode == 100 && m.reasonPhrase == "" && m.isResponse)
        let u = try SIPMessage(parsing: Corpus.torture("unreason"))
        #expect(u.statusCode == 200)
        #expect(u.reasonPhrase?.string.hasPrefix("= 2**3 * 5**2") == true)
    }

    @Test func datagramFramingFollowsContentLength() throws {
        let m = try SIPMessage(parsing: Corpus.torture("dblreq"))
        #expect(m.method == .register && m.body.isEmpty)
        let old = try SIPMessage(parsing: Corpus.torture("inv2543"))
        #expect(old.contentLength() == nil)
        #expect(old.body.string.hasPrefix("v=0") && old.body.string.hasSuffix("RTP/AVP 0\r\n"))
        #expect(try old.topVia()?.branch == nil)
    }

    @Test func multipleValuesAcrossLinesAndCommas() throws {
        let m = try SIPMessage(parsing: Corpus.torture("longreq"))
        #expect(try m.vias().count == 34)
        #expect(try m.contacts()?.addresses.first?.uri.sipURI?.user?.count == 115)
        #expect(try m.to()?.displayNameText?.hasSuffix("proportion") == true)
    }

    @Test(arguments: [
        ("", "empty message"),
        ("INVITE sip:a@b SIP/2.0\r\nVia SIP/2.0/UDP h\r\n\r\n", "no colon"),
        ("INVITE sip:a@b SIP/2.0\r\n folded: x\r\n\r\n", "continuation"),
        ("INVITE  sip:a@b SIP/2.0\r\n\r\n", "extra space"),
        ("SIP/2.0 20 OK\r\n\r\n", "three digits"),
        ("SIP/2.0 200 OK\r\nContent-Length: 5\r\n\r\nab", "larger than the body"),
        ("SIP/2.0 200 OK\r\nContent-Length: x\r\n\r\n", "Content-Length"),
        ("INVITE sip:a@b SIP/2.0\r\nTo: a\rb\r\n\r\n", "bare CR"),
    ])
    func malformedHeadsFailWithReasons(_ text: String, _ expected: String) {
        #expect {
            _ = try SIPMessage(parsing: Array(text.utf8))
        } throws: { error in
            (error as? SIPParseError)?.reason.contains(expected) == true
        }
    }

    @Test func limitsAreEnforcedWith513() {
        let limits = SIPParserLimits(maxMessageBytes: 1_000, maxHeaderFields: 3, maxLineBytes: 100)
        let many = "OPTIONS sip:a@b SIP/2.0\r\n" + String(repeating: "X: y\r\n", count: 4) + "\r\n"
        let long = "OPTIONS sip:a@b SIP/2.0\r\nX: " + String(repeating: "y", count: 200) + "\r\n\r\n"
        let big = "OPTIONS sip:a@b SIP/2.0\r\nl: 2000\r\n\r\n" + String(repeating: "z", count: 2000)
        for text in [many, long, big] {
            #expect {
                _ = try SIPMessage(parsing: Array(text.utf8), limits: limits)
            } throws: { error in
                (error as? SIPParseError)?.statusCode == 513
            }
        }
    }

    @Test func headerValuesAreCheckedByGrammar() throws {
        func parse(_ header: String) throws -> SIPMessage {
            try SIPMessage(parsing: sip("OPTIONS sip:a@b SIP/2.0\n\(header)\nl: 0\n\n"))
        }
        #expect(throws: SIPParseError.self) { try parse("Via: SIP/2.0/UDP").topVia() }
        #expect(throws: SIPParseError.self) { try parse("Via: SIP/2.0/UDP h;ttl=300").validateSyntax() }
        #expect(throws: SIPParseError.self) { try parse("CSeq: 2147483648 OPTIONS").cseq() }
        #expect(try parse("CSeq: 2147483647 OPTIONS").cseq()?.number == 2_147_483_647)
        #expect(throws: SIPParseError.self) { try parse("Max-Forwards: 256").maxForwards() }
        #expect(try parse("Expires: 99999999999999").expires() == UInt32.max)
        #expect(throws: SIPParseError.self) { try parse("From: <sip:a@b").from() }
        #expect(throws: SIPParseError.self) { try parse("Contact: <sip:a@b>;q=2").contacts() }
        #expect(try parse("Contact: *").contacts() == .wildcard)
        #expect(try parse("Session-Expires: 1800;refresher=uac").sessionExpires()?.refresher == "uac")
        #expect(try parse("Min-SE: 90").minSE() == 90)
        #expect(try parse("Require: timer, 100rel").require() == ["timer", "100rel"])
        #expect(try parse("Allow: INVITE, ACK,BYE").allow() == [.invite, .ack, .bye])
        let reason = try parse(#"Reason: Q.850;cause=16;text="Normal call clearing""#).reasons()
        #expect(reason.first?.cause == 16 && reason.first?.text == "Normal call clearing")
        let pai = try parse("P-Asserted-Identity: \"Alice\" <sip:alice@example.com>, <tel:+74951112233>").pAssertedIdentities()
        #expect(pai.count == 2 && pai[1].uri.telURI?.digits == "+74951112233")
    }

    @Test func digestHeadersParse() throws {
        let m = try SIPMessage(parsing: Corpus.bench("register.sip"))
        let auth = try #require(try m.authorizations().first)
        #expect(auth.isDigest)
        #expect(auth.value("username") == "carol")
        #expect(auth.value("uri") == "sip:example.com")
        #expect(auth.value("qop") == "auth")
        #expect(auth.value("nc") == "00000001")
        let challenge = try SIPMessage(parsing: sip("""
            SIP/2.0 401 Unauthorized
            Via: SIP/2.0/UDP h;branch=z9hG4bK1
            From: <sip:a@b>;tag=1
            To: <sip:a@b>;tag=2
            Call-ID: x
            CSeq: 1 REGISTER
            WWW-Authenticate: Digest realm="example.com", qop="auth", algorithm=SHA-256, nonce="abc", stale=TRUE
            WWW-Authenticate: Digest realm="example.com", qop="auth", algorithm=MD5, nonce="abc"
            Content-Length: 0


            """)).wwwAuthenticates()
        #expect(challenge.count == 2)
        #expect(challenge[0].value("algorithm") == "SHA-256" && challenge[0].value("stale") == "TRUE")
        #expect(challenge[1].value("realm") == "example.com")
    }
}

/// `SIPMessage(parsingHeadOf:)`: the head of a message whose body cannot be read.
@Suite struct HeadOnlyParsingTests {
    @Test func theHeadOfATruncatedMessageStillAnswers() throws {
        let text = "OPTIONS sip:a.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
            + "From: <sip:b@a.example>;tag=1\r\nTo: <sip:a.example>\r\nCall-ID: h1\r\nCSeq: 1 OPTIONS\r\n"
            + "Content-Length: 500\r\n\r\nv=0\r\n"
        #expect(throws: SIPParseError.self) { try SIPMessage(parsing: text) }
        let head = try SIPMessage(parsingHeadOf: Array(text.utf8))
        #expect(head.body.isEmpty)
        #expect(try head.callID() == "h1")
        let response = head.makeResponse(statusCode: 400, reason: "Content-Length larger than the body")
        #expect(response.statusCode == 400)
        #expect(throws: SIPParseError.self) { try SIPMessage(parsingHeadOf: Array("garbage\r\n\r\n".utf8)) }
    }
}
