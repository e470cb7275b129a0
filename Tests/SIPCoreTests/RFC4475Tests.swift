import Testing
@testable import SIPCore

/// RFC 4475: every torture message gets the verdict the manifest expects (`invalid` may also be
/// a 400 rejection), and every `valid`/`semantic` message parses (§1: a parser must not fail on them).
@Suite struct RFC4475Tests {
    @Test(arguments: Corpus.tortureCases)
    func verdictMatchesManifest(_ testCase: Corpus.TortureCase) {
        let verdict = DatagramVerdict.judge(testCase.bytes)
        switch testCase.expected {
        case "valid":
            #expect(verdict.kind == .valid, "\(testCase): \(verdict)")
        case "invalid":
            #expect(verdict.kind == .invalid || (verdict.kind == .reject && verdict.code == 400), "\(testCase): \(verdict)")
        default:
            let code = Int(testCase.expected.dropFirst("semantic:".count))
            #expect(verdict.kind == .reject && verdict.code == code, "\(testCase): \(verdict)")
        }
    }

    @Test(arguments: Corpus.tortureCases.filter { $0.expected != "invalid" })
    func wellFormedMessagesParse(_ testCase: Corpus.TortureCase) throws {
        let message = try SIPMessage(parsing: testCase.bytes)
        #expect(try SIPMessage(parsing: message.serialized()) == message)
    }

    @Test func corpusIsComplete() {
        #expect(Corpus.tortureCases.count == 49)
    }
}
