import Testing
@testable import SIPCore

/// Authorization / Proxy-Authorization Digest credentials (RFC 7616 §3.4, RFC 3261 §22.4) and
/// WWW-Authenticate / Proxy-Authenticate challenges (RFC 7616 §3.3, RFC 8760 §2.3).
@Suite struct DigestCredentialsTests {
    static func auth(_ value: String) throws -> AuthenticationValue {
        try AuthenticationValue.parse(ByteString(value), in: "Authorization")
    }

    static func credentials(_ value: String) throws -> DigestCredentials {
        try DigestCredentials(parsing: auth(value))
    }

    /// The RFC 7616 §3.9.1 Authorization value (MD5), as written there.
    static let rfcMD5 = """
        Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, \
        nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, \
        cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, \
        response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
        """

    static let valid = """
        Digest username="alice", realm="zvonok.example", nonce="n1", uri="sip:zvonok.example", \
        response="21d32d5ca381c3ed78be179b2602aa8d", cnonce="c1", qop=auth, nc=00000002
        """

    @Test func rfc7616Example() throws {
        let c = try Self.credentials(Self.rfcMD5)
        #expect(c.username == "Mufasa" && c.realm == "http-auth@example.org" && c.uri == "/dir/index.html")
        #expect(c.algorithm == .md5 && c.qop == .auth && c.nonceCount == 1 && c.nonceCountText == "00000001")
        #expect(c.nonce == "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v")
        #expect(c.cnonce == "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
        #expect(c.opaque == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")
        let ha1 = Digest.ha1(username: c.username.string, realm: c.realm.string, password: "Circle of Life", algorithm: c.algorithm)
        let ha2 = Digest.ha2(method: "GET", uri: c.uri.string, algorithm: c.algorithm)
        #expect(Digest.response(ha1: ha1, nonce: c.nonce.string, nc: c.nonceCountText.string, cnonce: c.cnonce.string,
                                qop: c.qop.rawValue, ha2: ha2, algorithm: c.algorithm) == c.response.string)
    }

    @Test func quotedAndUnquotedTokensAndDefaults() throws {
        let quoted = try Self.credentials(Self.valid.replacingOccurrences("qop=auth", "qop=\"auth\"") + ", algorithm=\"MD5\"")
        #expect(quoted.qop == .auth && quoted.algorithm == .md5)
        let defaulted = try Self.credentials(Self.valid)
        #expect(defaulted.algorithm == .md5 && defaulted.opaque == nil && defaulted.nonceCount == 2)
        let upper = try Self.credentials(Self.valid.replacingOccurrences("qop=auth", "QOP=AUTH").replacingOccurrences("nc=00000002", "NC=0000000A"))
        #expect(upper.nonceCount == 10 && upper.nonceCountText == "0000000A")
        let sha = try Self.credentials(Self.valid.replacingOccurrences("21d32d5ca381c3ed78be179b2602aa8d",
            "ae941fcdf9395ee802619d3b1f8224faa49c672b25730425c153fdeadc9087e0") + ", algorithm=sha-256, userhash=false, foo=bar")
        #expect(sha.algorithm == .sha256)
    }

    @Test func escapesInQuotedStringsAreRemoved() throws {
        let c = try Self.credentials(Self.valid.replacingOccurrences("username=\"alice\"", #"username="al\"ice\\""#))
        #expect(c.username == #"al"ice\"#)
    }

    @Test(arguments: ["username", "realm", "nonce", "uri", "response", "cnonce", "qop", "nc"])
    func missingRequiredParameter(_ name: String) throws {
        let params = Self.valid.dropFirst("Digest ".count).split(separator: ",").map { $0.trimmingSpaces }
        let without = "Digest " + params.filter { !$0.hasPrefix(name + "=") }.joined(separator: ", ")
        #expect(throws: DigestCredentialsError.missingParameter(name)) { try Self.credentials(without) }
    }

    @Test func duplicateParameter() {
        #expect(throws: DigestCredentialsError.duplicateParameter("nonce")) {
            try Self.credentials(Self.valid + ", NONCE=\"n2\"")
        }
    }

    @Test(arguments: ["1", "0000001", "000000001", "0000000g", "00000000", "\"\""])
    func badNonceCount(_ nc: String) {
        #expect(throws: DigestCredentialsError.malformedParameter("nc", reason: "expected 8 hex digits from 00000001")) {
            try Self.credentials(Self.valid.replacingOccurrences("nc=00000002", "nc=" + nc))
        }
    }

    @Test(arguments: ["SHA-512-256", "MD5-sess", "SHA-256-sess", "foo"])
    func unsupportedAlgorithm(_ algorithm: String) {
        #expect(throws: DigestCredentialsError.unsupportedAlgorithm(algorithm)) {
            try Self.credentials(Self.valid + ", algorithm=" + algorithm)
        }
    }

    @Test func refusedOptions() throws {
        #expect(throws: DigestCredentialsError.unsupportedQOP("auth-int")) {
            try Self.credentials(Self.valid.replacingOccurrences("qop=auth", "qop=auth-int"))
        }
        #expect(throws: DigestCredentialsError.userhashNotSupported) { try Self.credentials(Self.valid + ", userhash=true") }
        #expect(throws: DigestCredentialsError.malformedParameter("userhash", reason: "expected true or false")) {
            try Self.credentials(Self.valid + ", userhash=maybe")
        }
        #expect(throws: DigestCredentialsError.notDigest(scheme: "Basic")) {
            try DigestCredentials(parsing: Self.auth("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="))
        }
        #expect(throws: DigestCredentialsError.malformedParameter("nonce", reason: "missing value")) {
            try Self.credentials(Self.valid + ", nonce")
        }
        #expect(throws: DigestCredentialsError.malformedParameter("nonce", reason: "empty")) {
            try Self.credentials(Self.valid.replacingOccurrences("nonce=\"n1\"", "nonce=\"\""))
        }
    }

    @Test(arguments: ["21d32d5ca381c3ed78be179b2602aa8", "21d32d5ca381c3ed78be179b2602aa8dd", "z1d32d5ca381c3ed78be179b2602aa8d",
                      "ae941fcdf9395ee802619d3b1f8224faa49c672b25730425c153fdeadc9087e0"])
    func responseMustBeHexOfTheAlgorithmsLength(_ response: String) {
        #expect(throws: DigestCredentialsError.malformedParameter("response", reason: "expected 32 hex digits for MD5")) {
            try Self.credentials(Self.valid.replacingOccurrences("21d32d5ca381c3ed78be179b2602aa8d", response))
        }
    }

    @Test func headerValueRoundTrips() throws {
        let c = DigestCredentials(username: #"bo"b"#, realm: "zvonok.example", nonce: "abc-_", uri: "sip:zvonok.example",
                                  response: String(repeating: "a", count: 64), algorithm: .sha256, cnonce: "xyz",
                                  nonceCount: 0x1f, opaque: "o")
        #expect(c.headerValue == #"Digest username="bo\"b", realm="zvonok.example", nonce="abc-_", uri="sip:zvonok.example", "#
            + #"response="\#(String(repeating: "a", count: 64))", algorithm=SHA-256, cnonce="xyz", qop=auth, nc=0000001f, opaque="o""#)
        #expect(try Self.credentials(c.headerValue) == c)
    }

    @Test func messagePicksTheCredentialsForOurRealm() throws {
        let other = Self.valid.replacingOccurrences("zvonok.example\"", "other.example\"")
        let message = try SIPMessage(parsing: register(headers: [
            "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
            "Authorization: " + other,
            "Authorization: " + Self.valid,
            "Proxy-Authorization: " + other,
        ]))
        let ours = try #require(try message.digestCredentials(realm: "zvonok.example"))
        #expect(ours.realm == "zvonok.example" && ours.username == "alice")
        #expect(try message.digestCredentials(realm: "other.example")?.realm == "other.example")
        #expect(try message.digestCredentials(realm: "nowhere.example") == nil)
        #expect(try message.digestCredentials(realm: "other.example", proxy: true) != nil)
        #expect(try message.digestCredentials(realm: "zvonok.example", proxy: true) == nil)

        let broken = try SIPMessage(parsing: register(headers: ["Authorization: Digest realm=\"zvonok.example\", nonce=\"unterminated"]))
        #expect(throws: DigestCredentialsError.self) { try broken.digestCredentials(realm: "zvonok.example") }
        let incomplete = try SIPMessage(parsing: register(headers: ["Authorization: Digest realm=\"zvonok.example\", username=\"a\""]))
        #expect(throws: DigestCredentialsError.missingParameter("nonce")) { try incomplete.digestCredentials(realm: "zvonok.example") }
    }
}

