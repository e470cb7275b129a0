/// Edits a proxy or B2BUA makes (RFC 3261 §16.6, §8.2.6): add a Via or Record-Route, drop the top
/// Via, set Max-Forwards, change the Request-URI, replace the body. New bytes are appended to the
/// buffer and the index repointed, so every other header line keeps its bytes.
///
/// Values are written as given, except that CR and LF become spaces: an edit can never inject a
/// header line.
extension SIPMessage {
    /// Where a new header field goes.
    public enum HeaderPosition: Sendable {
        /// Before the first field of the same header, else first of all: Via, Route, Record-Route.
        case first
        /// After the last field of the same header, else last of all.
        case last
    }

    /// Adds a header field `header: value`.
    public mutating func addHeader(_ header: KnownHeader, _ value: String, at position: HeaderPosition = .last) {
        let field = appendLine(name: header.canonicalName.description, known: header, value: value)
        let index: Int
        switch position {
        case .first: index = fields.firstIndex { $0.known == header } ?? 0
        case .last: index = fields.lastIndex { $0.known == header }.map { $0 + 1 } ?? fields.count
        }
        fields.insert(field, at: index)
    }

    /// Adds an extension header field at the end.
    public mutating func addHeader(named name: String, _ value: String) {
        let known = KnownHeader.lookup(name)
        let safeName = String(decoding: name.utf8.filter(CharacterClass.isToken), as: UTF8.self)
        precondition(!safeName.isEmpty, "header name has no token characters")
        fields.append(appendLine(name: safeName, known: known, value: value))
    }

    /// Replaces every field of `header` by one `header: value`, where the first one was (else at the end).
    public mutating func setHeader(_ header: KnownHeader, _ value: String) {
        let field = appendLine(name: header.canonicalName.description, known: header, value: value)
        if let first = fields.firstIndex(where: { $0.known == header }) {
            fields[first] = field
            var i = fields.count - 1
            while i > first {
                if fields[i].known == header { fields.remove(at: i) }
                i -= 1
            }
        } else {
            fields.append(field)
        }
    }

    /// Removes every field of `header`; returns how many lines went.
    @discardableResult
    public mutating func removeHeaders(_ header: KnownHeader) -> Int {
        let before = fields.count
        fields.removeAll { $0.known == header }
        return before - fields.count
    }

    /// Removes the first value of a list header: the whole line when it holds one value, else the
    /// first comma-separated value of that line (§16.7 step 3 removes the top Via this way).
    public mutating func removeFirstValue(_ header: KnownHeader) {
        guard let index = fields.firstIndex(where: { $0.known == header }) else { return }
        let value = self.value(of: fields[index])
        guard let comma = topLevelCommaOffset(value) else {
            fields.remove(at: index)
            return
        }
        var rest = value.bytes[(value.bytes.startIndex + comma + 1)...]
        while let c = rest.first, CharacterClass.isLinearWhitespace(c) { rest = rest.dropFirst() }
        let name = self.name(of: fields[index])
        fields[index] = appendLine(name: name.string, known: header, valueBytes: Array(rest))
    }

    /// Replaces the first value of a list header by `valueBytes` (§18.2.1: a server stamping the
    /// top Via). When that line holds only this value the line is replaced where it stands;
    /// otherwise the value is taken off its line and the new one goes first. Does nothing when
    /// the header is absent.
    public mutating func replaceFirstValue(_ header: KnownHeader, with valueBytes: [UInt8]) {
        guard let index = fields.firstIndex(where: { $0.known == header }) else { return }
        guard topLevelCommaOffset(value(of: fields[index])) != nil else {
            fields[index] = appendLine(name: header.canonicalName.description, known: header, valueBytes: valueBytes)
            return
        }
        removeFirstValue(header)
        let field = appendLine(name: header.canonicalName.description, known: header, valueBytes: valueBytes)
        fields.insert(field, at: index)
    }

    /// Sets Max-Forwards (0-255).
    public mutating func setMaxForwards(_ hops: Int) {
        precondition((0...255).contains(hops), "Max-Forwards out of range")
        setHeader(.maxForwards, String(hops))
    }

    /// Replaces the Request-URI of a request (§16.6 step 2), keeping method and version.
    public mutating func setRequestURI(_ uri: URI) {
        precondition(isRequest, "setRequestURI on a response")
        let method = self.method!.name
        let version = self.version.string
        let start = buffer.count
        buffer.append(contentsOf: method.utf8)
        buffer.append(0x20)
        let uriStart = buffer.count
        buffer.append(contentsOf: uri.text.bytes)
        let uriEnd = buffer.count
        buffer.append(0x20)
        let versionStart = buffer.count
        buffer.append(contentsOf: version.utf8)
        startLine.lineStart = Int32(start)
        startLine.lineEnd = Int32(buffer.count)
        startLine.textStart = Int32(uriStart)
        startLine.textEnd = Int32(uriEnd)
        startLine.versionStart = Int32(versionStart)
        startLine.versionEnd = Int32(buffer.count)
    }

    /// Replaces the body and sets Content-Length (and Content-Type when given; removed when the body is empty).
    public mutating func setBody(_ body: [UInt8], contentType: String? = nil) {
        let start = buffer.count
        buffer.append(contentsOf: body)
        bodyRange = start..<buffer.count
        setHeader(.contentLength, String(body.count))
        if let contentType { setHeader(.contentType, contentType) } else if body.isEmpty { removeHeaders(.contentType) }
    }

    // MARK: Internals

    private mutating func appendLine(name: String, known: KnownHeader?, value: String) -> HeaderFieldIndex {
        appendLine(name: name, known: known, valueBytes: Array(value.utf8))
    }

    /// Appends `name: value` to the buffer (value trimmed, CR/LF turned to spaces) and returns its index;
    /// the caller places the field.
    mutating func appendLine(name: String, known: KnownHeader?, valueBytes: [UInt8]) -> HeaderFieldIndex {
        precondition(buffer.count + name.utf8.count + valueBytes.count + 2 < Int(Int32.max), "message buffer too large")
        let lineStart = buffer.count
        buffer.append(contentsOf: name.utf8)
        let nameEnd = buffer.count
        buffer.append(UInt8(ascii: ":"))
        buffer.append(0x20)
        let valueStart = buffer.count
        // Written as the parser will read it back: no CR/LF, no surrounding whitespace.
        var value = valueBytes[...]
        while let c = value.first, CharacterClass.isLinearWhitespace(c) { value = value.dropFirst() }
        while let c = value.last, CharacterClass.isLinearWhitespace(c) { value = value.dropLast() }
        for c in value { buffer.append(c == 0x0D || c == 0x0A ? 0x20 : c) }
        return HeaderFieldIndex(known: known, lineStart: Int32(lineStart), nameEnd: Int32(nameEnd),
                                valueStart: Int32(valueStart), valueEnd: Int32(buffer.count), lineEnd: Int32(buffer.count))
    }
}

/// The offset of the first comma that separates values (outside quotes and `<>`), or nil.
func topLevelCommaOffset(_ value: ByteString) -> Int? {
    var inQuotes = false, inAngle = false, escaped = false
    for (offset, c) in value.bytes.enumerated() {
        if inQuotes {
            if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inQuotes = false }
            continue
        }
        switch c {
        case UInt8(ascii: "\""): inQuotes = true
        case UInt8(ascii: "<"): inAngle = true
        case UInt8(ascii: ">"): inAngle = false
        case UInt8(ascii: ","): if !inAngle { return offset }
        default: break
        }
    }
    return nil
}
