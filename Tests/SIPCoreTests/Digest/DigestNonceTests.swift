import Testing
@testable import SIPCore

/// Stateless nonces (RFC 7616 §3.3, §5.4): made and checked by `NonceCodec`.
@Suite struct DigestNonceCodecTests {
    static let secret = Array("0123456789abcdef0123456789abcdef".utf8)
    static let codec = NonceCodec(secret: secret)
    static let realm = "zvonok.example"
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    @Test func madeNoncesVerifyWithTheirIssueTimeAndRandom() {
        let nonce = Self.codec.make(issuedAt: 1_700_000_000, random: 0xDEAD_BEEF_0123_4567, realm: Self.realm)
        #expect(nonce.count == NonceCodec.encodedCount && nonce.count == 43)
        #expect(nonce.allSatisfy { Self.alphabet.contains($0) })
        #expect(Self.codec.verify(nonce, realm: Self.realm, now: 1_700_000_010, lifetimeSeconds: 300)
                == .valid(IssuedNonce(issuedAt: 1_700_000_000, random: 0xDEAD_BEEF_0123_4567)))
        // Pure: the same inputs make the same nonce; another random value another one.
        #expect(Self.codec.make(issuedAt: 1_700_000_000, random: 0xDEAD_BEEF_0123_4567, realm: Self.realm) == nonce)
        #expect(Self.codec.make(issuedAt: 1_700_000_000, random: 1, realm: Self.realm) != nonce)
        // Extreme values survive the encoding.
        for (t, r) in [(Int64(0), UInt64(0)), (Int64.max, UInt64.max), (Int64(-1), UInt64(1))] {
            let n = Self.codec.make(issuedAt: t, random: r, realm: Self.realm)
            #expect(Self.codec.verify(n, realm: Self.realm, now: t, lifetimeSeconds: 1) == .valid(IssuedNonce(issuedAt: t, random: r)))
        }
    }

    @Test func staleAfterItsLifetimeAndAheadOfTheClock() {
        let issued: Int64 = 1_700_000_000
        let nonce = Self.codec.make(issuedAt: issued, random: 7, realm: Self.realm)
        func verdict(_ now: Int64) -> NonceVerdict { Self.codec.verify(nonce, realm: Self.realm, now: now, lifetimeSeconds: 300) }
        #expect(verdict(issued) == .valid(IssuedNonce(issuedAt: issued, random: 7)))
        #expect(verdict(issued + 299) == .valid(IssuedNonce(issuedAt: issued, random: 7)))
        #expect(verdict(issued + 300) == .stale)
        #expect(verdict(issued + 86_400) == .stale)
        // Up to clockSkewSeconds (5) ahead is tolerated; further ahead is stale, not invalid.
        #expect(verdict(issued - 5) == .valid(IssuedNonce(issuedAt: issued, random: 7)))
        #expect(verdict(issued - 6) == .stale)
        #expect(Self.codec.verify(nonce, realm: Self.realm, now: .min, lifetimeSeconds: 300) == .stale)
    }

    @Test func everyAlteredCharacterIsInvalid() {
        let nonce = Array(Self.codec.make(issuedAt: 1_700_000_000, random: 42, realm: Self.realm))
        for i in nonce.indices {
            var tampered = nonce
            tampered[i] = tampered[i] == "A" ? "B" : "A"
            #expect(Self.codec.verify(String(tampered), realm: Self.realm, now: 1_700_000_000, lifetimeSeconds: 300) == .invalid,
                    "position \(i)")
        }
    }

    @Test func foreignOrGarbledNoncesAreInvalid() {
        let nonce = Self.codec.make(issuedAt: 1_700_000_000, random: 42, realm: Self.realm)
        func verdict(_ n: String, realm: String = DigestNonceCodecTests.realm,
                     codec: NonceCodec = DigestNonceCodecTests.codec) -> NonceVerdict {
            codec.verify(n, realm: realm, now: 1_700_000_001, lifetimeSeconds: 300)
        }
        #expect(verdict(nonce, realm: "other.example") == .invalid)
        #expect(verdict(nonce, realm: "Zvonok.example") == .invalid)
        #expect(verdict(nonce, codec: NonceCodec(secret: Array("another secret, also 32 bytes!!!".utf8))) == .invalid)
        #expect(verdict(String(nonce.dropLast())) == .invalid)
        #expect(verdict(nonce + "A") == .invalid)
        #expect(verdict("") == .invalid)
        #expect(verdict(String(repeating: "A", count: 43)) == .invalid)
        #expect(verdict(String(nonce.dropLast()) + "=") == .invalid)
        #expect(verdict("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v") == .invalid)
    }

    @Test func aRotatedSecretStillVerifiesNoncesAlreadyIssued() {
        let old = NonceCodec(secret: Array("the previous secret, 32 bytes!!!".utf8))
        let rotated = NonceCodec(secret: Self.secret, previousSecret: Array("the previous secret, 32 bytes!!!".utf8))
        let before = old.make(issuedAt: 100, random: 1, realm: Self.realm)
        #expect(rotated.verify(before, realm: Self.realm, now: 110, lifetimeSeconds: 300) == .valid(IssuedNonce(issuedAt: 100, random: 1)))
        #expect(Self.codec.verify(before, realm: Self.realm, now: 110, lifetimeSeconds: 300) == .invalid)
        #expect(rotated.make(issuedAt: 100, random: 1, realm: Self.realm) == Self.codec.make(issuedAt: 100, random: 1, realm: Self.realm))
    }
}

