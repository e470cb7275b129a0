import Testing
import SIPCore
@testable import SIPTransport

/// RFC 3261 §18.2.1 / RFC 3581 §4 stamping and §18.2.2 response routing.
@Suite struct ViaReceptionTests {
    private func request(via: String) throws -> SIPMessage {
        try SIPMessage(parsing: """
        OPTIONS sip:zvonok.example SIP/2.0\r
        Via: \(via)\r
        Via: SIP/2.0/UDP proxy.example;branch=z9hG4bKproxy\r
        Max-Forwards: 70\r
        From: <sip:a@zvonok.example>;tag=1\r
        To: <sip:zvonok.example>\r
        Call-ID: c1\r
        CSeq: 1 OPTIONS\r
        Content-Length: 0\r
        \r

        """)
    }

    @Test func rportFilledAndReceivedAddedEvenWhenTheAddressMatches() throws {
        var m = try request(via: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;rport")
        ViaReception.stamp(&m, source: SocketAddress(ip: "192.0.2.1", port: 40000)!)
        let via = try #require(try m.topVia())
        #expect(via.received == "192.0.2.1")
        #expect(via.rport?.value == "40000")
        #expect(via.branch == "z9hG4bKa")
        #expect(try m.vias().count == 2)
    }

    @Test func receivedAddedWhenSentByIsAName() throws {
        var m = try request(via: "SIP/2.0/UDP client.example:5070;branch=z9hG4bKb")
        ViaReception.stamp(&m, source: SocketAddress(ip: "198.51.100.7", port: 5070)!)
        let via = try #require(try m.topVia())
        #expect(via.received == "198.51.100.7")
        #expect(via.rport == nil)
        #expect(ResponseRouting.destination(of: m) == SocketAddress(ip: "198.51.100.7", port: 5070))
    }

    @Test func nothingAddedWhenTheSentByAddressIsTheSource() throws {
        var m = try request(via: "SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKc")
        let before = m.serialized()
        ViaReception.stamp(&m, source: SocketAddress(ip: "192.0.2.1", port: 5062)!)
        #expect(m.serialized() == before)
        #expect(ResponseRouting.destination(of: m) == SocketAddress(ip: "192.0.2.1", port: 5062))
    }

    @Test func staleReceivedAndRportAreReplaced() throws {
        var m = try request(via: "SIP/2.0/UDP 10.0.0.5;received=1.1.1.1;rport=9;branch=z9hG4bKd")
        ViaReception.stamp(&m, source: SocketAddress(ip: "203.0.113.9", port: 61000)!)
        let via = try #require(try m.topVia())
        #expect(via.received == "203.0.113.9")
        #expect(via.rport?.value == "61000")
        #expect(via.parameters.filter { $0.name == "received" }.count == 1)
    }

    @Test func ipv6SourcesAreStampedWithoutBrackets() throws {
        var m = try request(via: "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKe;rport")
        ViaReception.stamp(&m, source: SocketAddress(ip: "::1", port: 5999)!)
        let via = try #require(try m.topVia())
        #expect(via.received == "::1")
        #expect(ResponseRouting.destination(of: m) == SocketAddress(ip: "::1", port: 5999))
    }

    @Test func theStampedViaStaysWhereItWasAndKeepsTheOthers() throws {
        var m = try request(via: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKh;rport")
        ViaReception.stamp(&m, source: SocketAddress(ip: "192.0.2.1", port: 40000)!)
        let lines = String(decoding: m.serialized(), as: UTF8.self).split(separator: "\r\n")
        #expect(lines[1] == "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKh;received=192.0.2.1;rport=40000")
        #expect(lines[2] == "Via: SIP/2.0/UDP proxy.example;branch=z9hG4bKproxy")
        #expect(lines[3] == "Max-Forwards: 70")
    }

    @Test func aTopViaSharingItsLineWithAnotherIsStampedAndTheOtherKept() throws {
        var m = try request(via: "SIP/2.0/UDP client.example;branch=z9hG4bKi, SIP/2.0/TCP relay.example;branch=z9hG4bKj")
        ViaReception.stamp(&m, source: SocketAddress(ip: "198.51.100.7", port: 5060)!)
        let vias = try m.vias()
        #expect(vias.map(\.branch) == ["z9hG4bKi", "z9hG4bKj", "z9hG4bKproxy"])
        #expect(vias[0].received == "198.51.100.7")
        #expect(vias[1].received == nil && vias[1].transport == "TCP")
    }

    @Test func anIPv6SentBySpelledAnotherWayStillMatchesTheSource() throws {
        var m = try request(via: "SIP/2.0/UDP [2001:DB8:0::1]:5060;branch=z9hG4bKk")
        let before = m.serialized()
        ViaReception.stamp(&m, source: SocketAddress(ip: "2001:db8::1", port: 5060)!)
        #expect(m.serialized() == before, "the same address: nothing to add")
    }

    @Test(arguments: ["0.0.0.0", "255.255.255.255", "10.0.0.1", "192.0.2.100", "127.0.0.1", "::1", "2001:db8::7:1"])
    func ipTextIsAppendedAsInetNtopWritesIt(ip: String) throws {
        let address = try #require(SocketAddress(ip: ip, port: 1))
        var out: [UInt8] = Array("x=".utf8)
        address.appendIPText(to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x=" + address.ipText)
        #expect(address.ipText == ip)
    }

    @Test func responsesGoToTheDefaultPortWithoutOne() throws {
        let m = try request(via: "SIP/2.0/UDP 192.0.2.44;branch=z9hG4bKf")
        #expect(ResponseRouting.destination(of: m) == SocketAddress(ip: "192.0.2.44", port: 5060))
        let named = try request(via: "SIP/2.0/UDP unresolved.example;branch=z9hG4bKg")
        #expect(ResponseRouting.destination(of: named) == nil)
    }

    @Test func largeRequestsGoOverTCP() {
        #expect(TransportSelection.transport(forRequestOf: 1300, preferred: .udp) == .udp)
        #expect(TransportSelection.transport(forRequestOf: 1301, preferred: .udp) == .tcp)
        #expect(TransportSelection.transport(forRequestOf: 100, preferred: .tcp) == .tcp)
        #expect(OutgoingVia.value(transport: .udp, sentBy: "192.0.2.1:5060", branchSuffix: "x1")
                == "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx1;rport")
    }

    @Test func socketAddressesParseCompareAndPrint() {
        let v4 = SocketAddress(ip: "127.0.0.1", port: 5060)!
        #expect(v4.description == "127.0.0.1:5060")
        #expect(v4.isLoopback)
        let v6 = SocketAddress(ip: "[::1]", port: 5060)!
        #expect(v6.description == "[::1]:5060")
        #expect(v6.isLoopback)
        #expect(v6 == SocketAddress(ip: "0:0:0:0:0:0:0:1", port: 5060))
        #expect(v6 != v6.withPort(5061))
        #expect(SocketAddress(ip: "2001:db8::1", port: 1)!.isLoopback == false)
        #expect(SocketAddress(ip: "10.0.0.1", port: 1)!.isLoopback == false)
        #expect(SocketAddress(ip: "host.example", port: 1) == nil)
        #expect(SocketAddress(ip: "1.2.3.4", port: 9)!.addressBytes == [1, 2, 3, 4])
    }
}

/// §18.1.1 on requests a client sends.
@Suite struct OutgoingRequestTests {
    private func request(via: String?, padding: Int = 0) throws -> SIPMessage {
        try SIPMessage(parsing: """
        MESSAGE sip:bob@192.0.2.9 SIP/2.0\r
        \(via.map { "Via: \($0)\r\n" } ?? "")Max-Forwards: 70\r
        From: <sip:alice@zvonok.example>;tag=1\r
        To: <sip:bob@zvonok.example>\r
        Call-ID: out-1\r
        CSeq: 1 MESSAGE\r
        Content-Type: text/plain\r
        Content-Length: \(padding)\r
        \r
        \(String(repeating: "x", count: padding))
        """)
    }

    @Test func aSmallRequestKeepsUDPAndGetsTheSocketsSentBy() throws {
        let small = try request(via: "SIP/2.0/UDP placeholder;branch=z9hG4bKtu1")
        #expect(TransportSelection.transport(forRequestOf: small.serializedCount, preferred: .udp) == .udp)
        let prepared = OutgoingRequest.prepare(small, transport: .udp, sentBy: "192.0.2.1:5060", branchSuffix: "unused")
        let via = try #require(try prepared.topVia())
        #expect(via.description == "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtu1")
    }

    @Test func aLargeRequestGoesOverTCPAndItsViaSaysSo() throws {
        let large = try request(via: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtu2", padding: 1400)
        let transport = TransportSelection.transport(forRequestOf: large.serializedCount, preferred: .udp, udpMTUBytes: 1300)
        #expect(transport == .tcp)
        let prepared = OutgoingRequest.prepare(large, transport: transport, sentBy: "192.0.2.1:5060", branchSuffix: "unused")
        let via = try #require(try prepared.topVia())
        #expect(via.transport == "TCP")
        #expect(via.branch == "z9hG4bKtu2")
        #expect(try prepared.vias().count == 1)
    }

    @Test func aRequestWithoutViaGetsOneWithTheMagicCookieAndRport() throws {
        let prepared = OutgoingRequest.prepare(try request(via: nil), transport: .tcp, sentBy: "[2001:db8::1]:5060",
                                               branchSuffix: "r4nd0m")
        let via = try #require(try prepared.topVia())
        #expect(via.hasRFC3261Branch)
        #expect(via.branch == "z9hG4bKr4nd0m")
        #expect(via.rport != nil)
        #expect(via.host == "[2001:db8::1]")
        #expect(via.transport == "TCP")
    }
}

/// §18.2.2 details: rport only for UDP, maddr never followed.
@Suite struct ResponseRoutingTests {
    private func response(via: String) throws -> SIPMessage {
        try SIPMessage(parsing: "SIP/2.0 200 OK\r\nVia: \(via)\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: r\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func aNewConnectionGoesToTheSentByPortNotTheEphemeralRport() throws {
        let m = try response(via: "SIP/2.0/TCP 10.0.0.5:5070;branch=z9hG4bKr;received=203.0.113.9;rport=61000")
        #expect(ResponseRouting.destination(of: m, reliable: true) == SocketAddress(ip: "203.0.113.9", port: 5070))
        #expect(ResponseRouting.destination(of: m, reliable: false) == SocketAddress(ip: "203.0.113.9", port: 61000))
        let noPort = try response(via: "SIP/2.0/TCP client.example;branch=z9hG4bKs;received=203.0.113.9;rport=61000")
        #expect(ResponseRouting.destination(of: noPort, reliable: true) == SocketAddress(ip: "203.0.113.9", port: 5060))
    }

    @Test func maddrIsNotFollowed() throws {
        let m = try response(via: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKm;maddr=198.51.100.66")
        #expect(ResponseRouting.destination(of: m) == SocketAddress(ip: "192.0.2.1", port: 5060))
    }
}
