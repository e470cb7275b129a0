/// The Date header (RFC 3261 §20.17): an RFC 1123 date that must be in GMT,
/// `Sat, 13 Nov 2010 23:29:00 GMT`.
enum SIPDate {
    static func validate(_ value: ByteString) throws(SIPParseError) {
        let text = value.string
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        let weekdays = ["Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, weekdays.contains(String(parts[0])) else { throw .malformedHeader("Date", "not an RFC 1123 date") }
        guard parts[1].count == 2, parts[1].allSatisfy(\.isASCIIDigitCharacter), months.contains(String(parts[2])),
              parts[3].count == 4, parts[3].allSatisfy(\.isASCIIDigitCharacter) else {
            throw .malformedHeader("Date", "not an RFC 1123 date")
        }
        let time = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 3, time.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigitCharacter) }) else {
            throw .malformedHeader("Date", "bad time of day")
        }
        guard parts[5] == "GMT" else { throw .malformedHeader("Date", "time zone must be GMT") }
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
