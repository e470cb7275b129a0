import Testing
@testable import SIPCore

/// Stream framing for TCP/TLS (RFC 3261 §18.3) and RFC 5626 keep-alives.
@Suite struct StreamFramerTests {
    static let invite = Corpus.bench("invite.sip")
    static let register = Corpus.bench("register.sip")

    func drain(_ framer: inout StreamFramer) throws -> [StreamFramer.Frame] {
        var frames: [StreamFramer.Frame] = []
        while let frame = try framer.next() { frames.append(frame) }
        return frames
    }

    @Test func splitsMessagesDeliveredByteByByte() throws {
        var framer = StreamFramer()
        let stream = [0x0D, 0x0A] + Self.invite + Self.register
        var frames: [StreamFramer.Frame] = []
        for byte in stream {
            framer.append([byte])
            frames += try drain(&framer)
        }
        #expect(frames == [.message(try SIPMessage(parsing: Self.invite)), .message(try SIPMessage(parsing: Self.register))])
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func splitsMessagesDeliveredTogether() throws {
        var framer = StreamFramer()
        framer.append(Self.register + Self.invite + Self.register)
        let frames = try drain(&framer)
        #expect(frames.count == 3)
        if case .message(let m) = frames[1] { #expect(m.body.count == 244) } else { Issue.record("expected a message") }
    }

    @Test func keepAlivesByRole() throws {
        var server = StreamFramer(role: .server)
        server.append([0x0D, 0x0A])
        #expect(try server.next() == nil)  // maybe half a ping
        server.append([0x0D, 0x0A])
        #expect(try server.next() == .ping)
        server.append([0x0D, 0x0A] + Self.register)
        #expect(try drain(&server).count == 1)  // a lone CRLF before a message is skipped

        var client = StreamFramer(role: .client)
        client.append([0x0D, 0x0A])
        #expect(try client.next() == .pong)
        client.append([0x0D, 0x0A, 0x0D, 0x0A])
        #expect(try drain(&client) == [.pong, .pong])
    }

    @Test func aMessageWithoutContentLengthIsRefused() {
        var framer = StreamFramer()
        framer.append(sip("OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\n\n"))
        #expect(throws: SIPParseError.self) { try framer.next() }
        #expect(throws: SIPParseError.self) { try framer.next() }  // stays failed
    }

    @Test func limitsBoundTheBuffer() {
        let limits = SIPParserLimits(maxMessageBytes: 512)
        var endless = StreamFramer(limits: limits)
        endless.append(Array("OPTIONS sip:a@b SIP/2.0\r\n".utf8))
        var threw = false
        for _ in 0..<100 where !threw {
            endless.append(Array("X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".utf8))
            do { _ = try endless.next() } catch { threw = error.statusCode == 513 }
        }
        #expect(threw)
        var huge = StreamFramer(limits: limits)
        huge.append(sip("OPTIONS sip:a@b SIP/2.0\nContent-Length: 100000\n\n"))
        #expect(throws: SIPParseError.self) { try huge.next() }
    }

    @Test func negativeContentLengthBreaksTheStream() {
        var framer = StreamFramer()
        framer.append(Corpus.torture("ncl"))
        #expect(throws: SIPParseError.self) { try framer.next() }
    }
}
