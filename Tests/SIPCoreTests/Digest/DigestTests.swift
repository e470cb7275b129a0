import Testing
@testable import SIPCore

/// The digest hashes (RFC 7616 §3.4.1–§3.4.3) against published vectors, HMAC-SHA256 (RFC 4231)
/// and the constant-time comparison.
///
/// Sources: RFC 7616 §3.9.1 (responses 8ca523f5… and 753927fa…; password "Circle of Life" with a
/// lower-case "of", erratum 4495), RFC 2617 §3.5 (response 6629fae4…, password "Circle Of Life"),
/// FIPS 180-2 appendix B.1 (SHA-256 "abc"), RFC 1321 §A.5 (MD5 ""), RFC 4231 §4.3 (HMAC test case 2).
/// The HA1/HA2 intermediates and the SIP-realm HA1 values were computed with Python's hashlib and
/// `openssl dgst`, and the responses they lead to match the RFCs.
@Suite struct DigestTests {
    static let rfc7616 = (username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life",
                          method: "GET", uri: "/dir/index.html",
                          nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc: "00000001",
                          cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")

    @Test(arguments: [
        (DigestAlgorithm.md5, "3d78807defe7de2157e2b0b6573a855f", "39aff3a2bab6126f332b942af96d3366",
         "8ca523f5e9506fed4657c9700eebdbec"),
        (DigestAlgorithm.sha256, "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232",
         "9a3fdae9a622fe8de177c24fa9c070f2b181ec85e15dcbdc32e10c82ad450b04",
         "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ])
    func rfc7616Section3_9_1(algorithm: DigestAlgorithm, ha1: String, ha2: String, response: String) {
        let v = Self.rfc7616
        let computedHA1 = Digest.ha1(username: v.username, realm: v.realm, password: v.password, algorithm: algorithm)
        let computedHA2 = Digest.ha2(method: v.method, uri: v.uri, algorithm: algorithm)
        #expect(computedHA1 == ha1)
        #expect(computedHA2 == ha2)
        #expect(Digest.response(ha1: computedHA1, nonce: v.nonce, nc: v.nc, cnonce: v.cnonce, qop: "auth",
                                ha2: computedHA2, algorithm: algorithm) == response)
    }

    @Test func rfc2617Section3_5() {
        let ha1 = Digest.ha1(username: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life", algorithm: .md5)
        #expect(ha1 == "939e7578ed9e3c518a452acee763bce9")
        let ha2 = Digest.ha2(method: "GET", uri: "/dir/index.html", algorithm: .md5)
        #expect(Digest.response(ha1: ha1, nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", nc: "00000001",
                                cnonce: "0a4f113b", qop: "auth", ha2: ha2, algorithm: .md5)
                == "6629fae49393a05397450978507c4ef1")
    }

    /// What `zvonokctl account add` stores for a SIP account, and a REGISTER's response with it.
    @Test(arguments: [
        (DigestAlgorithm.md5, "c1f628c1b9c7e34c6e9db0de51a8e5a2", "21d32d5ca381c3ed78be179b2602aa8d"),
        (DigestAlgorithm.sha256, "cc397fa73e145ee2400e82a0a9ee147d2c8e9a03a56a67bc0a0c0d88949eec7d",
         "ae941fcdf9395ee802619d3b1f8224faa49c672b25730425c153fdeadc9087e0"),
    ])
    func sipRealmHA1AndRegisterResponse(algorithm: DigestAlgorithm, ha1: String, response: String) {
        let computed = Digest.ha1(username: "alice", realm: "zvonok.example", password: "s3cret!", algorithm: algorithm)
        #expect(computed == ha1)
        #expect(computed.utf8.count == algorithm.hexCount)
        let ha2 = Digest.ha2(method: "REGISTER", uri: "sip:zvonok.example", algorithm: algorithm)
        #expect(Digest.response(ha1: computed, nonce: "abcNONCE", nc: "00000002", cnonce: "0a4f113b", qop: "auth",
                                ha2: ha2, algorithm: algorithm) == response)
    }

    @Test func plainHashVectors() {
        #expect(Digest.hash("", algorithm: .md5) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Digest.hash("abc", algorithm: .sha256) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.hash(Array("abc".utf8), algorithm: .sha256) == Digest.hash("abc", algorithm: .sha256))
        #expect(Digest.hash("a", algorithm: .md5) != Digest.hash("b", algorithm: .md5))
        // Non-ASCII passwords hash as UTF-8.
        #expect(Digest.hash("пароль", algorithm: .md5) == Digest.hash(Array("пароль".utf8), algorithm: .md5))
    }

    @Test func hmacSHA256RFC4231TestCase2() {
        let mac = Digest.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// RFC 4231 §4.2, §4.7 and §4.8: a 20-byte key, and 131-byte keys longer than SHA-256's block,
    /// which RFC 2104 §2 hashes first. One key object answers every message, each time the same.
    @Test func hmacSHA256KeyRFC4231Vectors() {
        let shortKey = HMACSHA256Key([UInt8](repeating: 0x0B, count: 20))
        let longKey = HMACSHA256Key([UInt8](repeating: 0xAA, count: 131))
        let hiThere = Array("Hi There".utf8)
        #expect(hex(shortKey.authenticate(hiThere)) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(hex(shortKey.authenticate(hiThere)) == hex(shortKey.authenticate(hiThere)))
        #expect(hex(longKey.authenticate(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        let longMessage = "This is a test using a larger than block-size key and a larger than block-size data. "
            + "The key needs to be hashed before being used by the HMAC algorithm."
        #expect(hex(longKey.authenticate(Array(longMessage.utf8)))
                == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
        // A key of exactly one block is used as it is, not hashed; and the empty key and message
        // (both values from Python's hmac module).
        #expect(hex(HMACSHA256Key([UInt8](repeating: 0x5A, count: 64)).authenticate(hiThere))
                == "f5531c866611e982d802568669fd1ec42d413be770c1ac907899284434c07d28")
        #expect(hex(HMACSHA256Key([]).authenticate([])) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test func constantTimeComparison() {
        let a = "8ca523f5e9506fed4657c9700eebdbec"
        #expect(Digest.constantTimeEquals(a, "8ca523f5e9506fed4657c9700eebdbec"))
        #expect(!Digest.constantTimeEquals(a, "9ca523f5e9506fed4657c9700eebdbec"))
        #expect(!Digest.constantTimeEquals(a, "8ca523f5e9506fed4657c9700eebdbed"))
        #expect(!Digest.constantTimeEquals(a, "8ca523f5e9506fed4657c9700eebdbe"))
        #expect(!Digest.constantTimeEquals(a, ""))
        #expect(Digest.constantTimeEquals("", ""))
        #expect(Digest.constantTimeEquals(ByteString(a), ByteString(a)))
        #expect(!Digest.constantTimeEquals(ByteString(a), ByteString("x")))
    }

    @Test func algorithmTokens() {
        #expect(DigestAlgorithm(token: "MD5") == .md5)
        #expect(DigestAlgorithm(token: "md5") == .md5)
        #expect(DigestAlgorithm(token: "SHA-256") == .sha256)
        #expect(DigestAlgorithm(token: "sha-256") == .sha256)
        for refused in ["MD5-sess", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess", "SHA256", "", "MD4"] {
            #expect(DigestAlgorithm(token: ByteString(refused)) == nil, "\(refused)")
        }
        #expect(DigestAlgorithm.md5.hexCount == 32 && DigestAlgorithm.sha256.hexCount == 64)
        #expect(DigestAlgorithm.allCases.allSatisfy { $0.isAvailable })
    }
}
