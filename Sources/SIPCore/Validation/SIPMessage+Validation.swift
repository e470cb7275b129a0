/// The checks a server makes before it processes a message, in the order RFC 3261 gives them
/// (§8.2 for a UAS, §16.3 for a proxy, §8.1.3.3 and §18.1.2 for responses):
///
/// 1. the version is SIP/2.0 (505);
/// 2. every header Zvonok knows has valid syntax, and the Request-URI too (400, kind `syntax`);
/// 3. To, From, Call-ID, CSeq and Via are present (400), single-valued headers appear once (400);
/// 4. the CSeq method is the request method (400, or 501 when the method is one we do not know);
/// 5. the Request-URI scheme is served (416); Max-Forwards is not 0 (483);
/// 6. Require (and Proxy-Require) name only supported extensions (420 with Unsupported);
/// 7. a REGISTER's To is a sip:/sips: address (400); a session body is a type we read (415);
///    an INVITE's Accept admits application/sdp (406).
///
/// A response that fails 1–3 is to be dropped (§18.1.2); the rejection says why.
extension SIPMessage {
    public func validate(_ policy: ValidationPolicy = .zvonok) -> SIPRejection? {
        if !isVersion2 {
            return SIPRejection(statusCode: 505, reason: "SIP version \(version.string) not supported", kind: .semantic)
        }
        let bits = knownHeaderBits()
        do {
            try validateSyntax(present: bits.present)
        } catch {
            return SIPRejection(error)
        }
        if let rejection = checkMandatoryHeaders(present: bits.present, duplicated: bits.duplicated) { return rejection }
        guard isRequest else { return nil }
        do {
            return try checkRequest(policy)
        } catch {
            return SIPRejection(error)
        }
    }

    /// Parses every known header of the message (and the Request-URI) and throws the first error.
    public func validateSyntax() throws(SIPParseError) {
        try validateSyntax(present: knownHeaderBits().present)
    }

    /// Which known headers the message has, and which single-valued ones it has more than once, in
    /// one pass over the fields: bit n stands for the header whose raw value is n.
    private func knownHeaderBits() -> (present: UInt64, duplicated: UInt64) {
        var present: UInt64 = 0
        var duplicated: UInt64 = 0
        for f in fields {
            guard let known = f.known else { continue }
            let bit: UInt64 = 1 << UInt64(known.rawValue)
            if present & bit != 0 && known.isSingleValued { duplicated |= bit }
            present |= bit
        }
        return (present, duplicated)
    }

    /// `validateSyntax` with the known headers present already found (`knownHeaderBits`).
    private func validateSyntax(present: UInt64) throws(SIPParseError) {
        if let text = requestURIText { _ = try URI(parsing: text, context: .requestURI, in: "Request-URI") }
        let vias = try vias()
        for via in vias { try via.validateParameters() }
        _ = try from()
        _ = try to()
        _ = try callID()
        _ = try cseq()
        // The other headers are parsed only when the message has them.
        func has(_ header: KnownHeader) -> Bool { present & (1 << UInt64(header.rawValue)) != 0 }
        if has(.maxForwards) { _ = try maxForwards() }
        if has(.contact) { _ = try contacts() }
        if has(.route) { _ = try routes() }
        if has(.recordRoute) { _ = try recordRoutes() }
        if has(.contentType) { _ = try contentType() }
        if has(.accept) { _ = try accept() }
        if has(.expires) { _ = try expires() }
        if has(.minExpires) { _ = try minExpires() }
        if has(.authorization) { _ = try authorizations() }
        if has(.proxyAuthorization) { _ = try proxyAuthorizations() }
        if has(.wwwAuthenticate) { _ = try wwwAuthenticates() }
        if has(.proxyAuthenticate) { _ = try proxyAuthenticates() }
        if has(.require) { _ = try require() }
        if has(.proxyRequire) { _ = try proxyRequire() }
        if has(.supported) { _ = try supported() }
        if has(.unsupported) { _ = try unsupported() }
        if has(.allow) { _ = try allow() }
        if has(.sessionExpires) { _ = try sessionExpires() }
        if has(.minSE) { _ = try minSE() }
        if has(.reason) { _ = try reasons() }
        if has(.pAssertedIdentity) { _ = try pAssertedIdentities() }
        if has(.date), let date = firstValue(.date) { try SIPDate.validate(date) }
        if has(.retryAfter), let retry = firstValue(.retryAfter) { try validateRetryAfter(retry) }
        if has(.warning) { for warning in values(.warning) { try validateWarning(warning) } }
    }

