import Testing
@testable import Billing

@Suite struct TariffCSVTests {
    @Test func parsesAWellFormedSheet() throws {
        let text = #"""
            prefix,description,price_per_minute,increment,connection_fee,valid_from,valid_until
            7495,Moscow landline,1.50,60/60,,,
            +79,Russia mobile,2.95,1/1,0.50,2025-10-01,
            86,"China, all ""operators""",4,30/6,,,2026-01-01

            """#
        let rates = try TariffCSV.parse(text)
        #expect(rates.count == 3)
        #expect(rates[0] == Rate(prefix: "7495", description: "Moscow landline", pricePerMinuteMinor: 150, increment: .perMinute))
        #expect(rates[1].prefix == "79")
        #expect(rates[1].connectionFeeMinor == 50)
        #expect(rates[1].validity == ValidityPeriod(from: Fixture.october1Moscow, until: nil))
        #expect(rates[2].description == "China, all \"operators\"")
        #expect(rates[2].pricePerMinuteMinor == 400)
        #expect(rates[2].increment == BillingIncrement(firstSeconds: 30, nextSeconds: 6))
        #expect(rates[2].validity.until == BillingTime(Fixture.date(2026, 1, 1), utcOffsetSeconds: Fixture.moscow))
    }

    @Test func columnsInAnyOrderCRLFAndByteOrderMark() throws {
        let text = "\u{FEFF}increment,prefix,price_per_minute,description\r\n1/1,7,1.20,Russia\r\n"
        let rates = try TariffCSV.parse(text)
        #expect(rates == [Rate(prefix: "7", description: "Russia", pricePerMinuteMinor: 120, increment: .perSecond)])
    }

    @Test func datesUseThePlansOffset() throws {
        let text = "prefix,description,price_per_minute,increment,valid_from\n7,Russia,1,1/1,2025-10-01\n"
        let utc = try TariffCSV.parse(text, utcOffsetSeconds: 0)
        #expect(utc[0].validity.from == BillingTime(unixSeconds: 1_759_276_800))
        let moscow = try TariffCSV.parse(text)
        #expect(moscow[0].validity.from == BillingTime(unixSeconds: 1_759_276_800 - 10_800))
    }

    static let header = "prefix,description,price_per_minute,increment,connection_fee,valid_from,valid_until"

    /// Each bad file, the line its error must name, and a word of its message.
    static let badFiles: [(text: String, line: Int, column: String?, mentions: String)] = [
        ("", 1, nil, "header"),
        ("prefix,description,price,increment\n", 1, nil, "unknown column"),
        ("prefix,description,increment\n", 1, nil, "price_per_minute"),
        ("prefix,prefix,description,price_per_minute,increment\n", 1, nil, "twice"),
        ("prefix,description,price_per_minute,increment,prefix\n", 1, nil, "twice"),
        (header + "\n7495,Moscow,1.50,60/60,,,\n7812,SPb,1.505,60/60,,,\n", 3, "price_per_minute", "1.505"),
        (header + "\n7495,Moscow,1.50,60/60,,,\n\n7812,SPb,1.50,60,,,\n", 4, "increment", "first/next"),
        (header + "\n7495,Moscow,1.50,0/60,,,\n", 2, "increment", "first/next"),
        (header + "\n74 95,Moscow,1.50,60/60,,,\n", 2, "prefix", "digits"),
        (header + "\n,Moscow,1.50,60/60,,,\n", 2, "prefix", "digits"),
        (header + "\n7495,Moscow,-1.50,60/60,,,\n", 2, "price_per_minute", "not negative"),
        (header + "\n7495,Moscow,,60/60,,,\n", 2, "price_per_minute", "amount"),
        (header + "\n7495,Moscow,2000000,60/60,,,\n", 2, "price_per_minute", "maximum"),
        (header + "\n7495,Moscow,1.50,60/60,x,,\n", 2, "connection_fee", "amount"),
        (header + "\n7495,Moscow,1.50,60/60,,2025-10-32,\n", 2, "valid_from", "YYYY-MM-DD"),
        (header + "\n7495,Moscow,1.50,60/60,,2025-10-02,2025-10-01\n", 2, "valid_until", "after"),
        (header + "\n7495,Moscow,1.50,60/60,,\n", 2, nil, "expected 7 fields, found 6"),
        (header + "\n7495,\"Moscow,1.50,60/60,,,\n", 2, nil, "unterminated"),
        (header + "\n7495,Mos\"cow,1.50,60/60,,,\n", 2, nil, "quote"),
        (header + "\n7495,\"Moscow\"x,1.50,60/60,,,\n", 2, nil, "after a closing quote"),
        (header + "\n7495,Moscow,1.50,60/60,,,\n7,Russia,1,60/60,,,\n+7495,Moscow again,1.40,60/60,,2025-10-01,\n", 4, "prefix", "line 2"),
    ]

    @Test(arguments: badFiles)
    func errorsNameTheirLine(text: String, line: Int, column: String?, mentions: String) throws {
        do {
            let rates = try TariffCSV.parse(text)
            Issue.record("expected an error at line \(line), parsed \(rates.count) rates")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.column == column, "\(error)")
            #expect(error.description.contains(mentions), "\(error)")
            #expect(error.description.hasPrefix("line \(line)"))
        }
    }

    @Test func samePrefixWithDisjointPeriodsIsAccepted() throws {
        let text = Self.header + "\n7495,old,1.50,60/60,,,2025-10-01\n7495,new,1.40,60/60,,2025-10-01,\n"
        let rates = try TariffCSV.parse(text)
        let plan = try TariffPlan(name: "P", rates: rates)
        #expect(plan.rate(for: "74951112233", at: Fixture.october1Moscow.adding(seconds: -1))?.description == "old")
        #expect(plan.rate(for: "74951112233", at: Fixture.october1Moscow)?.description == "new")
    }

    @Test func theExampleSheetParses() throws {
        let rates = ExampleTariffs.rates()
        #expect(rates.count == 12)
        #expect(rates.first { $0.prefix == "380" }?.connectionFeeMinor == 50)
    }
}
