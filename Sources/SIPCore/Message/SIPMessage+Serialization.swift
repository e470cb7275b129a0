/// Writing a message back to bytes (RFC 3261 §7): the start line, each header line exactly as
/// it is held (as received, or as an edit wrote it), an empty line and the body.
extension SIPMessage {
    /// The message as bytes; `try SIPMessage(parsing: m.serialized()) == m`.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        serialize(into: &out)
        return out
    }

    /// How many bytes `serialized()` returns, without building them (§18.1.1 compares it with
    /// the path MTU).
    public var serializedCount: Int {
        var size = Int(startLine.lineEnd - startLine.lineStart) + 4 + bodyRange.count
        for f in fields { size += Int(f.lineEnd - f.lineStart) + 2 }
        return size
    }

    /// Appends the message's bytes to `out`, reserving the space first (one allocation at most).
    public func serialize(into out: inout [UInt8]) {
        out.reserveCapacity(out.count + serializedCount)
        buffer.withUnsafeBufferPointer { b in
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[Int(startLine.lineStart)..<Int(startLine.lineEnd)]))
            out.append(0x0D)
            out.append(0x0A)
            for f in fields {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[Int(f.lineStart)..<Int(f.lineEnd)]))
                out.append(0x0D)
                out.append(0x0A)
            }
            out.append(0x0D)
            out.append(0x0A)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[bodyRange]))
        }
    }
}
