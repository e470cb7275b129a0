import Testing
@testable import Numbering

/// The shipped numbering plan (`Sources/Numbering/Data/prefixes.tsv`) and its parser.
@Suite struct NumberingPlanTests {
    static let plan: NumberingPlan = {
        do { return try NumberingPlan.bundled() } catch { fatalError("the bundled numbering plan: \(error)") }
    }()

    /// The country codes assigned by the ITU (ITU-T E.164 list of assigned country codes,
    /// annex to the ITU Operational Bulletin): geographic areas, global services and networks.
    /// Kept here independently of the data file, so that a country missing there fails.
    static let ituCountryCodes: [String] = [
        "1", "7",
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
        "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
        "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
        "211", "212", "213", "216", "218", "220", "221", "222", "223", "224", "225", "226", "227",
        "228", "229", "230", "231", "232", "233", "234", "235", "236", "237", "238", "239", "240",
        "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253",
        "254", "255", "256", "257", "258", "260", "261", "262", "263", "264", "265", "266", "267",
        "268", "269", "290", "291", "297", "298", "299",
        "350", "351", "352", "353", "354", "355", "356", "357", "358", "359", "370", "371", "372",
        "373", "374", "375", "376", "377", "378", "379", "380", "381", "382", "383", "385", "386",
        "387", "389", "420", "421", "423",
        "500", "501", "502", "503", "504", "505", "506", "507", "508", "509", "590", "591", "592",
        "593", "594", "595", "596", "597", "598", "599",
        "670", "672", "673", "674", "675", "676", "677", "678", "679", "680", "681", "682", "683",
        "685", "686", "687", "688", "689", "690", "691", "692",
        "800", "808", "850", "852", "853", "855", "856", "870", "880", "881", "882", "883", "886", "888",
        "960", "961", "962", "963", "964", "965", "966", "967", "968", "970", "971", "972", "973",
        "974", "975", "976", "977", "979", "991", "992", "993", "994", "995", "996", "998",
    ]

    @Test func everyITUCountryCodeIsListed() {
        #expect(Set(Self.ituCountryCodes).count == Self.ituCountryCodes.count)
        for code in Self.ituCountryCodes {
            let entry = Self.plan.table.value(forPrefix: code)
            #expect(entry != nil, "country code +\(code) is missing")
        }
    }

    /// Country codes form a prefix code: no entry of one to three digits that is not an
    /// assigned country code, and none nested inside another (the plan's detail entries are
    /// all longer than their country code).
    @Test func noInventedCountryCodes() {
        let assigned = Set(Self.ituCountryCodes)
        let short = Self.plan.classes.map(\.prefix).filter { $0.count <= 3 }
        for prefix in short {
            let countryCode = Self.ituCountryCodes.first { prefix.hasPrefix($0) }
            #expect(countryCode != nil, "prefix \(prefix) is under no assigned country code")
            if prefix.count <= 3, assigned.contains(prefix) {
                #expect(!Self.ituCountryCodes.contains { $0 != prefix && prefix.hasPrefix($0) }, "\(prefix) nests in another code")
            }
        }
        for prefix in Self.plan.classes.map(\.prefix) {
            #expect(Self.ituCountryCodes.contains { prefix.hasPrefix($0) }, "prefix \(prefix) is under no assigned country code")
        }
    }

    @Test func spareCountryCodesHaveNoClass() throws {
        for spare in ["+999 1234567", "+210 1234567", "+259 1234567", "+388 1234567", "+969 1234567", "+8001234567"] {
            let number = try E164Number(dialled: spare)
            if number.digits.hasPrefix("800") {
                let country = Self.plan.classify(number)?.country
                #expect(country == "ZZ")
            } else {
                let classified = Self.plan.classify(number)
                #expect(classified == nil, "\(spare)")
            }
        }
    }

