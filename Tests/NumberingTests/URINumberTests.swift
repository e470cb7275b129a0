import Testing
@testable import Numbering

/// Numbers from a `sip:` user part (RFC 3261 §19.1.6, with or without `;user=phone`) and
/// from a `tel:` URI (RFC 3966): global numbers only, RFC 3966 §5.1.1 visual separators.
@Suite struct URINumberTests {
    @Test(arguments: [
        ("+74951112233", "74951112233"),
        ("+7-495-111-22-33", "74951112233"),
        ("+7(495)111.22.33", "74951112233"),
        ("0074951112233", "74951112233"),  // softphones put what was keyed, 00 included
        ("%2B74951112233", "74951112233"),  // escaped as written in the URI
        ("%2b7-495-111-22-33", "74951112233"),
        ("+74951112233;isub=1234", "74951112233"),  // telephone-subscriber parameters are ignored
        ("+74951112233;ext=12;postd=pp22", "74951112233"),
        ("+74951112233;phone-context=+7", "74951112233"),  // a context on a global number changes nothing
        ("+74951112233;user=phone", "74951112233"),  // tolerated when a caller leaves the URI parameter on
    ])
    func sipUserPart(userPart: String, digits: String) throws {
        #expect(try E164Number.fromSIPUserPart(userPart).digits == digits)
    }

    @Test(arguments: [
        ("", NumberingError.empty),
        ("alice", .invalidCharacter(.letter)),
        ("alice.smith", .invalidCharacter(.letter)),
        ("74951112233", .missingCountryCode),
        ("84951112233", .missingCountryCode),
        ("84951112233;isub=1", .missingCountryCode),
        ("1112233;phone-context=+7495", .localNumber),
        ("1112233;PHONE-CONTEXT=example.com", .localNumber),
        ("*100#", .invalidCharacter(.asterisk)),
        ("+7 495 111 22 33", .invalidCharacter(.other)),  // no spaces in a URI
        ("+7%20495%201112233", .invalidCharacter(.other)),  // not even escaped
        ("+7[495]1112233", .invalidCharacter(.other)),  // only RFC 3966 visual separators
        ("%2G74951112233", .invalidCharacter(.other)),  // a malformed escape
        ("%2", .invalidCharacter(.other)),
        ("+7495", .tooShort(digits: 4)),
        ("+7495111223344556", .tooLong(digits: 16)),
        ("+0495111223", .invalidCountryCode),
        ("7+4951112233", .misplacedPlus),
    ])
    func sipUserPartRefused(userPart: String, error: NumberingError) {
        #expect(throws: error) { try E164Number.fromSIPUserPart(userPart) }
    }

    @Test(arguments: [
        ("+7-495-111-22-33", "74951112233"),
        ("+74951112233", "74951112233"),
        ("tel:+7-495-111-22-33", "74951112233"),
        ("TEL:+7.495.111.22.33", "74951112233"),
        ("+1-212-555-0123;ext=42", "12125550123"),
        ("+86(10)12345678", "861012345678"),
    ])
    func telURI(number: String, digits: String) throws {
        #expect(try E164Number.fromTelURI(number).digits == digits)
    }

    @Test(arguments: [
        ("", NumberingError.empty),
        ("tel:", .empty),
        ("+", .empty),
        ("1112233;phone-context=+7495", .localNumber),  // RFC 3966 §5.1.5 local number
        ("tel:1112233;phone-context=example.com", .localNumber),
        ("1112233", .localNumber),
        ("0074951112233", .localNumber),  // a tel: number without + is local, whatever its digits
        ("*100#;phone-context=+7", .localNumber),
        ("+7 495 111 22 33", .invalidCharacter(.other)),
        ("+7495abc2233", .invalidCharacter(.letter)),
        ("+7495", .tooShort(digits: 4)),
        ("+7495111223344556", .tooLong(digits: 16)),
    ])
    func telURIRefused(number: String, error: NumberingError) {
        #expect(throws: error) { try E164Number.fromTelURI(number) }
    }

    @Test func sameNumberWhicheverTheForm() throws {
        let dialled = try E164Number(dialled: "+7 (495) 111-22-33")
        #expect(try E164Number.fromSIPUserPart("+7-495-111-22-33") == dialled)
        #expect(try E164Number.fromTelURI("tel:+7-495-111-22-33") == dialled)
        #expect(try E164Number.fromTelURI(dialled.telURI) == dialled)
    }
}