/// Nonce-count replay protection (RFC 7616 §3.4 `nc`, §5.5) with a reordering window and a bound.
@Suite struct DigestNonceCountWindowTests {
    static let lifetime: Int64 = 300
    static func nonce(_ issuedAt: Int64, _ random: UInt64 = 1) -> IssuedNonce { IssuedNonce(issuedAt: issuedAt, random: random) }

    @Test func eachCountIsAcceptedOnce() {
        let window = Window(capacity: 8, lifetimeSeconds: Self.lifetime)
        let n = Self.nonce(1000)
        #expect(window.accept(n, nc: 1, now: 1000))
        #expect(!window.accept(n, nc: 1, now: 1001))
        #expect(window.accept(n, nc: 2, now: 1001))
        #expect(!window.accept(n, nc: 2, now: 1002))
        #expect(!window.accept(n, nc: 1, now: 1002))
        #expect(!window.accept(n, nc: 0, now: 1002))
        // Another nonce has its own counts.
        #expect(window.accept(Self.nonce(1000, 2), nc: 1, now: 1002))
        #expect(window.count == 2)
    }

    @Test func reorderedCountsWithinTheWindowAreAccepted() {
        let window = Window(capacity: 8, lifetimeSeconds: Self.lifetime)
        let n = Self.nonce(1000)
        #expect(window.accept(n, nc: 5, now: 1000))
        #expect(window.accept(n, nc: 3, now: 1000))
        #expect(window.accept(n, nc: 4, now: 1000))
        #expect(window.accept(n, nc: 1, now: 1000))
        #expect(!window.accept(n, nc: 3, now: 1000))
        #expect(window.accept(n, nc: 70, now: 1000))
        #expect(window.accept(n, nc: 7, now: 1000))        // 63 behind: the last slot
        #expect(!window.accept(n, nc: 6, now: 1000))       // 64 behind: too old
        #expect(!window.accept(n, nc: 5, now: 1000))
        #expect(window.accept(n, nc: 200, now: 1000))      // a jump past the window clears it
        #expect(!window.accept(n, nc: 70, now: 1000))
        #expect(window.accept(n, nc: 199, now: 1000))
        #expect(!window.accept(n, nc: 200, now: 1000))
        #expect(window.accept(n, nc: .max, now: 1000))
        #expect(!window.accept(n, nc: .max, now: 1000))
    }

