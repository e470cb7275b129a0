/// Building a request from parts (RFC 3261 §8.1.1): the request line, the given header fields in
/// order, then Content-Length: 0. The transaction layer builds its ACK and CANCEL requests with it
/// (§17.1.1.3, §9.1); user agent cores can build any request with it.
extension SIPMessage {
    /// A request `method requestURI SIP/2.0` with `headers` in the order given and an empty body
    /// (Content-Length: 0 is added last; do not pass one). Values are written as given, except that
    /// CR and LF become spaces. The Request-URI must be non-empty and hold no whitespace.
    public static func makeRequest(method: SIPMethod, requestURI: ByteString,
                                   headers: [(KnownHeader, ByteString)]) -> SIPMessage {
        precondition(!requestURI.isEmpty, "empty Request-URI")
        precondition(!requestURI.bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F }),
                     "Request-URI holds whitespace or control characters")
        let name = method.name
        precondition(!name.isEmpty && name.utf8.allSatisfy(CharacterClass.isToken), "method is not a token")
        precondition(!headers.contains { $0.0 == .contentLength }, "Content-Length is added by makeRequest")
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256 + headers.reduce(0) { $0 + $1.1.count + 24 })
        buffer.append(contentsOf: name.utf8)
        buffer.append(0x20)
        let uriStart = buffer.count
        buffer.append(contentsOf: requestURI.bytes)
        let uriEnd = buffer.count
        buffer.append(0x20)
        let versionStart = buffer.count
        buffer.append(contentsOf: "SIP/2.0".utf8)
        let lineEnd = buffer.count
        var request = SIPMessage(
            buffer: buffer,
            startLine: StartLineIndex(lineStart: 0, lineEnd: Int32(lineEnd), isRequest: true, method: method,
                                      statusCode: 0, textStart: Int32(uriStart), textEnd: Int32(uriEnd),
                                      versionStart: Int32(versionStart), versionEnd: Int32(lineEnd)),
            fields: [], bodyRange: lineEnd..<lineEnd)
        request.fields.reserveCapacity(headers.count + 1)
        for (header, value) in headers {
            request.fields.append(request.appendLine(name: header.canonicalName.description, known: header,
                                                     valueBytes: Array(value.bytes)))
        }
        request.fields.append(request.appendLine(name: "Content-Length", known: .contentLength, valueBytes: [0x30]))
        request.bodyRange = request.buffer.count..<request.buffer.count
        return request
    }

    /// The first value of the top Via line (§8.1.1.7: the one this element added), as written.
    var topViaValue: ByteString? {
        guard let line = firstValue(.via) else { return nil }
        guard let comma = topLevelCommaOffset(line) else { return line }
        var value = line.bytes[line.bytes.startIndex..<(line.bytes.startIndex + comma)]
        while let c = value.last, CharacterClass.isLinearWhitespace(c) { value = value.dropLast() }
        return ByteString(value)
    }
}