    private func checkMandatoryHeaders(present: UInt64, duplicated: UInt64) -> SIPRejection? {
        let mandatory: [KnownHeader] = [.to, .from, .callID, .cseq, .via]
        let missing = mandatory.filter { present & (1 << UInt64($0.rawValue)) == 0 }
        if !missing.isEmpty {
            let names = missing.map { $0.canonicalName.description }.joined(separator: ", ")
            return SIPRejection(statusCode: 400, reason: "missing \(names) header" + (missing.count > 1 ? "s" : ""),
                                kind: .semantic)
        }
        guard duplicated != 0, let header = KnownHeader(rawValue: UInt8(duplicated.trailingZeroBitCount)) else { return nil }
        return SIPRejection(statusCode: 400, reason: "duplicate \(header.canonicalName) header", kind: .semantic)
    }

    private func checkRequest(_ policy: ValidationPolicy) throws(SIPParseError) -> SIPRejection? {
        let method = self.method!
        if let cseq = try cseq(), cseq.method != method {
            return SIPRejection(statusCode: method.isExtension ? 501 : 400,
                                reason: method.isExtension ? "method \(method) not implemented"
                                    : "CSeq method \(cseq.method) does not match \(method)",
                                kind: .semantic)
        }
        let uri = try URI(parsing: requestURIText!, context: .requestURI, in: "Request-URI")
        if !policy.uriSchemes.contains(where: { uri.scheme.equalsIgnoringASCIICase(ByteString($0)) }) {
            return SIPRejection(statusCode: 416, reason: "unsupported URI scheme \(uri.scheme)", kind: .semantic)
        }
        if policy.rejectsExhaustedMaxForwards, try maxForwards() == 0 {
            return SIPRejection(statusCode: 483, reason: "too many hops", kind: .semantic)
        }
        if method != .ack, method != .cancel, let rejection = try checkExtensions(policy) { return rejection }
        if method == .register, policy.checksRegisterAddressOfRecord, try to()?.uri.sipURI == nil {
            return SIPRejection(statusCode: 400, reason: "To of a REGISTER must be a sip: or sips: address", kind: .semantic)
        }
        if [.invite, .ack, .prack, .update].contains(method), !body.isEmpty, let type = try contentType(),
           !policy.sessionBodyTypes.contains(where: {
               type.type.equalsIgnoringASCIICase(ByteString($0.type)) && type.subtype.equalsIgnoringASCIICase(ByteString($0.subtype))
           }) {
            return SIPRejection(statusCode: 415, reason: "unsupported media type \(type.type)/\(type.subtype)",
                                kind: .semantic, headers: [(.accept, "application/sdp")])
        }
        if method == .invite, let accepted = try accept(), !accepted.isEmpty,
           !accepted.contains(where: { $0.admits(type: "application", subtype: "sdp") }) {
            return SIPRejection(statusCode: 406, reason: "Accept excludes application/sdp", kind: .semantic)
        }
        return nil
    }

    private func checkExtensions(_ policy: ValidationPolicy) throws(SIPParseError) -> SIPRejection? {
        var required: [ByteString] = []
        if policy.requireCheckedMethods.map({ method.map($0.contains) ?? true }) ?? true { required = try require() }
        if policy.checksProxyRequire { required += try proxyRequire() }
        let unknown = required.filter { tag in !policy.supportedExtensions.contains { tag.equalsIgnoringASCIICase(ByteString($0)) } }
        guard !unknown.isEmpty else { return nil }
        let list = unknown.map(\.string).joined(separator: ", ")
        return SIPRejection(statusCode: 420, reason: "bad extension: \(list)", kind: .semantic, headers: [(.unsupported, list)])
    }

    /// Retry-After = delta-seconds [ comment ] *( SEMI retry-param ) (§20.33).
    private func validateRetryAfter(_ value: ByteString) throws(SIPParseError) {
        var s = ByteScanner(value)
        _ = try s.decimal(in: "Retry-After", limit: UInt64(UInt32.max))
        s.skipWhitespace()
        if s.consume(UInt8(ascii: "(")) {
            var depth = 1
            while depth > 0, let c = s.peek {
                s.advance()
                if c == UInt8(ascii: "(") { depth += 1 } else if c == UInt8(ascii: ")") { depth -= 1 }
            }
            guard depth == 0 else { throw .malformedHeader("Retry-After", "unterminated comment") }
        }
        _ = try s.headerParameters(in: "Retry-After")
        try s.expectEnd(in: "Retry-After")
    }

    /// warning-value = warn-code SP warn-agent SP warn-text, warn-code = 3DIGIT (§20.43).
    private func validateWarning(_ value: ByteString) throws(SIPParseError) {
        var s = ByteScanner(value)
        repeat {
            s.skipWhitespace()
            let code = s.take(while: CharacterClass.isDigit)
            guard code.count == 3, s.consume(0x20) else { throw .malformedHeader("Warning", "warn-code is not three digits") }
            guard !s.take(while: { !CharacterClass.isLinearWhitespace($0) }).isEmpty, s.consume(0x20) else {
                throw .malformedHeader("Warning", "missing warn-agent")
            }
            _ = try s.quotedString(in: "Warning")
        } while s.consumeSeparator(UInt8(ascii: ","))
        try s.expectEnd(in: "Warning")
    }
}
