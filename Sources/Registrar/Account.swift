/// A user of the service (RFC 3261 §10: the address-of-record `sip:username@domain`), as the
/// registrar and the proxy see it: who may register and call, and the digest secrets to check
/// them by (RFC 7616 §3.4.2, RFC 8760) — `H(username:realm:password)` for MD5 and for SHA-256,
/// never the password itself.
public struct Account: Sendable, Equatable {
    /// The database's id; nil until stored.
    public var id: Int64?
    /// The user part of the address-of-record and the digest user name.
    public var username: String
    public var displayName: String
    /// An E.164 number (`+74951112233`) the account is also reached by; billing uses it.
    public var phoneNumber: String?
    /// A disabled account cannot register, call or be called.
    public var enabled: Bool
    /// The realm the digests were computed for; a change of realm needs new passwords.
    public var realm: String
    /// `MD5(username:realm:password)`, lowercase hex.
    public var ha1MD5: String
    /// `SHA-256(username:realm:password)`, lowercase hex.
    public var ha1SHA256: String
    /// When the account was created, Unix seconds.
    public var createdAtUnixSeconds: Int64

    public init(id: Int64? = nil, username: String, displayName: String, phoneNumber: String? = nil,
                enabled: Bool = true, realm: String, ha1MD5: String, ha1SHA256: String, createdAtUnixSeconds: Int64) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.phoneNumber = phoneNumber
        self.enabled = enabled
        self.realm = realm
        self.ha1MD5 = ha1MD5
        self.ha1SHA256 = ha1SHA256
        self.createdAtUnixSeconds = createdAtUnixSeconds
    }
}

/// Why an account's fields are refused, said so that an operator can fix them.
public struct AccountValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var problem: String
    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }
    public var description: String { "\(field): \(problem)" }
}

extension Account {
    /// User names are SIP `user` tokens a softphone can type without escaping (RFC 3261 §25.1
    /// unreserved characters): letters, digits, `-_.!~*'()`, 1–64 characters, not starting with `+`
    /// (phone numbers are the B2BUA's address space).
    public static func validateUsername(_ username: String) throws(AccountValidationError) {
        guard !username.isEmpty, username.utf8.count <= 64 else {
            throw AccountValidationError(field: "username", problem: "must be 1 to 64 characters")
        }
        let allowed: Set<UInt8> = Set("-_.!~*'()".utf8)
        for c in username.utf8 {
            let isAlnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            guard isAlnum || allowed.contains(c) else {
                throw AccountValidationError(field: "username",
                                             problem: "\"\(username)\" has a character other than letters, digits and -_.!~*'()")
            }
        }
        if username.allSatisfy({ $0.isNumber }) {
            throw AccountValidationError(field: "username", problem: "all digits is reserved for phone numbers")
        }
    }

    /// A phone alias is `+` and 8 to 15 digits (ITU-T E.164).
    public static func validatePhoneNumber(_ number: String) throws(AccountValidationError) {
        let digits = number.dropFirst()
        guard number.first == "+", (8...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw AccountValidationError(field: "phone", problem: "\"\(number)\" is not an E.164 number like +74951112233")
        }
    }
}
