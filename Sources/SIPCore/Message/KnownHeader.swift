/// The header fields Zvonok reads, by their canonical name and compact form (RFC 3261 §7.3.3,
/// §20; RFC 3262, 3265, 3326, 3515, 3325, 4028). Names are matched ASCII case-insensitively; a
/// header not listed here is an extension header, kept and forwarded byte for byte.
///
/// Raw values run from 1 upwards in declaration order and stay below 64, so a set of them fits in
/// one `UInt64` (validation counts single-valued headers that way).
public enum KnownHeader: UInt8, Sendable, CaseIterable {
    case accept = 1, acceptEncoding, acceptLanguage, alertInfo, allow, allowEvents, authenticationInfo,
        authorization, callID, callInfo, contact, contentDisposition, contentEncoding, contentLanguage,
        contentLength, contentType, cseq, date, errorInfo, event, expires, from, inReplyTo, maxForwards,
        mimeVersion, minExpires, minSE, organization, pAssertedIdentity, pPreferredIdentity, priority,
        proxyAuthenticate, proxyAuthorization, proxyRequire, rack, reason, recordRoute, referTo, referredBy,
        replyTo, require, retryAfter, route, rseq, server, sessionExpires, subject, subscriptionState,
        supported, timestamp, to, unsupported, userAgent, via, warning, wwwAuthenticate, identity, path,
        privacy, acceptContact, rejectContact, requestDisposition, identityInfo

    /// The spelling Zvonok writes.
    public var canonicalName: StaticString {
        switch self {
        case .accept: "Accept"
        case .acceptEncoding: "Accept-Encoding"
        case .acceptLanguage: "Accept-Language"
        case .alertInfo: "Alert-Info"
        case .allow: "Allow"
        case .allowEvents: "Allow-Events"
        case .authenticationInfo: "Authentication-Info"
        case .authorization: "Authorization"
        case .callID: "Call-ID"
        case .callInfo: "Call-Info"
        case .contact: "Contact"
        case .contentDisposition: "Content-Disposition"
        case .contentEncoding: "Content-Encoding"
        case .contentLanguage: "Content-Language"
        case .contentLength: "Content-Length"
        case .contentType: "Content-Type"
        case .cseq: "CSeq"
        case .date: "Date"
        case .errorInfo: "Error-Info"
        case .event: "Event"
        case .expires: "Expires"
        case .from: "From"
        case .inReplyTo: "In-Reply-To"
        case .maxForwards: "Max-Forwards"
        case .mimeVersion: "MIME-Version"
        case .minExpires: "Min-Expires"
        case .minSE: "Min-SE"
        case .organization: "Organization"
        case .pAssertedIdentity: "P-Asserted-Identity"
        case .pPreferredIdentity: "P-Preferred-Identity"
        case .priority: "Priority"
        case .proxyAuthenticate: "Proxy-Authenticate"
        case .proxyAuthorization: "Proxy-Authorization"
        case .proxyRequire: "Proxy-Require"
        case .rack: "RAck"
        case .reason: "Reason"
        case .recordRoute: "Record-Route"
        case .referTo: "Refer-To"
        case .referredBy: "Referred-By"
        case .replyTo: "Reply-To"
        case .require: "Require"
        case .retryAfter: "Retry-After"
        case .route: "Route"
        case .rseq: "RSeq"
        case .server: "Server"
        case .sessionExpires: "Session-Expires"
        case .subject: "Subject"
        case .subscriptionState: "Subscription-State"
        case .supported: "Supported"
        case .timestamp: "Timestamp"
        case .to: "To"
        case .unsupported: "Unsupported"
        case .userAgent: "User-Agent"
        case .via: "Via"
        case .warning: "Warning"
        case .wwwAuthenticate: "WWW-Authenticate"
        case .identity: "Identity"
        case .path: "Path"
        case .privacy: "Privacy"
        case .acceptContact: "Accept-Contact"
        case .rejectContact: "Reject-Contact"
        case .requestDisposition: "Request-Disposition"
        case .identityInfo: "Identity-Info"
        }
    }

    /// The one-letter compact form (RFC 3261 §7.3.3 and the extensions' IANA registrations).
    public var compactForm: UInt8? {
        switch self {
        case .callID: UInt8(ascii: "i")
        case .contact: UInt8(ascii: "m")
        case .contentEncoding: UInt8(ascii: "e")
        case .contentLength: UInt8(ascii: "l")
        case .contentType: UInt8(ascii: "c")
        case .from: UInt8(ascii: "f")
        case .subject: UInt8(ascii: "s")
        case .supported: UInt8(ascii: "k")
        case .to: UInt8(ascii: "t")
        case .via: UInt8(ascii: "v")
        case .event: UInt8(ascii: "o")
        case .allowEvents: UInt8(ascii: "u")
        case .referTo: UInt8(ascii: "r")
        case .referredBy: UInt8(ascii: "b")
        case .sessionExpires: UInt8(ascii: "x")
        case .acceptContact: UInt8(ascii: "a")
        case .rejectContact: UInt8(ascii: "j")
        case .requestDisposition: UInt8(ascii: "d")
        case .identity: UInt8(ascii: "y")
        case .identityInfo: UInt8(ascii: "n")
        default: nil
        }
    }