    @Test func theDataFileParsesWithUniquePrefixes() {
        let prefixes = Self.plan.classes.map(\.prefix)
        #expect(Set(prefixes).count == prefixes.count)
        #expect(Self.plan.count == prefixes.count)
        #expect(Self.plan.count >= 450)
        for entry in Self.plan.classes {
            #expect(entry.country.count == 2 && !entry.description.isEmpty)
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var dialled: String
        var country: String
        var kind: NumberClass.Kind
        var prefix: String
        var testDescription: String { dialled }
    }

    static let cases: [Case] = [
        // Russia, and the cities of the provider's free-direction list (PRODUCT.md)
        Case(dialled: "+7 495 111-22-33", country: "RU", kind: .landline, prefix: "7495"),
        Case(dialled: "+7 499 111-22-33", country: "RU", kind: .landline, prefix: "7499"),
        Case(dialled: "+7 812 111-22-33", country: "RU", kind: .landline, prefix: "7812"),
        Case(dialled: "+7 8442 11-22-33", country: "RU", kind: .landline, prefix: "78442"),  // Volgograd
        Case(dialled: "+7 343 111-22-33", country: "RU", kind: .landline, prefix: "7343"),  // Yekaterinburg
        Case(dialled: "+7 3952 11-22-33", country: "RU", kind: .landline, prefix: "73952"),  // Irkutsk
        Case(dialled: "+7 843 111-22-33", country: "RU", kind: .landline, prefix: "7843"),  // Kazan
        Case(dialled: "+7 861 111-22-33", country: "RU", kind: .landline, prefix: "7861"),  // Krasnodar
        Case(dialled: "+7 391 111-22-33", country: "RU", kind: .landline, prefix: "7391"),  // Krasnoyarsk
        Case(dialled: "+7 831 111-22-33", country: "RU", kind: .landline, prefix: "7831"),  // Nizhny Novgorod
        Case(dialled: "+7 383 111-22-33", country: "RU", kind: .landline, prefix: "7383"),  // Novosibirsk
        Case(dialled: "+7 342 111-22-33", country: "RU", kind: .landline, prefix: "7342"),  // Perm
        Case(dialled: "+7 863 111-22-33", country: "RU", kind: .landline, prefix: "7863"),  // Rostov-on-Don
        Case(dialled: "+7 846 111-22-33", country: "RU", kind: .landline, prefix: "7846"),  // Samara
        Case(dialled: "+7 8452 11-22-33", country: "RU", kind: .landline, prefix: "78452"),  // Saratov
        Case(dialled: "+7 351 111-22-33", country: "RU", kind: .landline, prefix: "7351"),  // Chelyabinsk
        Case(dialled: "+7 3955 11-22-33", country: "RU", kind: .landline, prefix: "7395"),  // Irkutsk Oblast, not the city
        Case(dialled: "+7 844 311-22-33", country: "RU", kind: .landline, prefix: "7844"),  // Volgograd Oblast
        Case(dialled: "+7 424 111-22-33", country: "RU", kind: .landline, prefix: "7424"),
        Case(dialled: "+7 351 5 11-22-33", country: "RU", kind: .landline, prefix: "7351"),
        Case(dialled: "+7 302 111-22-33", country: "RU", kind: .landline, prefix: "7302"),
        Case(dialled: "+7 304 111-22-33", country: "RU", kind: .landline, prefix: "73"),  // no region listed: landline
        Case(dialled: "+7 916 123-45-67", country: "RU", kind: .mobile, prefix: "79"),
        Case(dialled: "+7 999 123-45-67", country: "RU", kind: .mobile, prefix: "79"),
        Case(dialled: "+7 800 555-35-35", country: "RU", kind: .unknown, prefix: "7800"),
        Case(dialled: "+7 809 555-35-35", country: "RU", kind: .unknown, prefix: "7809"),
        Case(dialled: "+7 555 123-45-67", country: "RU", kind: .unknown, prefix: "7"),
        // Kazakhstan shares +7
        Case(dialled: "+7 701 123 45 67", country: "KZ", kind: .mobile, prefix: "7701"),
        Case(dialled: "+7 707 123 45 67", country: "KZ", kind: .mobile, prefix: "7707"),
        Case(dialled: "+7 747 123 45 67", country: "KZ", kind: .mobile, prefix: "7747"),
        Case(dialled: "+7 777 123 45 67", country: "KZ", kind: .mobile, prefix: "7777"),
        Case(dialled: "+7 778 123 45 67", country: "KZ", kind: .mobile, prefix: "7778"),
        Case(dialled: "+7 7172 12 34 56", country: "KZ", kind: .landline, prefix: "77172"),  // Astana
        Case(dialled: "+7 727 123 45 67", country: "KZ", kind: .landline, prefix: "7727"),  // Almaty
        Case(dialled: "+7 7212 12 34 56", country: "KZ", kind: .landline, prefix: "772"),  // Karaganda
        Case(dialled: "+7 7132 12 34 56", country: "KZ", kind: .landline, prefix: "771"),  // Aktobe
        Case(dialled: "+7 751 123 45 67", country: "KZ", kind: .unknown, prefix: "77"),
        Case(dialled: "+7 600 123 45 67", country: "KZ", kind: .unknown, prefix: "76"),
        // Ukraine
        Case(dialled: "+380 44 123 4567", country: "UA", kind: .landline, prefix: "38044"),  // Kyiv
        Case(dialled: "+380 32 123 4567", country: "UA", kind: .landline, prefix: "3803"),  // Lviv
        Case(dialled: "+380 56 123 4567", country: "UA", kind: .landline, prefix: "3805"),  // Dnipro
        Case(dialled: "+380 48 123 4567", country: "UA", kind: .landline, prefix: "3804"),  // Odesa
        Case(dialled: "+380 62 123 4567", country: "UA", kind: .landline, prefix: "3806"),
        Case(dialled: "+380 39 123 4567", country: "UA", kind: .mobile, prefix: "38039"),
        Case(dialled: "+380 50 123 4567", country: "UA", kind: .mobile, prefix: "38050"),
        Case(dialled: "+380 63 123 4567", country: "UA", kind: .mobile, prefix: "38063"),
        Case(dialled: "+380 66 123 4567", country: "UA", kind: .mobile, prefix: "38066"),
        Case(dialled: "+380 67 123 4567", country: "UA", kind: .mobile, prefix: "38067"),
        Case(dialled: "+380 68 123 4567", country: "UA", kind: .mobile, prefix: "38068"),
        Case(dialled: "+380 73 123 4567", country: "UA", kind: .mobile, prefix: "38073"),
        Case(dialled: "+380 89 123 4567", country: "UA", kind: .mobile, prefix: "38089"),
        Case(dialled: "+380 91 123 4567", country: "UA", kind: .mobile, prefix: "38091"),
        Case(dialled: "+380 99 123 4567", country: "UA", kind: .mobile, prefix: "38099"),
        Case(dialled: "+380 800 123 456", country: "UA", kind: .unknown, prefix: "380"),
        // Uzbekistan
        Case(dialled: "+998 90 123 45 67", country: "UZ", kind: .mobile, prefix: "99890"),
        Case(dialled: "+998 33 123 45 67", country: "UZ", kind: .mobile, prefix: "99833"),
        Case(dialled: "+998 50 123 45 67", country: "UZ", kind: .mobile, prefix: "99850"),
        Case(dialled: "+998 77 123 45 67", country: "UZ", kind: .mobile, prefix: "99877"),
        Case(dialled: "+998 88 123 45 67", country: "UZ", kind: .mobile, prefix: "99888"),
        Case(dialled: "+998 97 123 45 67", country: "UZ", kind: .mobile, prefix: "99897"),
        Case(dialled: "+998 55 123 45 67", country: "UZ", kind: .landline, prefix: "99855"),  // Uztelecom fixed/VoIP
        Case(dialled: "+998 71 123 45 67", country: "UZ", kind: .landline, prefix: "99871"),  // Tashkent
        Case(dialled: "+998 66 123 45 67", country: "UZ", kind: .landline, prefix: "9986"),  // Samarkand
        Case(dialled: "+998 75 123 45 67", country: "UZ", kind: .landline, prefix: "9987"),
        // China
        Case(dialled: "+86 138 1234 5678", country: "CN", kind: .mobile, prefix: "8613"),
        Case(dialled: "+86 147 1234 5678", country: "CN", kind: .mobile, prefix: "8614"),
        Case(dialled: "+86 159 1234 5678", country: "CN", kind: .mobile, prefix: "8615"),
        Case(dialled: "+86 166 1234 5678", country: "CN", kind: .mobile, prefix: "8616"),
        Case(dialled: "+86 177 1234 5678", country: "CN", kind: .mobile, prefix: "8617"),
        Case(dialled: "+86 188 1234 5678", country: "CN", kind: .mobile, prefix: "8618"),
        Case(dialled: "+86 199 1234 5678", country: "CN", kind: .mobile, prefix: "8619"),
        Case(dialled: "+86 10 1234 5678", country: "CN", kind: .landline, prefix: "8610"),  // Beijing
        Case(dialled: "+86 21 1234 5678", country: "CN", kind: .landline, prefix: "8621"),  // Shanghai
        Case(dialled: "+86 755 1234 5678", country: "CN", kind: .landline, prefix: "867"),  // Shenzhen
        Case(dialled: "+86 571 1234 5678", country: "CN", kind: .landline, prefix: "865"),  // Hangzhou
        Case(dialled: "+86 400 123 4567", country: "CN", kind: .unknown, prefix: "86400"),
        // Country level elsewhere, and shared codes
        Case(dialled: "+1 212 555 0123", country: "US", kind: .unknown, prefix: "1"),
        Case(dialled: "+1 416 555 0123", country: "CA", kind: .unknown, prefix: "1416"),
        Case(dialled: "+1 876 555 0123", country: "JM", kind: .unknown, prefix: "1876"),
        Case(dialled: "+1 787 555 0123", country: "PR", kind: .unknown, prefix: "1787"),
        Case(dialled: "+44 20 7946 0018", country: "GB", kind: .unknown, prefix: "44"),
        Case(dialled: "+44 1481 123456", country: "GG", kind: .landline, prefix: "441481"),
        Case(dialled: "+49 30 1234567", country: "DE", kind: .unknown, prefix: "49"),
        Case(dialled: "+39 06 698 12345", country: "VA", kind: .landline, prefix: "3906698"),
        Case(dialled: "+39 06 1234 5678", country: "IT", kind: .unknown, prefix: "39"),
        Case(dialled: "+375 29 123 45 67", country: "BY", kind: .unknown, prefix: "375"),
        Case(dialled: "+383 44 123 456", country: "XK", kind: .unknown, prefix: "383"),
        Case(dialled: "+262 269 12 34 56", country: "YT", kind: .landline, prefix: "262269"),
        Case(dialled: "+262 262 12 34 56", country: "RE", kind: .unknown, prefix: "262"),
        Case(dialled: "+683 4002", country: "NU", kind: .unknown, prefix: "683"),
        Case(dialled: "+881 6 1234 5678", country: "ZZ", kind: .mobile, prefix: "8816"),  // Iridium
        Case(dialled: "+882 34 1234 5678", country: "ZZ", kind: .unknown, prefix: "882"),
        Case(dialled: "+992 93 123 4567", country: "TJ", kind: .unknown, prefix: "992"),
        Case(dialled: "+996 555 123 456", country: "KG", kind: .unknown, prefix: "996"),
    ]

    @Test(arguments: cases)
    func classifies(_ c: Case) throws {
        let number = try E164Number(dialled: c.dialled)
        let classified = Self.plan.classify(number)  // a local, so that a failure prints the class, not the plan
        let found = try #require(classified, "\(number) has no class")
        #expect(found.country == c.country)
        #expect(found.kind == c.kind)
        #expect(found.prefix == c.prefix)
        #expect(number.digits.hasPrefix(found.prefix))
        #expect(!found.description.isEmpty)
    }

    @Test func descriptionsOfTheFreeDirectionCities() throws {
        let cities = [
            "+78442112233": "Volgograd", "+73431112233": "Yekaterinburg", "+73952112233": "Irkutsk",
            "+78431112233": "Kazan", "+78611112233": "Krasnodar", "+73911112233": "Krasnoyarsk",
            "+74951112233": "Moscow", "+74991112233": "Moscow", "+78311112233": "Nizhny Novgorod",
            "+73831112233": "Novosibirsk", "+73421112233": "Perm", "+78631112233": "Rostov-on-Don",
            "+78461112233": "Samara", "+78121112233": "St Petersburg", "+78452112233": "Saratov",
            "+73511112233": "Chelyabinsk",
        ]
        for (dialled, city) in cities {
            #expect(Self.plan.classify(try E164Number(dialled: dialled))?.description == city)
        }
    }

    /// 7 vs 79 vs 7495 vs 77: the rule PRODUCT.md rates by.
    @Test func longestPrefixAcrossRussiaAndKazakhstan() throws {
        func prefix(_ dialled: String) throws -> String? { Self.plan.classify(try E164Number(dialled: dialled))?.prefix }
        #expect(try prefix("+7 555 1112233") == "7")
        #expect(try prefix("+7 916 1112233") == "79")
        #expect(try prefix("+7 495 1112233") == "7495")
        #expect(try prefix("+7 751 1112233") == "77")
        #expect(try prefix("+7 701 1112233") == "7701")
        #expect(Self.plan.table.value(forPrefix: "7")?.country == "RU")
        #expect(Self.plan.table.value(forPrefix: "77")?.country == "KZ")
        #expect(Self.plan.table.value(forPrefix: "79")?.kind == .mobile)
    }

    /// The SMS rule of PRODUCT.md needs: RU (+79), UA, KZ (+77) and UZ mobiles are `.mobile`.
    @Test func mobilesOfTheFreeSMSCountries() throws {
        for dialled in ["+79161234567", "+380501234567", "+77011234567", "+998901234567"] {
            #expect(Self.plan.classify(try E164Number(dialled: dialled))?.kind == .mobile, "\(dialled)")
        }
        for dialled in ["+74951112233", "+380441234567", "+77172123456", "+998711234567"] {
            #expect(Self.plan.classify(try E164Number(dialled: dialled))?.kind == .landline, "\(dialled)")
        }
    }

    /// The shipped plan's trie against a linear scan over its own entries, on random numbers
    /// both uniform and drawn under listed prefixes.
    @Test func bundledPlanAgreesWithALinearScan() throws {
        var random = SeededGenerator(seed: 0x5A1F)
        let entries = Self.plan.classes
        for round in 0..<5_000 {
            let digits: String
            if round.isMultiple(of: 2) {
                let base = entries[Int.random(in: 0..<entries.count, using: &random)].prefix
                digits = base + random.digits(max(0, Int.random(in: 7...15, using: &random) - base.count))
            } else {
                digits = String(Int.random(in: 1...9, using: &random)) + random.digits(Int.random(in: 6...14, using: &random))
            }
            let number = try E164Number(digits: digits)
            let expected = entries.filter { digits.hasPrefix($0.prefix) }.max { $0.prefix.count < $1.prefix.count }
            let classified = Self.plan.classify(number)
            #expect(classified == expected, "\(digits)")
        }
    }

    // MARK: Parsing

    @Test func parsesCommentsBlankLinesAndCRLF() throws {
        let plan = try NumberingPlan(parsing: "# a comment\r\n\r\n7\tRU\tany\tRussia\r\n   \n79\tRU\tmobile\tRussia, mobile\n7495\tRU\tlandline\tMoscow")
        #expect(plan.count == 3)
        #expect(plan.classify(try E164Number(dialled: "+74951112233")) == NumberClass(country: "RU", kind: .landline, prefix: "7495", description: "Moscow"))
        #expect(plan.classify(try E164Number(dialled: "+79161112233"))?.kind == .mobile)
        #expect(try NumberingPlan(parsing: "").count == 0)
    }

    @Test(arguments: [
        ("7\tRU\tany", "expected 4 TAB-separated fields"),
        ("7 RU any Russia", "expected 4 TAB-separated fields"),
        ("7\tRU\tany\tRussia\textra", "found 5"),
        ("7a\tRU\tany\tRussia", "prefix \"7a\""),
        ("+7\tRU\tany\tRussia", "prefix \"+7\""),
        ("\tRU\tany\tRussia", "prefix \"\""),
        ("1234567890123456\tRU\tany\tRussia", "not 1 to 15 digits"),
        ("7\tru\tany\tRussia", "country \"ru\""),
        ("7\tRUS\tany\tRussia", "country \"RUS\""),
        ("7\tRU\tfixed\tRussia", "kind \"fixed\""),
        ("7\tRU\tMobile\tRussia", "kind \"Mobile\""),
        ("7\tRU\tany\t", "description"),
        ("7\tRU\tany\tРоссия", "not printable ASCII"),
    ])
    func malformedLineNamesItsNumber(line: String, reason: String) {
        let text = "# header\n1\tUS\tany\tNANP\n\n" + line + "\n86\tCN\tany\tChina\n"
        do {
            _ = try NumberingPlan(parsing: text)
            Issue.record("accepted a malformed line: \(line)")
        } catch {
            #expect(error.line == 4)
            #expect(error.description.hasPrefix("line 4: "))
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func duplicatePrefixNamesBothLines() {
        let text = "7\tRU\tany\tRussia\n79\tRU\tmobile\tmobile\n# again\n7\tKZ\tany\tKazakhstan\n"
        #expect(throws: NumberingPlanError.duplicatePrefix(prefix: "7", line: 4, firstLine: 1)) {
            try NumberingPlan(parsing: text)
        }
        #expect(NumberingPlanError.duplicatePrefix(prefix: "7", line: 4, firstLine: 1).description
            == "line 4: prefix 7 is already listed on line 1")
    }

    @Test func bundledIsParsedOnce() throws {
        let a = try NumberingPlan.bundled(), b = try NumberingPlan.bundled()
        #expect(a.count == b.count)
        #expect(a.classes == b.classes)
    }
}