/// WWW-Authenticate / Proxy-Authenticate values (RFC 7616 §3.3, RFC 8760 §2.3).
@Suite struct DigestChallengeTests {
    @Test func formatting() {
        let plain = DigestChallenge(realm: "zvonok.example", nonce: "abc", algorithm: .sha256)
        #expect(plain.headerValue == #"Digest realm="zvonok.example", nonce="abc", algorithm=SHA-256, qop="auth""#)
        let stale = DigestChallenge(realm: "zvonok.example", nonce: "abc", algorithm: .md5, stale: true, opaque: "op")
        #expect(stale.headerValue == #"Digest realm="zvonok.example", nonce="abc", algorithm=MD5, qop="auth", stale=true, opaque="op""#)
        let escaped = DigestChallenge(realm: #"a"b\c"#, nonce: "n", algorithm: .md5)
        #expect(escaped.headerValue == #"Digest realm="a\"b\\c", nonce="n", algorithm=MD5, qop="auth""#)
    }

    @Test func offersSHA256FirstThenMD5AsTwoHeaderFields() throws {
        let offers = DigestChallenge.offers(realm: "zvonok.example", nonce: "abc", stale: true)
        #expect(offers.map(\.algorithm) == [.sha256, .md5])
        #expect(offers.allSatisfy { $0.stale && $0.nonce == "abc" })

        let request = try SIPMessage(parsing: register(headers: []))
        var response = request.makeResponse(statusCode: 401, reason: "Unauthorized", toTag: "t1")
        for offer in offers { response.addHeader(.wwwAuthenticate, offer.headerValue) }
        let reparsed = try SIPMessage(parsing: response.serialized())
        let values = try reparsed.wwwAuthenticates()
        #expect(values.count == 2)
        #expect(try values.map { try DigestChallenge(parsing: $0) } == offers)
    }

    @Test func parsesTheRFC7616Challenge() throws {
        let value = try AuthenticationValue.parse(ByteString("""
            Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, \
            nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
            """), in: "WWW-Authenticate")
        let c = try DigestChallenge(parsing: value)
        #expect(c.realm == "http-auth@example.org" && c.algorithm == .sha256 && c.qop == .auth && !c.stale)
        #expect(c.nonce == "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v" && c.opaque == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")
    }

    @Test func refusedChallenges() throws {
        func parse(_ text: String) throws -> DigestChallenge {
            try DigestChallenge(parsing: AuthenticationValue.parse(ByteString(text), in: "WWW-Authenticate"))
        }
        #expect(throws: DigestCredentialsError.unsupportedQOP("auth-int")) { try parse(#"Digest realm="r", nonce="n", qop="auth-int""#) }
        #expect(throws: DigestCredentialsError.missingParameter("qop")) { try parse(#"Digest realm="r", nonce="n""#) }
        #expect(throws: DigestCredentialsError.missingParameter("nonce")) { try parse(#"Digest realm="r", qop="auth""#) }
        #expect(throws: DigestCredentialsError.unsupportedAlgorithm("SHA-512-256")) {
            try parse(#"Digest realm="r", nonce="n", qop="auth", algorithm=SHA-512-256"#)
        }
        #expect(try parse(#"Digest realm="r", nonce="n", qop="auth", stale=TRUE"#).stale)
        #expect(try parse(##"Digest realm="r", nonce="n", qop="auth""##).algorithm == .md5)
    }
}

/// A REGISTER with the given extra header lines.
func register(headers: [String]) -> String {
    (["REGISTER sip:zvonok.example SIP/2.0",
      "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds",
      "Max-Forwards: 70",
      "To: <sip:alice@zvonok.example>",
      "From: <sip:alice@zvonok.example>;tag=456248",
      "Call-ID: 843817637684230@998sdasdh09",
      "CSeq: 1826 REGISTER",
      "Contact: <sip:alice@192.0.2.10>"] + headers + ["Content-Length: 0", "", ""]).joined(separator: "\r\n")
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        precondition(contains(target), "test fixture lacks \(target)")
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

extension Substring {
    var trimmingSpaces: String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}
