#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Logging
import Synchronization
import Testing
@testable import ZvonokServer

/// Lines collected from a `LogSink`, as text.
final class CollectedLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var sink: LogSink {
        LogSink { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            self.lines.withLock { $0.append(text) }
        }
    }
}

@Suite struct JournalLogHandlerTests {
    private func logger(
        _ label: String = "sip.test", control: LogLevelControl, collected: CollectedLines,
        includeTimestamp: Bool = false, provider: Logger.MetadataProvider? = nil
    ) -> Logger {
        Logger(label: label) { label in
            JournalLogHandler(
                label: label, control: control, includeTimestamp: includeTimestamp, sink: collected.sink,
                metadataProvider: provider)
        }
    }

    @Test(arguments: [
        (Logger.Level.trace, "<7>"), (.debug, "<7>"), (.info, "<6>"), (.notice, "<5>"), (.warning, "<4>"),
        (.error, "<3>"), (.critical, "<2>"),
    ])
    func eachLevelHasItsSyslogPriority(level: Logger.Level, prefix: String) {
        let collected = CollectedLines()
        let log = logger(control: LogLevelControl(.trace), collected: collected)
        log.log(level: level, "hello")
        #expect(collected.all == ["\(prefix)sip.test: hello\n"])
    }

    @Test func metadataIsSortedQuotedAndMergedWithExplicitWinning() {
        let collected = CollectedLines()
        let provider = Logger.MetadataProvider { ["worker": "3", "call": "from-provider"] }
        var log = logger(control: LogLevelControl(.info), collected: collected, provider: provider)
        log[metadataKey: "zone"] = "ru"
        log[metadataKey: "aor"] = "sip:alice@example.org"
        log.info(
            "binding stored",
            metadata: [
                "call": "abc@host", "ua": "Zoiper 5", "empty": "", "quote": "say \"hi\"", "eq": "a=b",
                "list": ["x", "y"],
            ])
        #expect(
            collected.all == [
                #"<6>sip.test: binding stored aor=sip:alice@example.org call=abc@host empty="" eq="a=b" list="[\"x\", \"y\"]" quote="say \"hi\"" ua="Zoiper 5" worker=3 zone=ru"#
                    + "\n"
            ])
    }

    @Test func aRecordIsAlwaysOneLine() {
        let collected = CollectedLines()
        let log = logger(control: LogLevelControl(.info), collected: collected)
        log.warning("two\nlines\r\tand a bell\u{07}", metadata: ["body": "INVITE\r\nVia: x"])
        #expect(collected.all == [#"<4>sip.test: two\nlines\r\tand a bell\x07 body="INVITE\r\nVia: x""# + "\n"])
    }

    @Test func anErrorIsWrittenAsMetadata() {
        struct Refused: Error, CustomStringConvertible { var description: String { "bind: in use" } }
        let collected = CollectedLines()
        let log = logger(control: LogLevelControl(.info), collected: collected)
        log.error("cannot listen", error: Refused())
        #expect(collected.all == [#"<3>sip.test: cannot listen error="bind: in use""# + "\n"])
    }

    @Test func changingTheSharedLevelAppliesToExistingLoggers() {
        let collected = CollectedLines()
        let control = LogLevelControl(.info)
        let first = logger("a", control: control, collected: collected)
        let second = logger("b", control: control, collected: collected)
        first.debug("hidden")
        second.info("shown")
        control.level = .debug
        #expect(first.logLevel == .debug)
        first.debug("now shown")
        second.trace("still hidden")
        control.level = .error
        second.warning("hidden again")
        second.error("error shown")
        #expect(collected.all == ["<6>b: shown\n", "<7>a: now shown\n", "<3>b: error shown\n"])
    }

    @Test func settingOneLoggersLevelPinsOnlyThatCopy() {
        let collected = CollectedLines()
        let control = LogLevelControl(.info)
        var pinned = logger("pinned", control: control, collected: collected)
        let shared = logger("shared", control: control, collected: collected)
        pinned.logLevel = .trace
        control.level = .critical
        pinned.trace("t")
        shared.error("e")
        #expect(collected.all == ["<7>pinned: t\n"])
        #expect(LogLevelControl(.notice).level == .notice)
    }

    @Test func timestampIsISO8601UTCWithMilliseconds() {
        var out: [UInt8] = []
        JournalLineFormat.appendTimestamp(timespec(tv_sec: 1_700_000_000, tv_nsec: 123_999_999), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "2023-11-14T22:13:20.123Z")
        out = []
        JournalLineFormat.appendTimestamp(timespec(tv_sec: 0, tv_nsec: 5_000_000), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "1970-01-01T00:00:00.005Z")
    }

    @Test func includeTimestampPutsTheTimeAfterThePriority() throws {
        let collected = CollectedLines()
        var before = timespec()
        clock_gettime(CLOCK_REALTIME, &before)
        logger(control: LogLevelControl(.info), collected: collected, includeTimestamp: true).notice("up")
        let line = try #require(collected.all.first)
        // <5>YYYY-MM-DDTHH:MM:SS.mmmZ sip.test: up
        #expect(line.hasPrefix("<5>"))
        #expect(line.hasSuffix("Z sip.test: up\n"))
        let stamp = Array(line.utf8.dropFirst(3).prefix(24))
        var expectedYear: [UInt8] = []
        JournalLineFormat.appendTimestamp(before, to: &expectedYear)
        #expect(stamp.count == 24 && stamp[4] == UInt8(ascii: "-") && stamp[10] == UInt8(ascii: "T"))
        #expect(Array(stamp.prefix(4)) == Array(expectedYear.prefix(4)))
    }

    @Test func anOverlongRecordIsCutOnACharacterBoundary() throws {
        let collected = CollectedLines()
        let log = logger(control: LogLevelControl(.info), collected: collected)
        log.info("\(String(repeating: "ж", count: 20_000))")
        let line = try #require(collected.all.first)
        #expect(line.utf8.count <= JournalLineFormat.maxLineBytes)
        #expect(line.hasSuffix(" [truncated]\n"))
        #expect(!line.contains("\u{FFFD}"))
    }

    @Test func concurrentLongLinesThroughAPipeNeverInterleave() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let sink = LogSink.fileDescriptor(fds[1])
        // Lines longer than PIPE_BUF (4096): the kernel may split each write, the lock may not.
        let lineLength = 10_000
        let writers = 8, perWriter = 20
        let readAll = DispatchQueue(label: "pipe-reader")
        let received = Mutex<[UInt8]>([])
        let done = DispatchSemaphore(value: 0)
        let readEnd = fds[0]
        readAll.async {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = read(readEnd, &chunk, chunk.count)
                if n <= 0 { break }
                received.withLock { $0.append(contentsOf: chunk[..<n]) }
            }
            done.signal()
        }
        DispatchQueue.concurrentPerform(iterations: writers) { writer in
            var line = [UInt8](repeating: UInt8(ascii: "a") + UInt8(writer), count: lineLength - 1)
            line.append(UInt8(ascii: "\n"))
            for _ in 0..<perWriter { line.withUnsafeBytes { sink.write($0) } }
        }
        close(fds[1])
        #expect(done.wait(timeout: .now() + 10) == .success)
        close(fds[0])
        let lines = received.withLock { $0 }.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == writers * perWriter)
        for line in lines {
            #expect(line.count == lineLength - 1 && Set(line).count == 1)
        }
    }

    @Test func bootstrapRunsOnceAndHandsBackTheSameControl() {
        let control = JournalLogHandler.bootstrap(level: .warning)
        let again = JournalLogHandler.bootstrap(level: .notice)
        #expect(control === again)
        #expect(control.level == .notice)
        let log = Logger(label: "after-bootstrap")
        #expect(log.handler is JournalLogHandler)
        #expect(log.logLevel == .notice)
        control.level = .error
        #expect(log.logLevel == .error)
    }
}
