import COpenSSL

/// The hash of a Digest challenge or credentials: the `algorithm` parameter of RFC 7616 §3.3 and
/// §3.4, with the algorithms SIP may use listed in RFC 8760 §2.1 (MD5, SHA-256, SHA-512-256).
///
/// Zvonok computes the two an account stores an HA1 for: SHA-256 (offered first) and MD5 (for the
/// clients that know nothing else). The `-sess` variants (RFC 7616 §3.4.2) and SHA-512-256 are
/// **refused**: a challenge from Zvonok never offers them, so credentials that use one did not
/// answer it, and a `-sess` HA1 depends on the cnonce, which an HA1-only account store cannot
/// compute from. `init?(token:)` returns nil for them and for any other name.
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable {
    case md5 = "MD5"
    case sha256 = "SHA-256"

    /// Parses the `algorithm` token, ASCII case-insensitively (RFC 7616 §3.3: "MD5", "SHA-256", …).
    public init?(token: ByteString) {
        if token.equalsIgnoringASCIICase("MD5") {
            self = .md5
        } else if token.equalsIgnoringASCIICase("SHA-256") {
            self = .sha256
        } else {
            return nil
        }
    }

    /// Bytes in one digest: 16 for MD5, 32 for SHA-256.
    public var digestByteCount: Int {
        switch self {
        case .md5: 16
        case .sha256: 32
        }
    }

    /// Characters in one digest written as lowercase hex (RFC 7616 §3.2): 32 or 64.
    public var hexCount: Int { digestByteCount * 2 }

    /// Whether the linked libcrypto computes this algorithm. MD5 is missing when OpenSSL runs in
    /// FIPS mode; a server should check this at start-up and then not offer MD5, because hashing
    /// with an unavailable algorithm stops the process (a `precondition`).
    public var isAvailable: Bool { evpMD != nil }

    /// The OpenSSL message digest, fetched once per process.
    var evpMD: OpaquePointer? {
        switch self {
        case .md5: evpMD5
        case .sha256: evpSHA256
        }
    }
}

// Explicitly fetched EVP_MD objects (OpenSSL 3, "Performance" in crypto(7)): with the legacy
// EVP_md5()/EVP_sha256() handles every EVP_Digest call would look the implementation up again.
// An EVP_MD is immutable once fetched and may be used from any thread; these are never freed.
nonisolated(unsafe) private let evpMD5: OpaquePointer? = EVP_MD_fetch(nil, "MD5", nil)
nonisolated(unsafe) private let evpSHA256: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)
