/// One nonce the server issued (RFC 7616 §3.3 `nonce`), as its authenticated content: when, and
/// the random value that makes it unique. The key of `NonceCountWindow`; 16 bytes, no allocation.
public struct IssuedNonce: Sendable, Hashable {
    /// Unix seconds at which the nonce was made.
    public let issuedAt: Int64
    /// The random value given to `NonceCodec.make`.
    public let random: UInt64

    public init(issuedAt: Int64, random: UInt64) {
        self.issuedAt = issuedAt
        self.random = random
    }
}

/// What `NonceCodec.verify` found (RFC 7616 §3.3 `nonce` and `stale`).
public enum NonceVerdict: Sendable, Equatable {
    /// Made by this server for this realm and still within its lifetime.
    case valid(IssuedNonce)
    /// Made by this server for this realm, but expired (or dated ahead of the clock beyond the
    /// allowed skew). If the response is right for it, the challenge carries `stale=true`.
    case stale
    /// Not made by this server for this realm: forged, altered, truncated or garbled.
    case invalid
}

/// Stateless server nonces (RFC 7616 §3.3 `nonce`, §5.4–§5.5; RFC 2617 §3.2.1 suggests the same
/// shape): the nonce carries its own issue time and an HMAC under a server secret, so verifying
/// one needs no table of issued nonces.
///
/// ```
/// nonce = base64url( issuedAt (8 bytes, big-endian) ‖ random (8 bytes) ‖ tag (16 bytes) )   43 chars
/// tag   = HMAC-SHA256(secret, issuedAt ‖ random ‖ realm), first 128 bits
/// ```
/// Binding the realm means a nonce from one realm is `.invalid` in another. The codec is pure:
/// the time and the random value are arguments (the composition root draws the random value
/// from a CSPRNG). `previousSecret` lets a secret be rotated without refusing nonces already
/// handed out: they still verify until they expire. Replays of a valid nonce are not this
/// type's business; see `NonceCountWindow`.
public struct NonceCodec: Sendable {
    /// The length of every nonce this codec makes.
    public static let encodedCount = Base64URL.encodedCount(rawCount)
    /// The shortest secret accepted (RFC 2104 §3: no shorter than the hash output is advised; 16 is the floor).
    public static let minimumSecretCount = 16
    static let rawCount = 32
    static let tagCount = 16

    private let secret: HMACSHA256Key
    private let previousSecret: HMACSHA256Key?
    /// How far ahead of `now` an issue time may lie and still be valid: the clock step a server
    /// tolerates, or the clock difference between nodes sharing the secret.
    public let clockSkewSeconds: Int64

    /// - Precondition: `secret` (and `previousSecret`) hold at least `minimumSecretCount` bytes.
    public init(secret: [UInt8], previousSecret: [UInt8]? = nil, clockSkewSeconds: Int64 = 5) {
        precondition(secret.count >= Self.minimumSecretCount, "nonce secret shorter than 16 bytes")
        precondition(previousSecret.map { $0.count >= Self.minimumSecretCount } ?? true,
                     "previous nonce secret shorter than 16 bytes")
        precondition(clockSkewSeconds >= 0)
        self.secret = HMACSHA256Key(secret)
        self.previousSecret = previousSecret.map(HMACSHA256Key.init)
        self.clockSkewSeconds = clockSkewSeconds
    }

    /// A nonce for `realm` issued at `issuedAt` (Unix seconds) with the caller's `random` value.
    public func make(issuedAt: Int64, random: UInt64, realm: String) -> String {
        withUnsafeTemporaryAllocation(byteCount: Self.rawCount, alignment: 8) { raw in
            storeBigEndian(issuedAt, raw, at: 0)
            storeBigEndian(random, raw, at: 8)
            tag(secret, prefix: UnsafeRawBufferPointer(rebasing: raw[0..<16]), realm: realm,
                into: UnsafeMutableRawBufferPointer(rebasing: raw[16..<32]))
            return Base64URL.encode(UnsafeRawBufferPointer(raw))
        }
    }

    /// Checks that `nonce` was made by this codec (current or previous secret) for `realm`, and
    /// whether it is still fresh: valid while `issuedAt - clockSkewSeconds <= now < issuedAt + lifetimeSeconds`.
    public func verify(_ nonce: ByteString, realm: String, now: Int64, lifetimeSeconds: Int64) -> NonceVerdict {
        nonce.bytes.withUnsafeBytes { text in
            withUnsafeTemporaryAllocation(byteCount: Self.rawCount + Self.tagCount, alignment: 8) { raw in
                let decoded = UnsafeMutableRawBufferPointer(rebasing: raw[0..<Self.rawCount])
                guard Base64URL.decode(text, into: decoded) else { return .invalid }
                let prefix = UnsafeRawBufferPointer(rebasing: decoded[0..<16])
                let sent = UnsafeRawBufferPointer(rebasing: decoded[16..<32])
                let expected = UnsafeMutableRawBufferPointer(rebasing: raw[Self.rawCount...])
                tag(secret, prefix: prefix, realm: realm, into: expected)
                var authentic = Digest.constantTimeEquals(sent, UnsafeRawBufferPointer(expected))
                if !authentic, let previousSecret {
                    tag(previousSecret, prefix: prefix, realm: realm, into: expected)
                    authentic = Digest.constantTimeEquals(sent, UnsafeRawBufferPointer(expected))
                }
                guard authentic else { return .invalid }
                let issued = IssuedNonce(issuedAt: Int64(bigEndian: prefix.loadUnaligned(fromByteOffset: 0, as: Int64.self)),
                                         random: UInt64(bigEndian: prefix.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
                let (age, overflow) = now.subtractingReportingOverflow(issued.issuedAt)
                guard !overflow, age >= -clockSkewSeconds, age < lifetimeSeconds else { return .stale }
                return .valid(issued)
            }
        }
    }

    /// `verify` for a nonce held as a `String`.
    public func verify(_ nonce: String, realm: String, now: Int64, lifetimeSeconds: Int64) -> NonceVerdict {
        verify(ByteString(nonce), realm: realm, now: now, lifetimeSeconds: lifetimeSeconds)
    }

    /// The first 16 bytes of HMAC-SHA256(key, prefix ‖ realm).
    private func tag(_ key: HMACSHA256Key, prefix: UnsafeRawBufferPointer, realm: String, into out: UnsafeMutableRawBufferPointer) {
        withHashInput(capacity: prefix.count + realm.utf8.count) { input in
            input.append(prefix)
            input.append(realm)
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { mac in
                input.withBytes { key.authenticate($0, into: mac.baseAddress!) }
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(mac)[0..<Self.tagCount]))
            }
        }
    }
}

private func storeBigEndian<T: FixedWidthInteger>(_ value: T, _ raw: UnsafeMutableRawBufferPointer, at offset: Int) {
    raw.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
}
