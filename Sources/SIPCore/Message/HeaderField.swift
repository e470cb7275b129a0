/// Where one header field sits in a message's buffer: the whole line (folds included, line end
/// excluded), the name and the value. Offsets only, so indexing a message allocates nothing
/// beyond the array of these.
struct HeaderFieldIndex: Sendable, Equatable {
    /// The known header this name stands for, or nil for an extension header.
    var known: KnownHeader?
    var lineStart: Int32
    var nameEnd: Int32
    var valueStart: Int32
    var valueEnd: Int32
    var lineEnd: Int32
}

/// One header field of a message as written: its name (any case, long or compact form), its raw
/// value (folds and all) and, for headers Zvonok knows, which one it is (RFC 3261 §7.3).
public struct SIPHeaderField: Sendable, Equatable, CustomStringConvertible {
    public var known: KnownHeader?
    public var name: ByteString
    public var value: ByteString
    /// The line as it was written, without its CRLF.
    public var line: ByteString

    public var description: String { line.string }

    /// Whether this field has `name`, compared the way SIP compares header names (case-insensitive,
    /// compact forms equal to long forms).
    public func hasName(_ name: String) -> Bool {
        if let known, let other = KnownHeader.lookup(name) { return known == other }
        return self.name.equalsIgnoringASCIICase(ByteString(name))
    }
}
