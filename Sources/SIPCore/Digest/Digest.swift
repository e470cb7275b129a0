import COpenSSL

/// The digest computations of RFC 7616 §3.4.1–§3.4.3 as SIP uses them (RFC 3261 §22.4, RFC 8760),
/// with `qop=auth` only, plus the constant-time comparison and HMAC-SHA256 the server side needs.
///
/// ```
/// HA1      = H(username ":" realm ":" password)                      (§3.4.2, non -sess)
/// HA2      = H(method ":" uri)                                       (§3.4.3, qop=auth)
/// response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)      (§3.4.1)
/// ```
/// H is MD5 or SHA-256 written as lowercase hex (§3.2). `qop=auth-int` (which hashes the body)
/// is not offered and not computed.
///
/// Cost: every hash is one OpenSSL `EVP_Digest` call over a contiguous buffer. The inputs are
/// joined into a stack buffer (`withUnsafeTemporaryAllocation`), and the verifier's path
/// (`DigestVerifier`) writes HA2 and the response as hex into stack buffers and compares bytes,
/// so it builds no `String` at all. The `String`-returning functions here are for account
/// provisioning, clients and tests; each allocates only its result.
public enum Digest {
    /// H(data) as lowercase hex.
    public static func hash(_ data: [UInt8], algorithm: DigestAlgorithm) -> String {
        data.withUnsafeBytes { hexString($0, algorithm) }
    }

    /// H(text's UTF-8) as lowercase hex.
    public static func hash(_ text: String, algorithm: DigestAlgorithm) -> String {
        withHashInput(capacity: text.utf8.count) { input in
            input.append(text)
            return input.withBytes { hexString($0, algorithm) }
        }
    }

    /// HA1 = H(username ":" realm ":" password) (RFC 7616 §3.4.2; RFC 3261 §22.4). What an
    /// account stores instead of its password, one per algorithm; all three are UTF-8 as given.
    public static func ha1(username: String, realm: String, password: String, algorithm: DigestAlgorithm) -> String {
        withHashInput(capacity: username.utf8.count + realm.utf8.count + password.utf8.count + 2) { input in
            input.append(username)
            input.appendColon()
            input.append(realm)
            input.appendColon()
            input.append(password)
            return input.withBytes { hexString($0, algorithm) }
        }
    }

    /// HA2 = H(method ":" uri) for `qop=auth` (RFC 7616 §3.4.3). `uri` is the credentials' `uri`
    /// parameter as sent (RFC 3261 §22.4 calls it digest-uri).
    public static func ha2(method: String, uri: String, algorithm: DigestAlgorithm) -> String {
        withHashInput(capacity: method.utf8.count + uri.utf8.count + 1) { input in
            input.append(method)
            input.appendColon()
            input.append(uri)
            return input.withBytes { hexString($0, algorithm) }
        }
    }

    /// response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2) (RFC 7616 §3.4.1), every part
    /// as written in the credentials (`nc` is the 8 hex digits as sent, `qop` is "auth").
    public static func response(
        ha1: String, nonce: String, nc: String, cnonce: String, qop: String, ha2: String, algorithm: DigestAlgorithm
    ) -> String {
        let parts = [ha1, nonce, nc, cnonce, qop, ha2]
        let capacity = parts.reduce(parts.count - 1) { $0 + $1.utf8.count }
        return withHashInput(capacity: capacity) { input in
            for (i, part) in parts.enumerated() {
                if i > 0 { input.appendColon() }
                input.append(part)
            }
            return input.withBytes { hexString($0, algorithm) }
        }
    }

    /// Compares two digests (hex strings) in time independent of where they differ, with OpenSSL's
    /// `CRYPTO_memcmp`. Unequal lengths answer false at once: a digest's length is no secret.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in constantTimeEquals(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) } }
    }

    /// `constantTimeEquals` over bytes.
    public static func constantTimeEquals(_ a: ByteString, _ b: ByteString) -> Bool {
        a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in constantTimeEquals(x, y) } }
    }

    /// HMAC-SHA256(key, message) (RFC 2104, FIPS 180-4), 32 bytes. For many messages under one
    /// key, keep an `HMACSHA256Key`: it hashes the key's padded blocks once.
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        HMACSHA256Key(key).authenticate(message)
    }

    // MARK: Internals shared with the nonce codec and the verifier

    static func constantTimeEquals(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        guard x.count == y.count else { return false }
        guard x.count > 0 else { return true }
        return CRYPTO_memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
    }

    /// Hashes `input` and writes the digest as lowercase hex to `hex` (at least `algorithm.hexCount` bytes).
    static func hashHex(_ input: UnsafeRawBufferPointer, _ algorithm: DigestAlgorithm, into hex: UnsafeMutableRawBufferPointer) {
        precondition(hex.count >= algorithm.hexCount)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxDigestBytes) { md in
            var length: UInt32 = 0
            let ok = EVP_Digest(input.baseAddress, input.count, md.baseAddress, &length, algorithm.evpMD, nil)
            precondition(ok == 1 && Int(length) == algorithm.digestByteCount,
                         "OpenSSL cannot compute \(algorithm.rawValue) (FIPS mode?); check DigestAlgorithm.isAvailable")
            for i in 0..<algorithm.digestByteCount {
                hex[2 * i] = hexDigits[Int(md[i] >> 4)]
                hex[2 * i + 1] = hexDigits[Int(md[i] & 0x0F)]
            }
        }
    }

    static func hexString(_ input: UnsafeRawBufferPointer, _ algorithm: DigestAlgorithm) -> String {
        String(unsafeUninitializedCapacity: algorithm.hexCount) { buffer in
            hashHex(input, algorithm, into: UnsafeMutableRawBufferPointer(buffer))
            return algorithm.hexCount
        }
    }

    /// The largest digest computed here (SHA-256).
    static let maxDigestBytes = 32
    static let maxHexCount = 64
}

/// Lowercase hex digits, indexed by nibble.
private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// The bytes a hash is computed over, written piece by piece into one buffer: the `a:b:c`
/// strings of RFC 7616 §3.4 without building a `String`.
struct HashInput {
    private let buffer: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        precondition(count + bytes.count <= buffer.count, "HashInput capacity miscounted")
        if bytes.count > 0 { (buffer.baseAddress! + count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        count += bytes.count
    }

    mutating func append(_ bytes: ByteString) { bytes.bytes.withUnsafeBytes { append($0) } }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Appends `text` with ASCII letters lower-cased (a stored HA1 compared as lowercase hex).
    mutating func appendLowercased(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            precondition(count + utf8.count <= buffer.count, "HashInput capacity miscounted")
            for c in utf8 {
                buffer[count] = asciiLower(c)
                count += 1
            }
        }
    }

    mutating func appendColon() {
        precondition(count < buffer.count, "HashInput capacity miscounted")
        buffer[count] = UInt8(ascii: ":")
        count += 1
    }

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }
}

/// Runs `body` with a `HashInput` over `capacity` bytes of temporary storage (the stack when small).
func withHashInput<R>(capacity: Int, _ body: (inout HashInput) -> R) -> R {
    withUnsafeTemporaryAllocation(byteCount: max(capacity, 1), alignment: 1) { raw in
        var input = HashInput(raw)
        return body(&input)
    }
}
