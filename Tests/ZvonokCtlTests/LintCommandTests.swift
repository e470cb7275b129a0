import Foundation
import Testing
@testable import ZvonokCtlCommands

/// `zvonokctl lint`: output formats, exit statuses, and agreement with the RFC 4475 manifest.
@Suite struct LintCommandTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/conformance/rfc4475")

    struct Run {
        var status: Int32
        var lines: [String]
        var errors: [String]
    }

    static func lint(_ files: [String], format: LintCommand.Format = .tsv,
                     read: (String) throws -> [UInt8] = LintCommand.readFile) -> Run {
        var lines: [String] = []
        var errors: [String] = []
        let status = LintCommand.lint(files: files, format: format, read: read,
                                      output: { lines.append($0) }, errorOutput: { errors.append($0) })
        return Run(status: status, lines: lines, errors: errors)
    }

    @Test func tsvOverTheCorpusAgreesWithTheManifest() throws {
        let manifest = try String(contentsOf: Self.corpus.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8)
        let rows = manifest.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        let files = rows.map { Self.corpus.appendingPathComponent(String($0[0])).path }
        let run = Self.lint(files)
        #expect(run.status == 1)
        #expect(run.lines.count == rows.count)
        for (row, line) in zip(rows, run.lines) {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            #expect(columns.count == 4)
            let (verdict, code) = (columns[1], columns[2])
            switch String(row[3]) {
            case "valid": #expect(verdict == "valid" && code == "0", "\(line)")
            case "invalid": #expect((verdict == "invalid" || verdict == "reject") && code == "400", "\(line)")
            case let semantic: #expect(verdict == "reject" && "semantic:" + code == semantic, "\(line)")
            }
        }
    }

    @Test func exitStatuses() async {
        let valid = Self.corpus.appendingPathComponent("wsinv.dat").path
        let reject = Self.corpus.appendingPathComponent("zeromf.dat").path
        #expect(Self.lint([valid]).status == 0)
        #expect(Self.lint([valid, reject]).status == 1)
        let missing = Self.lint([valid, "/nonexistent/file.sip"])
        #expect(missing.status == 2)
        #expect(missing.lines.count == 1 && missing.errors.first?.contains("/nonexistent/file.sip") == true)
        #expect(await ZvonokCtl.run(arguments: ["lint"]) == 2)
        #expect(await ZvonokCtl.run(arguments: ["lint", "--format", "xml", valid]) == 2)
    }

    @Test func textFormatExplains() {
        let run = Self.lint([Self.corpus.appendingPathComponent("zeromf.dat").path, "stdin"], format: .text, read: { name in
            name == "stdin" ? Array("garbage\r\n\r\n".utf8) : try LintCommand.readFile(name)
        })
        #expect(run.lines[0].hasSuffix("zeromf.dat: parses, but a server answers 483 (too many hops)"))
        #expect(run.lines[1].hasPrefix("stdin: invalid, a server answers 400"))
    }
}
