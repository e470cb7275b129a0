/// The base64url alphabet of RFC 4648 §5 without padding: the form nonces are written in, so
/// that they are tokens as well as quoted-string text (no `"`, `\`, `,`, `+`, `/` or `=`).
enum Base64URL {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Characters needed for `byteCount` bytes without padding.
    static func encodedCount(_ byteCount: Int) -> Int { (byteCount * 8 + 5) / 6 }

    static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: encodedCount(bytes.count)) { out in
            var o = 0
            var i = 0
            while i + 3 <= bytes.count {
                let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                out[o] = alphabet[Int(v >> 18 & 63)]
                out[o + 1] = alphabet[Int(v >> 12 & 63)]
                out[o + 2] = alphabet[Int(v >> 6 & 63)]
                out[o + 3] = alphabet[Int(v & 63)]
                o += 4
                i += 3
            }
            let rest = bytes.count - i
            if rest > 0 {
                let v = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
                out[o] = alphabet[Int(v >> 18 & 63)]
                out[o + 1] = alphabet[Int(v >> 12 & 63)]
                o += 2
                if rest == 2 {
                    out[o] = alphabet[Int(v >> 6 & 63)]
                    o += 1
                }
            }
            return o
        }
    }

    /// Decodes exactly `out.count` bytes from `text`; false unless `text` is the canonical
    /// encoding of that many bytes (right length, alphabet only, unused low bits zero), so that
    /// one byte string has one spelling.
    static func decode(_ text: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Bool {
        guard text.count == encodedCount(out.count) else { return false }
        var accumulator: UInt32 = 0
        var bits = 0
        var o = 0
        for c in text {
            guard let v = value(c) else { return false }
            accumulator = accumulator << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out[o] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                o += 1
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        return o == out.count && accumulator == 0
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
