/// %-escapes of RFC 3261 §19.1.2 / RFC 3986 §2.1: URIs are compared after decoding them.
enum PercentEncoding {
    /// The bytes with every `%HH` replaced by its octet (a bad escape is kept as written).
    static func decode(_ text: ByteString) -> ByteString {
        guard text.bytes.contains(UInt8(ascii: "%")) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.bytes.startIndex
        let b = text.bytes
        while i < b.endIndex {
            if b[i] == UInt8(ascii: "%"), i + 2 < b.endIndex, let h = hex(b[i + 1]), let l = hex(b[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return ByteString(out)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}
