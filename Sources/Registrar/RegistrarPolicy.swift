import SIPCore

/// The registrar's limits (RFC 3261 §10.3 steps 7–8, §20.19, §21.4.17), from configuration.
public struct RegistrarPolicy: Sendable, Equatable {
    /// Shorter registrations get 423 Interval Too Brief with Min-Expires (§10.3 step 7).
    public var minExpiresSeconds: Int64
    /// Longer ones are shortened to this.
    public var maxExpiresSeconds: Int64
    /// When neither the contact nor the request says.
    public var defaultExpiresSeconds: Int64
    /// Contacts one address-of-record may hold at once.
    public var maxBindingsPerUser: Int
    /// The digest algorithms offered in 401/407 challenges, in order (RFC 8760 §2.3: SHA-256
    /// before MD5); an algorithm this OpenSSL cannot compute (MD5 in FIPS mode) is left out.
    public var digestAlgorithms: [DigestAlgorithm]

    public init(minExpiresSeconds: Int64 = 60, maxExpiresSeconds: Int64 = 3600, defaultExpiresSeconds: Int64 = 3600,
                maxBindingsPerUser: Int = 10, digestAlgorithms: [DigestAlgorithm] = [.sha256, .md5]) {
        precondition(minExpiresSeconds > 0 && minExpiresSeconds <= maxExpiresSeconds)
        precondition(maxBindingsPerUser > 0)
        self.minExpiresSeconds = minExpiresSeconds
        self.maxExpiresSeconds = maxExpiresSeconds
        self.defaultExpiresSeconds = min(max(defaultExpiresSeconds, minExpiresSeconds), maxExpiresSeconds)
        self.maxBindingsPerUser = maxBindingsPerUser
        let available = digestAlgorithms.filter(\.isAvailable)
        precondition(!available.isEmpty, "no offered digest algorithm is available")
        self.digestAlgorithms = available
    }
}
