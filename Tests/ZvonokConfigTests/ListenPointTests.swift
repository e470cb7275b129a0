import Testing
@testable import ZvonokConfig

/// `transport:address:port` parsing, printing and the messages for malformed forms.
@Suite struct ListenPointTests {
    @Test func parsesIPv4AndBracketedIPv6() throws {
        let v4 = try ListenPoint(parsing: "udp:127.0.0.1:5060")
        #expect(v4 == ListenPoint(transport: .udp, address: "127.0.0.1", port: 5060))
        #expect(!v4.isIPv6 && !v4.isWildcard)
        let v6 = try ListenPoint(parsing: "tcp:[::]:5070")
        #expect(v6 == ListenPoint(transport: .tcp, address: "::", port: 5070))
        #expect(v6.isIPv6 && v6.isWildcard)
        #expect(try ListenPoint(parsing: "TCP:[2001:db8::1]:65535").transport == .tcp)
        #expect(try ListenPoint(parsing: "udp:[::ffff:192.0.2.1]:1").address == "::ffff:192.0.2.1")
    }

    @Test(arguments: ["udp:0.0.0.0:5060", "tcp:[::1]:5060", "udp:[2001:db8::5]:15060", "tcp:192.0.2.10:1"])
    func descriptionIsTheParsedForm(text: String) throws {
        #expect(try ListenPoint(parsing: text).description == text)
    }

    @Test(arguments: [
        ("udp:[::1:5060", "IPv6 address must be in brackets followed by :port"),
        ("udp:::1:5060", "IPv6 address must be in brackets followed by :port"),
        ("udp:[::1]", "IPv6 address must be in brackets followed by :port"),
        ("udp:[::1]5060", "IPv6 address must be in brackets followed by :port"),
        ("tls:0.0.0.0:5061", "unknown transport \"tls\" (expected udp or tcp)"),
        ("ws:0.0.0.0:80", "unknown transport \"ws\" (expected udp or tcp)"),
        ("0.0.0.0:5060", "missing transport; expected transport:address:port, e.g. udp:0.0.0.0:5060 or tcp:[::1]:5060"),
        ("[::]:5060", "missing transport; expected transport:address:port, e.g. udp:0.0.0.0:5060 or tcp:[::1]:5060"),
        ("udp", "expected transport:address:port, e.g. udp:0.0.0.0:5060 or tcp:[::1]:5060"),
        ("", "empty listen point; expected transport:address:port, e.g. udp:0.0.0.0:5060 or tcp:[::1]:5060"),
        ("udp:0.0.0.0", "missing :port after the address"),
        ("udp:localhost:5060", "\"localhost\" is a host name; use an IP address (names are not resolved)"),
        ("udp:256.0.0.1:5060", "\"256.0.0.1\" is not an IPv4 address"),
        ("udp:010.0.0.1:5060", "\"010.0.0.1\" is not an IPv4 address"),
        ("udp:1.2.3:5060", "\"1.2.3\" is not an IPv4 address"),
        ("udp:[fe80::1%eth0]:5060", "\"fe80::1%eth0\" is not an IPv6 address"),
        ("udp:[1:2:3:4:5:6:7:8:9]:5060", "\"1:2:3:4:5:6:7:8:9\" is not an IPv6 address"),
        ("udp:0.0.0.0:0", "port \"0\" is not a number from 1 to 65535"),
        ("udp:0.0.0.0:65536", "port \"65536\" is not a number from 1 to 65535"),
        ("udp:0.0.0.0:", "port \"\" is not a number from 1 to 65535"),
        ("udp:0.0.0.0:05060", "port \"05060\" is not a number from 1 to 65535"),
        ("udp:0.0.0.0:+5060", "port \"+5060\" is not a number from 1 to 65535"),
    ])
    func refusesMalformedForms(text: String, reason: String) {
        #expect(throws: ListenPoint.ParseError(reason: reason)) { try ListenPoint(parsing: text) }
    }

    @Test func sameSocketWrittenTwoWaysHasOneIdentity() throws {
        let a = try ListenPoint(parsing: "udp:[::1]:5060")
        let b = try ListenPoint(parsing: "udp:[0:0:0::1]:5060")
        let c = try ListenPoint(parsing: "tcp:[::1]:5060")
        #expect(a.bindingIdentity == b.bindingIdentity)
        #expect(a.bindingIdentity != c.bindingIdentity)
    }
}
