import Foundation

/// Test data: the RFC 4475 torture corpus and the benchmark messages in `../shared/conformance/`
/// (beside the package, never copied into it), and the project's realistic messages in
/// `Tests/SIPCoreTests/Fixtures/realistic/`.
enum Corpus {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let conformance = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance")
    static let torture = conformance.appendingPathComponent("rfc4475")
    static let realistic = packageRoot.appendingPathComponent("Tests/SIPCoreTests/Fixtures/realistic")

    /// One row of `rfc4475/MANIFEST.tsv`.
    struct TortureCase: Sendable, CustomStringConvertible {
        var file: String
        var section: String
        /// `valid`, `invalid` or `semantic:NNN`.
        var expected: String
        var bytes: [UInt8]
        var description: String { "\(file) (\(section))" }
    }

    static func read(_ url: URL) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            fatalError("cannot read \(url.path): is ../shared/conformance beside the package?")
        }
        return Array(data)
    }

    static let tortureCases: [TortureCase] = {
        let manifest = String(decoding: read(torture.appendingPathComponent("MANIFEST.tsv")), as: UTF8.self)
        return manifest.split(separator: "\n").dropFirst().map { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return TortureCase(file: columns[0], section: columns[1], expected: columns[3],
                               bytes: read(torture.appendingPathComponent(columns[0])))
        }
    }()

    static func torture(_ name: String) -> [UInt8] { read(torture.appendingPathComponent(name + ".dat")) }

    static let realisticNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: realistic.path)) ?? []
        return names.filter { $0.hasSuffix(".sip") }.sorted()
    }()

    static func realistic(_ name: String) -> [UInt8] { read(realistic.appendingPathComponent(name)) }

    static func bench(_ name: String) -> [UInt8] { read(conformance.appendingPathComponent("bench/" + name)) }
}

/// A message from text written with `\n` line ends, converted to CRLF.
func sip(_ text: String) -> [UInt8] {
    Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
}