    @Test func aRetransmissionOfTheLastAcceptedRequestIsToldApartFromAReplay() {
        let window = Window(capacity: 8, lifetimeSeconds: Self.lifetime)
        let n = Self.nonce(1000)
        #expect(window.admit(n, nc: 1, request: 0xA, now: 1000) == .fresh)
        // The same request again, within Timer J (32 s): a retransmission, as often as it comes.
        #expect(window.admit(n, nc: 1, request: 0xA, now: 1000) == .retransmission)
        #expect(window.admit(n, nc: 1, request: 0xA, now: 1031) == .retransmission)
        // Another request with the spent count, or none named, or the same one too late: a replay.
        #expect(window.admit(n, nc: 1, request: 0xB, now: 1031) == .refused)
        #expect(window.admit(n, nc: 1, request: nil, now: 1031) == .refused)
        #expect(window.admit(n, nc: 1, request: 0xA, now: 1032) == .refused)
        // Once a higher count is accepted, only its request is retransmitted.
        #expect(window.admit(n, nc: 3, request: 0xC, now: 1040) == .fresh)
        #expect(window.admit(n, nc: 3, request: 0xC, now: 1041) == .retransmission)
        #expect(window.admit(n, nc: 2, request: 0xD, now: 1041) == .fresh)  // reordered, accepted once
        #expect(window.admit(n, nc: 2, request: 0xD, now: 1041) == .refused)
        #expect(window.admit(n, nc: 3, request: 0xC, now: 1041) == .retransmission)
        // A request accepted without a fingerprint has no retransmissions.
        #expect(window.admit(n, nc: 4, request: nil, now: 1042) == .fresh)
        #expect(window.admit(n, nc: 4, request: nil, now: 1042) == .refused)
        // `accept` names no request: a retransmission is a replay to it.
        let other = Self.nonce(1001)
        #expect(window.admit(other, nc: 1, request: 0xE, now: 1042) == .fresh)
        #expect(!window.accept(other, nc: 1, now: 1042))
        // An expired nonce has no retransmissions either.
        #expect(window.admit(other, nc: 1, request: 0xE, now: 1301) == .refused)
    }

    @Test func expiredNoncesAreRefusedAndForgotten() {
        let window = Window(capacity: 8, lifetimeSeconds: Self.lifetime)
        #expect(window.accept(Self.nonce(1000), nc: 1, now: 1000))
        #expect(window.accept(Self.nonce(1100), nc: 1, now: 1100))
        #expect(!window.accept(Self.nonce(1000), nc: 2, now: 1300))   // age 300
        #expect(window.count == 1)
        #expect(window.accept(Self.nonce(1100), nc: 2, now: 1300))
        // A clock stepped back does not revive the forgotten nonce.
        #expect(!window.accept(Self.nonce(1000), nc: 1, now: 1001))
        #expect(!window.accept(Self.nonce(1000, 9), nc: 1, now: 1301))
    }

    @Test func theBoundEvictsTheOldestAndRefusesItsReturn() {
        let window = Window(capacity: 3, lifetimeSeconds: Self.lifetime)
        for t: Int64 in [1000, 1001, 1002] { #expect(window.accept(Self.nonce(t), nc: 1, now: 1003)) }
        #expect(window.count == 3 && window.evictedThrough == .min)
        #expect(window.accept(Self.nonce(1003), nc: 1, now: 1003))
        #expect(window.count == 3 && window.evictedThrough == 1000)
        // The evicted nonce is refused (stale=true upstream), even with a count it never used.
        #expect(!window.accept(Self.nonce(1000), nc: 2, now: 1004))
        // So is any untracked nonce issued no later than the mark; later ones are fine.
        #expect(!window.accept(Self.nonce(999, 5), nc: 1, now: 1004))
        #expect(!window.accept(Self.nonce(1000, 5), nc: 1, now: 1004))
        #expect(window.accept(Self.nonce(1001), nc: 2, now: 1004))
        #expect(window.accept(Self.nonce(1004), nc: 1, now: 1004))
        #expect(window.count == 3 && window.evictedThrough == 1001)
        // Many more than the capacity: the table never grows past it.
        for i: Int64 in 0..<10_000 { #expect(window.accept(Self.nonce(2000 + i / 2, UInt64(i)), nc: 1, now: 2000 + i / 2)) }
        #expect(window.count == 3)
        #expect(!window.accept(Self.nonce(2000, 0), nc: 2, now: 6999))
    }
}

/// A `NonceCountWindow` behind a reference, so that `#expect` can call its mutating `accept`.
final class Window {
    var state: NonceCountWindow
    init(capacity: Int, lifetimeSeconds: Int64) { state = NonceCountWindow(capacity: capacity, lifetimeSeconds: lifetimeSeconds) }
    func accept(_ nonce: IssuedNonce, nc: UInt32, now: Int64) -> Bool { state.accept(nonce, nc: nc, now: now) }
    func admit(_ nonce: IssuedNonce, nc: UInt32, request: UInt64?, now: Int64) -> NonceCountWindow.Admission {
        state.admit(nonce, nc: nc, request: request, now: now)
    }
    var count: Int { state.count }
    var evictedThrough: Int64 { state.evictedThrough }
}
