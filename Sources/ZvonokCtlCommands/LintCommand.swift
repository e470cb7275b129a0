import ArgumentParser
import Foundation
import SIPCore

/// `zvonokctl lint`: says, for each file holding one UDP datagram, whether Zvonok would process
/// the SIP message in it, reject it as unparseable (400), or parse it and answer with a specific
/// code — the judgement of `DatagramVerdict` (RFC 3261 §18.3 framing, then `validate`).
public struct LintCommand: ParsableCommand {
    /// How results are printed: sentences for people, or one tab-separated line per file for scripts.
    public enum Format: String, ExpressibleByArgument, CaseIterable, Sendable { case text, tsv }

    public static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check SIP messages the way the server would receive them.",
        discussion: """
            Each FILE is one UDP datagram ('-' reads standard input): bytes after the body that \
            Content-Length announces are ignored, and without Content-Length the body runs to the end.
            The tsv format prints FILE<TAB>VERDICT<TAB>CODE<TAB>REASON, VERDICT being valid (0), \
            invalid (400) or reject (the code a server must answer).
            Exit status: 0 when every message is valid, 1 when any is not, 2 on a usage error or an unreadable file.
            """
    )

    @Option(name: .long, help: "Output format: text or tsv.")
    public var format: Format = .text

    @Argument(help: "Files holding one message each; '-' for standard input.")
    public var files: [String] = []

    public init() {}

    public func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one FILE (or '-' for standard input)") }
    }

    public func run() throws {
        let status = Self.lint(files: files, format: format,
                               read: Self.readFile,
                               output: { print($0) },
                               errorOutput: { FileHandle.standardError.write(Data(("zvonokctl: " + $0 + "\n").utf8)) })
        if status != 0 { throw ExitCode(status) }
    }

    /// Lints `files`, writing one result per file to `output` and problems to `errorOutput`;
    /// returns the exit status (0 all valid, 1 any not valid, 2 any file unreadable).
    public static func lint(files: [String], format: Format, read: (String) throws -> [UInt8],
                            output: (String) -> Void, errorOutput: (String) -> Void) -> Int32 {
        var status: Int32 = 0
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = try read(file)
            } catch {
                errorOutput("cannot read \(file): \(error.localizedDescription)")
                status = 2
                continue
            }
            let verdict = DatagramVerdict.judge(bytes)
            output(render(file: file, verdict: verdict, format: format))
            if verdict.kind != .valid, status == 0 { status = 1 }
        }
        return status
    }

    static func render(file: String, verdict: DatagramVerdict, format: Format) -> String {
        let reason = verdict.reason.replacingOccurrences(of: "\t", with: " ")
        switch format {
        case .tsv:
            return "\(file)\t\(verdict.kind.rawValue)\t\(verdict.code)\t\(reason)"
        case .text:
            switch verdict.kind {
            case .valid: return "\(file): valid"
            case .invalid: return "\(file): invalid, a server answers 400 (\(reason))"
            case .reject: return "\(file): parses, but a server answers \(verdict.code) (\(reason))"
            }
        }
    }

    /// Reads a file, or standard input for "-".
    static func readFile(_ path: String) throws -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw LintError("is a directory")
        }
        return Array(try Data(contentsOf: url))
    }
}

struct LintError: Error, LocalizedError {
    let message: String
    init(_ message: String) { self.message = message }
    var errorDescription: String? { message }
}
