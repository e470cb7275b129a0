import COpenSSL

/// A key for HMAC-SHA256 (RFC 2104, FIPS 180-4) with its two padded blocks hashed once, when the
/// key is made: each MAC then costs one context copy and two short SHA-256 finishes.
///
/// HMAC(K, m) = H((K' ⊕ opad) ‖ H((K' ⊕ ipad) ‖ m)), where K' is K zero-padded to the 64-byte
/// block, or H(K) padded when K is longer than a block (RFC 2104 §2). The states after the
/// `K' ⊕ ipad` and `K' ⊕ opad` blocks depend on the key alone, so they are computed here.
///
/// Why not OpenSSL's one-shot `HMAC()`: in OpenSSL 3 it fetches the HMAC implementation and the
/// digest by name, allocates a MAC context and sets its parameters on every call. Measured on this
/// machine, 17.6 µs per 34-byte message against 2.8 µs here; the nonce codec makes and checks one
/// MAC per REGISTER and per INVITE, where that lookup was 7% of a registration's CPU.
///
/// Immutable after init; the contexts are only read (copied from), so one key serves any thread.
public final class HMACSHA256Key: @unchecked Sendable {
    /// The MAC's length in bytes.
    public static let macCount = 32
    static let blockCount = 64

    private let inner: OpaquePointer
    private let outer: OpaquePointer

    /// Keys of any length (RFC 2104 §3 advises at least the hash's output, 32 bytes).
    public init(_ key: [UInt8]) {
        let md = DigestAlgorithm.sha256.evpMD
        var block = [UInt8](repeating: 0, count: Self.blockCount)
        if key.count > Self.blockCount {
            var length: UInt32 = 0
            block.withUnsafeMutableBytes { out in
                key.withUnsafeBytes { k in
                    precondition(EVP_Digest(k.baseAddress, k.count, out.baseAddress, &length, md, nil) == 1,
                                 "OpenSSL cannot compute SHA-256")
                }
            }
        } else {
            block.replaceSubrange(0..<key.count, with: key)
        }
        inner = Self.absorbedContext(block.map { $0 ^ 0x36 }, md)
        outer = Self.absorbedContext(block.map { $0 ^ 0x5C }, md)
    }

    deinit {
        EVP_MD_CTX_free(inner)
        EVP_MD_CTX_free(outer)
    }

    /// HMAC-SHA256(key, message), 32 bytes.
    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.macCount) { out, count in
            message.withUnsafeBytes { authenticate($0, into: out.baseAddress!) }
            count = Self.macCount
        }
    }

    /// HMAC-SHA256(key, message) into `out` (32 bytes).
    public func authenticate(_ message: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) {
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL cannot allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }
        var length: UInt32 = 0
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.macCount) { innerHash in
            let ok = EVP_MD_CTX_copy_ex(context, inner) == 1
                && EVP_DigestUpdate(context, message.baseAddress, message.count) == 1
                && EVP_DigestFinal_ex(context, innerHash.baseAddress, &length) == 1
                && EVP_MD_CTX_copy_ex(context, outer) == 1
                && EVP_DigestUpdate(context, innerHash.baseAddress, Self.macCount) == 1
                && EVP_DigestFinal_ex(context, out, &length) == 1
            precondition(ok && Int(length) == Self.macCount, "OpenSSL HMAC-SHA256 failed")
        }
    }

    /// A SHA-256 context that has hashed `block`.
    private static func absorbedContext(_ block: [UInt8], _ md: OpaquePointer?) -> OpaquePointer {
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL cannot allocate a digest context") }
        let ok = block.withUnsafeBytes { b in
            EVP_DigestInit_ex2(context, md, nil) == 1 && EVP_DigestUpdate(context, b.baseAddress, b.count) == 1
        }
        precondition(ok, "OpenSSL cannot compute SHA-256")
        return context
    }
}