    /// Whether the header may carry several comma-separated values (RFC 3261 §7.3.1): such values
    /// may equally be split over several header lines.
    public var isList: Bool {
        switch self {
        case .accept, .acceptEncoding, .acceptLanguage, .alertInfo, .allow, .allowEvents, .callInfo, .contact,
            .contentEncoding, .contentLanguage, .errorInfo, .inReplyTo, .pAssertedIdentity, .pPreferredIdentity,
            .proxyRequire, .reason, .recordRoute, .require, .route, .supported, .unsupported, .via, .warning, .path,
            .privacy, .acceptContact, .rejectContact, .requestDisposition:
            true
        default: false
        }
    }

    /// Headers that a request or response may carry at most once (RFC 3261 §20 and Table 2).
    public var isSingleValued: Bool {
        switch self {
        case .callID, .contentLength, .contentType, .cseq, .date, .expires, .from, .maxForwards, .minExpires,
            .minSE, .mimeVersion, .priority, .rack, .replyTo, .retryAfter, .rseq, .sessionExpires, .subject,
            .timestamp, .to, .server, .userAgent, .organization, .event, .subscriptionState, .referTo, .referredBy:
            true
        default: false
        }
    }

    /// Finds the known header a name (as written in a message, any case, long or compact) stands for.
    @inline(__always)
    static func lookup(_ name: UnsafeBufferPointer<UInt8>) -> KnownHeader? {
        if name.isEmpty { return nil }
        if name.count == 1 { return compact(asciiLower(name[0])) }
        return byLength(name)
    }

    public static func lookup(_ name: String) -> KnownHeader? {
        var name = name
        return name.withUTF8 { lookup($0) }
    }

    private static func compact(_ c: UInt8) -> KnownHeader? {
        switch c {
        case UInt8(ascii: "i"): .callID
        case UInt8(ascii: "m"): .contact
        case UInt8(ascii: "e"): .contentEncoding
        case UInt8(ascii: "l"): .contentLength
        case UInt8(ascii: "c"): .contentType
        case UInt8(ascii: "f"): .from
        case UInt8(ascii: "s"): .subject
        case UInt8(ascii: "k"): .supported
        case UInt8(ascii: "t"): .to
        case UInt8(ascii: "v"): .via
        case UInt8(ascii: "o"): .event
        case UInt8(ascii: "u"): .allowEvents
        case UInt8(ascii: "r"): .referTo
        case UInt8(ascii: "b"): .referredBy
        case UInt8(ascii: "x"): .sessionExpires
        case UInt8(ascii: "a"): .acceptContact
        case UInt8(ascii: "j"): .rejectContact
        case UInt8(ascii: "d"): .requestDisposition
        case UInt8(ascii: "y"): .identity
        case UInt8(ascii: "n"): .identityInfo
        default: nil
        }
    }

