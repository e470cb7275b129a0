/// Strict syntax checks for the addresses and host names a configuration holds. Pure string
/// work: nothing here resolves a name or touches a socket.
///
/// - IPv4 is dotted decimal with exactly four parts and no leading zeros (`010.0.0.1` is refused
///   because `inet_aton` would read it as octal).
/// - IPv6 is RFC 4291 §2.2 text: up to eight groups of one to four hex digits, at most one `::`,
///   an optional dotted IPv4 tail; no zone index (`%eth0`).
/// - A host name is RFC 3261 §25.1 `hostname`: dot-separated labels of letters, digits and
///   hyphens, no label starting or ending with a hyphen, the last label starting with a letter.
enum HostSyntax {
    /// The four bytes of a dotted-decimal IPv4 address, or nil.
    static func ipv4Bytes(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4)
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy(isDigit),
                  !(part.utf8.count > 1 && part.utf8.first == UInt8(ascii: "0")),
                  let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    /// The sixteen bytes of an IPv6 address written without brackets, or nil.
    static func ipv6Bytes(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        let head: Substring, tail: Substring?
        if let range = text.firstRange(of: "::") {
            head = text[..<range.lowerBound]
            tail = text[range.upperBound...]
            if tail!.contains("::") { return nil }
        } else {
            head = text
            tail = nil
        }
        // Parses colon-separated groups; a dotted IPv4 tail is allowed only as the final group.
        func groups(_ part: Substring, mayEndWithIPv4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            var result: [UInt16] = []
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, mayEndWithIPv4, piece.contains(".") {
                    guard let v4 = ipv4Bytes(piece) else { return nil }
                    result.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    result.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                    continue
                }
                guard (1...4).contains(piece.utf8.count), piece.utf8.allSatisfy(isHexDigit),
                      let value = UInt16(piece, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let headGroups = groups(head, mayEndWithIPv4: tail == nil) else { return nil }
        var all: [UInt16]
        if let tail {
            guard let tailGroups = groups(tail, mayEndWithIPv4: true),
                  headGroups.count + tailGroups.count <= 7 else { return nil }
            all = headGroups + Array(repeating: 0, count: 8 - headGroups.count - tailGroups.count) + tailGroups
        } else {
            guard headGroups.count == 8 else { return nil }
            all = headGroups
        }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// Whether `text` is an RFC 3261 host name (one trailing dot allowed).
    static func isHostName(_ text: Substring) -> Bool {
        var name = text
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            let bytes = label.utf8
            guard (1...63).contains(bytes.count),
                  bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }),
                  bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
        }
        // toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum: what tells a name from an IPv4 address.
        return labels.last!.utf8.first.map(isAlpha) ?? false
    }

    /// An IP address literal: the bytes (4 or 16) of IPv4 text or of IPv6 text without brackets.
    static func ipBytes(_ text: Substring) -> [UInt8]? {
        ipv4Bytes(text) ?? ipv6Bytes(text)
    }

    /// Whether the address bytes are loopback: 127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104.
    static func isLoopback(_ bytes: [UInt8]) -> Bool {
        if bytes.count == 4 { return bytes[0] == 127 }
        if bytes == Array(repeating: 0, count: 15) + [1] { return true }
        return bytes.prefix(12) == (Array(repeating: 0, count: 10) + [0xFF, 0xFF])[...] && bytes[12] == 127
    }

    /// Checks `host[:port]` where host is a host name, an IPv4 address or a bracketed IPv6
    /// address; returns nil when it is well formed, otherwise the reason.
    static func hostPortProblem(_ text: String) -> String? {
        let text = Substring(text)
        let host: Substring, portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return "IPv6 address must be in brackets, optionally followed by :port"
            }
            host = text[text.index(after: text.startIndex)..<close]
            guard ipv6Bytes(host) != nil else { return "\"\(host)\" is not an IPv6 address" }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { portText = nil } else {
                guard rest.hasPrefix(":") else { return "expected :port after the IPv6 address" }
                portText = rest.dropFirst()
            }
        } else {
            let colons = text.count(where: { $0 == ":" })
            if colons > 1 { return "IPv6 address must be in brackets, optionally followed by :port" }
            if colons == 1 {
                let colon = text.firstIndex(of: ":")!
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                host = text
                portText = nil
            }
            guard ipv4Bytes(host) != nil || isHostName(host) else {
                return "\"\(host)\" is not a host name or IPv4 address"
            }
        }
        if let portText, parsePort(portText) == nil {
            return "port \"\(portText)\" is not a number from 1 to 65535"
        }
        return nil
    }

    /// The host (IPv6 without brackets) and port of a `host[:port]` that `hostPortProblem` accepts.
    static func splitHostPort(_ text: String) -> (host: String, port: Int?) {
        let text = Substring(text)
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let rest = text[text.index(after: close)...]
            return (String(text[text.index(after: text.startIndex)..<close]), rest.hasPrefix(":") ? parsePort(rest.dropFirst()) : nil)
        }
        if let colon = text.firstIndex(of: ":") {
            return (String(text[..<colon]), parsePort(text[text.index(after: colon)...]))
        }
        return (String(text), nil)
    }

    /// A port number 1–65535 written in decimal without sign or leading zeros, or nil.
    static func parsePort(_ text: Substring) -> Int? {
        guard (1...5).contains(text.utf8.count), text.utf8.allSatisfy(isDigit),
              text.utf8.first != UInt8(ascii: "0"), let value = Int(text), (1...65_535).contains(value) else {
            return nil
        }
        return value
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isAlpha(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isAlpha(byte) }
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "f"))
    }
}
