#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The line `JournalLogHandler` writes for one record:
///
///     <6>sip.registrar: binding stored aor=sip:alice@example.org expires=3600 ua="Zoiper 5"
///
/// - `<N>`: the syslog priority of sd-daemon(3) (`SD_ERR` is `<3>`), which journald strips and
///   files as the record's PRIORITY;
/// - with `includeTimestamp`, an ISO-8601 UTC time with milliseconds (`2025-01-31T12:00:00.123Z`)
///   after the prefix (for a terminal; the journal stamps records itself);
/// - `label: message`, then the metadata as `key=value` sorted by key. A value that is empty or
///   holds a space, `"`, `=` or a control character is quoted, with `\` `"` escaped.
///
/// A record is always one line: newlines and other control characters in the message, keys and
/// values are written as `\n`, `\r`, `\t` or `\xHH`. Lines are cut at `maxLineBytes`.
enum JournalLineFormat {
    /// Longest line written (journald splits lines longer than its LineMax, 48 KiB by default).
    static let maxLineBytes = 16 * 1024
    static let truncationMarker = Array(" [truncated]\n".utf8)

    /// sd-daemon(3) priorities: SD_DEBUG 7 … SD_CRIT 2.
    static func priority(_ level: Logger.Level) -> UInt8 {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// The full line for one record, newline included.
    static func line(
        level: Logger.Level, label: String, message: String, metadata: Logger.Metadata,
        timestamp: timespec?
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + message.utf8.count)
        out.append(UInt8(ascii: "<"))
        out.append(UInt8(ascii: "0") + priority(level))
        out.append(UInt8(ascii: ">"))
        if let timestamp {
            appendTimestamp(timestamp, to: &out)
            out.append(UInt8(ascii: " "))
        }
        if !label.isEmpty {
            appendEscaped(label, to: &out)
            out.append(contentsOf: ": ".utf8)
        }
        appendEscaped(message, to: &out)
        for key in metadata.keys.sorted() {
            out.append(UInt8(ascii: " "))
            appendEscaped(key, to: &out)
            out.append(UInt8(ascii: "="))
            appendValue(metadata[key]!.description, to: &out)
        }
        if out.count >= maxLineBytes {
            var cut = maxLineBytes - truncationMarker.count
            while cut > 0 && out[cut] & 0xC0 == 0x80 { cut -= 1 }  // not inside a UTF-8 sequence
            out.removeSubrange(cut...)
            out.append(contentsOf: truncationMarker)
        } else {
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// `2025-01-31T12:00:00.123Z` for a CLOCK_REALTIME reading.
    static func appendTimestamp(_ time: timespec, to out: inout [UInt8]) {
        var seconds = time_t(time.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        out.append(UInt8(ascii: "."))
        digits(Int(time.tv_nsec) / 1_000_000, 3)
        out.append(UInt8(ascii: "Z"))
    }

    private static func needsQuotes(_ value: String) -> Bool {
        value.isEmpty || value.utf8.contains { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") }
    }

    private static func appendValue(_ value: String, to out: inout [UInt8]) {
        guard needsQuotes(value) else { return appendEscaped(value, to: &out) }
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            default: appendEscapedByte(byte, to: &out)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        for byte in text.utf8 { appendEscapedByte(byte, to: &out) }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private static func appendEscapedByte(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
        case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
        case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
        case 0..<0x20, 0x7F:
            out.append(contentsOf: #"\x"#.utf8)
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        default: out.append(byte)
        }
    }
}