    /// Candidates grouped by length, then first letter (nested switches compile to jump tables),
    /// then one case-insensitive comparison.
    private static func byLength(_ name: UnsafeBufferPointer<UInt8>) -> KnownHeader? {
        let first = asciiLower(name[0])
        switch name.count {
        case 2:
            switch first {
            case UInt8(ascii: "t"): return equal(name, "to") ? .to : nil
            default: return nil
            }
        case 3:
            switch first {
            case UInt8(ascii: "v"): return equal(name, "via") ? .via : nil
            default: return nil
            }
        case 4:
            switch first {
            case UInt8(ascii: "c"): return equal(name, "cseq") ? .cseq : nil
            case UInt8(ascii: "f"): return equal(name, "from") ? .from : nil
            case UInt8(ascii: "d"): return equal(name, "date") ? .date : nil
            case UInt8(ascii: "r"): return either(name, .rack, .rseq)
            case UInt8(ascii: "p"): return equal(name, "path") ? .path : nil
            default: return nil
            }
        case 5:
            switch first {
            case UInt8(ascii: "r"): return equal(name, "route") ? .route : nil
            case UInt8(ascii: "a"): return equal(name, "allow") ? .allow : nil
            case UInt8(ascii: "e"): return equal(name, "event") ? .event : nil
            default: return nil
            }
        case 6:
            switch first {
            case UInt8(ascii: "r"): return equal(name, "reason") ? .reason : nil
            case UInt8(ascii: "a"): return equal(name, "accept") ? .accept : nil
            case UInt8(ascii: "s"): return equal(name, "server") ? .server : nil
            case UInt8(ascii: "m"): return equal(name, "min-se") ? .minSE : nil
            default: return nil
            }
        case 7:
            switch first {
            case UInt8(ascii: "c"): return either(name, .callID, .contact)
            case UInt8(ascii: "e"): return equal(name, "expires") ? .expires : nil
            case UInt8(ascii: "r"): return equal(name, "require") ? .require : nil
            case UInt8(ascii: "s"): return equal(name, "subject") ? .subject : nil
            case UInt8(ascii: "w"): return equal(name, "warning") ? .warning : nil
            case UInt8(ascii: "p"): return equal(name, "privacy") ? .privacy : nil
            default: return nil
            }
        case 8:
            switch first {
            case UInt8(ascii: "r"): return either(name, .referTo, .replyTo)
            case UInt8(ascii: "p"): return equal(name, "priority") ? .priority : nil
            case UInt8(ascii: "i"): return equal(name, "identity") ? .identity : nil
            default: return nil
            }
        case 9:
            switch first {
            case UInt8(ascii: "c"): return equal(name, "call-info") ? .callInfo : nil
            case UInt8(ascii: "s"): return equal(name, "supported") ? .supported : nil
            case UInt8(ascii: "t"): return equal(name, "timestamp") ? .timestamp : nil
            default: return nil
            }
        case 10:
            switch first {
            case UInt8(ascii: "u"): return equal(name, "user-agent") ? .userAgent : nil
            case UInt8(ascii: "a"): return equal(name, "alert-info") ? .alertInfo : nil
            case UInt8(ascii: "e"): return equal(name, "error-info") ? .errorInfo : nil
            default: return nil
            }
        case 11:
            switch first {
            case UInt8(ascii: "r"): return either(name, .retryAfter, .referredBy)
            case UInt8(ascii: "m"): return equal(name, "min-expires") ? .minExpires : nil
            case UInt8(ascii: "u"): return equal(name, "unsupported") ? .unsupported : nil
            case UInt8(ascii: "i"): return equal(name, "in-reply-to") ? .inReplyTo : nil
            default: return nil
            }
        case 12:
            switch first {
            case UInt8(ascii: "c"): return equal(name, "content-type") ? .contentType : nil
            case UInt8(ascii: "m"): return either(name, .maxForwards, .mimeVersion)
            case UInt8(ascii: "r"): return equal(name, "record-route") ? .recordRoute : nil
            case UInt8(ascii: "a"): return equal(name, "allow-events") ? .allowEvents : nil
            case UInt8(ascii: "o"): return equal(name, "organization") ? .organization : nil
            default: return nil
            }
        case 13:
            switch first {
            case UInt8(ascii: "a"): return equal(name, "authorization") ? .authorization : nil
            case UInt8(ascii: "p"): return equal(name, "proxy-require") ? .proxyRequire : nil
            case UInt8(ascii: "i"): return equal(name, "identity-info") ? .identityInfo : nil
            default: return nil
            }
        case 14:
            switch first {
            case UInt8(ascii: "c"): return equal(name, "content-length") ? .contentLength : nil
            case UInt8(ascii: "a"): return equal(name, "accept-contact") ? .acceptContact : nil
            case UInt8(ascii: "r"): return equal(name, "reject-contact") ? .rejectContact : nil
            default: return nil
            }
        case 15:
            switch first {
            case UInt8(ascii: "a"): return either(name, .acceptEncoding, .acceptLanguage)
            case UInt8(ascii: "s"): return equal(name, "session-expires") ? .sessionExpires : nil
            default: return nil
            }
        case 16:
            switch first {
            case UInt8(ascii: "c"): return either(name, .contentEncoding, .contentLanguage)
            case UInt8(ascii: "w"): return equal(name, "www-authenticate") ? .wwwAuthenticate : nil
            default: return nil
            }
        case 18:
            switch first {
            case UInt8(ascii: "p"): return equal(name, "proxy-authenticate") ? .proxyAuthenticate : nil
            case UInt8(ascii: "s"): return equal(name, "subscription-state") ? .subscriptionState : nil
            default: return nil
            }
        case 19:
            switch first {
            case UInt8(ascii: "a"): return equal(name, "authentication-info") ? .authenticationInfo : nil
            case UInt8(ascii: "c"): return equal(name, "content-disposition") ? .contentDisposition : nil
            case UInt8(ascii: "p"): return either(name, .proxyAuthorization, .pAssertedIdentity)
            case UInt8(ascii: "r"): return equal(name, "request-disposition") ? .requestDisposition : nil
            default: return nil
            }
        case 20:
            switch first {
            case UInt8(ascii: "p"): return equal(name, "p-preferred-identity") ? .pPreferredIdentity : nil
            default: return nil
            }
        default: return nil
        }
    }

    @inline(__always)
    private static func either(_ name: UnsafeBufferPointer<UInt8>, _ a: KnownHeader, _ b: KnownHeader) -> KnownHeader? {
        equal(name, a.canonicalName) ? a : equal(name, b.canonicalName) ? b : nil
    }

    @inline(__always)
    private static func equal(_ name: UnsafeBufferPointer<UInt8>, _ lowercased: StaticString) -> Bool {
        guard name.count == lowercased.utf8CodeUnitCount else { return false }
        let lit = lowercased.utf8Start
        for i in 0..<name.count where asciiLower(name[i]) != asciiLower(lit[i]) { return false }
        return true
    }
}
