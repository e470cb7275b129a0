import Testing
@testable import Numbering

/// What users dial, normalised to ITU-T E.164 or refused with a reason (PRODUCT.md, "the rules
/// of paid calls": separators are harmless, 00 is +, no country code means 484).
@Suite struct NormalisationTests {
    @Test(arguments: [
        ("+74951112233", "74951112233"),
        ("+7 495 111 22 33", "74951112233"),
        ("+7 (495) 111-22-33", "74951112233"),
        ("+7.495.111.22.33", "74951112233"),
        ("+7-495-111-22-33", "74951112233"),
        ("+7 [495] 111 22 33", "74951112233"),
        (" +7 495 1112233 ", "74951112233"),
        ("+\t7 495 111 22 33", "74951112233"),
        ("+7\u{00A0}495\u{00A0}111\u{2013}22\u{2013}33", "74951112233"),  // no-break spaces, en dashes (pasted)
        ("+7\u{202F}495\u{2212}111\u{2010}22\u{2009}33", "74951112233"),  // narrow no-break space, minus, hyphen, thin space
        ("0074951112233", "74951112233"),
        ("00 7 495 111-22-33", "74951112233"),
        ("(00) 44 20 7946 0018", "442079460018"),
        ("+44 (0)20 7946 0018", "442079460018"),  // the national trunk 0 in brackets is not dialled
        ("+44(0)2079460018", "442079460018"),
        ("0049 (0) 30 1234567", "49301234567"),
        ("+7 (0495) 111-22-33", "704951112233"),  // only a lone (0) is dropped
    ])
    func normalises(input: String, digits: String) throws {
        let number = try E164Number(dialled: input)
        #expect(number.digits == digits)
        #expect(number.description == "+" + digits)
        #expect(number.telURI == "tel:+" + digits)
        #expect(number.digitCount == digits.count)
    }

    @Test func internationalPrefixIsThePlus() throws {
        #expect(try E164Number(dialled: "0086 138 1234 5678") == E164Number(dialled: "+86 138 1234 5678"))
        #expect(try E164Number(dialled: "00380441234567").description == "+380441234567")
    }

    @Test func digitsRoundTrip() throws {
        let number = try E164Number(dialled: "+7 (495) 111-22-33")
        #expect(try E164Number(digits: number.digits) == number)
        #expect(throws: NumberingError.misplacedPlus) { try E164Number(digits: "+74951112233") }
        #expect(throws: NumberingError.invalidCharacter(.other)) { try E164Number(digits: "7 495 111 22 33") }
        #expect(throws: NumberingError.invalidCountryCode) { try E164Number(digits: "074951112233") }
        #expect(throws: NumberingError.tooShort(digits: 6)) { try E164Number(digits: "749511") }
        #expect(throws: NumberingError.tooLong(digits: 16)) { try E164Number(digits: "7495111223344556") }
    }

    @Test(arguments: [
        ("", NumberingError.empty),
        ("   ", .empty),
        ("()--..", .empty),
        ("+", .empty),
        ("+ ( )", .empty),
        ("00", .empty),
        ("84951112233", .missingCountryCode),  // Russian trunk prefix 8: a national number
        ("4951112233", .missingCountryCode),
        ("1112233", .missingCountryCode),
        ("74951112233", .missingCountryCode),  // digits of an international number, but no + or 00
        ("0 495 111 22 33", .missingCountryCode),
        ("+0495111223", .invalidCountryCode),
        ("000495111223", .invalidCountryCode),
        ("+7495abc2233", .invalidCharacter(.letter)),
        ("alice", .invalidCharacter(.letter)),
        ("+7495ф112233", .invalidCharacter(.letter)),
        ("*100#", .invalidCharacter(.asterisk)),
        ("+7495111223#", .invalidCharacter(.hash)),
        ("#31#+74951112233", .invalidCharacter(.hash)),
        ("+7495/1112233", .invalidCharacter(.other)),
        ("+7,495,1112233", .invalidCharacter(.other)),
        ("+74951112233;ext=1", .invalidCharacter(.other)),
        ("+7495\u{FF11}112233", .invalidCharacter(.other)),  // a full-width digit
        ("+7495📞1112233", .invalidCharacter(.other)),
        ("++74951112233", .misplacedPlus),
        ("7+4951112233", .misplacedPlus),
        ("00+74951112233", .misplacedPlus),
        ("+7495+1112233", .misplacedPlus),
        ("+7495", .tooShort(digits: 4)),
        ("+123456", .tooShort(digits: 6)),
        ("00 7495 11", .tooShort(digits: 6)),
        ("+7495111223344556", .tooLong(digits: 16)),
        ("00 7495 1112233 4455 66", .tooLong(digits: 17)),
        ("+" + String(repeating: "1", count: 40), .tooLong(digits: 40)),
    ])
    func refuses(input: String, error: NumberingError) {
        #expect(throws: error) { try E164Number(dialled: input) }
    }

    @Test func lengthLimitsOfE164() throws {
        #expect(E164Number.maximumDigits == 15)
        #expect(E164Number.minimumDigits == 7)
        #expect(try E164Number(dialled: "+123456789012345").digitCount == 15)
        #expect(throws: NumberingError.tooLong(digits: 16)) { try E164Number(dialled: "+1234567890123456") }
        #expect(try E164Number(dialled: "+683 4002").digits == "6834002")  // Niue: the shortest in service
        #expect(throws: NumberingError.tooShort(digits: 6)) { try E164Number(dialled: "+683 400") }
        #expect(try E164Number(dialled: "00 123456789012345").digitCount == 15)  // 00 does not count
    }

    @Test func errorsAreAnsweredWith484() {
        for error in Self.everyError {
            #expect(error.statusCode == 484)
            #expect(error.description == "484 " + error.reasonPhrase)
        }
    }

    static let everyError: [NumberingError] = [
        .empty, .missingCountryCode, .invalidCountryCode, .invalidCharacter(.letter),
        .invalidCharacter(.asterisk), .invalidCharacter(.hash), .invalidCharacter(.other),
        .misplacedPlus, .tooShort(digits: 4), .tooLong(digits: 16), .localNumber,
    ]

    /// RFC 3261 §25.1: Reason-Phrase = *(reserved / unreserved / escaped / UTF8-NONASCII /
    /// UTF8-CONT / SP / HTAB). Our phrases are ASCII, so: alphanumerics, marks, reserved, space.
    @Test func reasonPhrasesAreValidSIPReasonPhrases() {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'();/?:@&=+$, ".utf8)
        for error in Self.everyError {
            let phrase = error.reasonPhrase
            #expect(!phrase.isEmpty)
            #expect(phrase.utf8.allSatisfy { allowed.contains($0) }, "\(phrase)")
            #expect(!phrase.utf8.contains(13) && !phrase.utf8.contains(10))
        }
        #expect(Set(Self.everyError.map(\.reasonPhrase)).count == Self.everyError.count, "each reason is distinct")
    }

    /// Every refusal about a missing part says how to dial, with the example of PRODUCT.md.
    @Test func reasonsSayHowToDial() {
        for error in Self.everyError where error != .tooLong(digits: 16) {
            #expect(error.reasonPhrase.contains("dial the full international number with the country code, e.g. +74951112233"))
        }
        #expect(NumberingError.missingCountryCode.reasonPhrase.hasPrefix("No country code"))
        #expect(NumberingError.tooShort(digits: 4).reasonPhrase.contains("4 digits, at least 7"))
        #expect(NumberingError.tooLong(digits: 16).reasonPhrase.contains("16 digits, at most 15 by ITU-T E.164"))
        #expect(NumberingError.invalidCharacter(.letter).reasonPhrase.hasPrefix("Letters"))
        #expect(NumberingError.invalidCharacter(.hash).reasonPhrase.hasPrefix("The hash sign"))
        #expect(NumberingError.invalidCharacter(.asterisk).reasonPhrase.hasPrefix("*"))
        #expect(NumberingError.localNumber.reasonPhrase.hasPrefix("Local numbers"))
    }

    @Test func equalNumbersHashEqual() throws {
        let a = try E164Number(dialled: "+7 495 111 22 33")
        let b = try E164Number(dialled: "0074951112233")
        let c = try E164Number(dialled: "+7 495 111 22 34")
        #expect(a == b)
        #expect(a != c)
        #expect(Set([a, b, c]).count == 2)
    }
}
