import Testing
@testable import ZvonokConfig

/// The strict address and host name checks behind listen points, domain, advertised and
/// metrics addresses.
@Suite struct HostSyntaxTests {
    @Test func ipv4() {
        #expect(HostSyntax.ipv4Bytes("192.0.2.255") == [192, 0, 2, 255])
        #expect(HostSyntax.ipv4Bytes("0.0.0.0") == [0, 0, 0, 0])
        for bad in ["192.0.2", "192.0.2.1.5", "192.0.2.256", "01.2.3.4", "1..2.3", "1.2.3.4 ", "a.b.c.d", "1.2.3.-4", ""] {
            #expect(HostSyntax.ipv4Bytes(Substring(bad)) == nil, "\(bad)")
        }
    }

    @Test func ipv6() {
        #expect(HostSyntax.ipv6Bytes("::") == Array(repeating: 0, count: 16))
        #expect(HostSyntax.ipv6Bytes("::1") == Array(repeating: 0, count: 15) + [1])
        #expect(HostSyntax.ipv6Bytes("2001:db8::ff00:42:8329")
            == [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29])
        #expect(HostSyntax.ipv6Bytes("::ffff:192.0.2.1") == Array(repeating: 0, count: 10) + [0xff, 0xff, 192, 0, 2, 1])
        #expect(HostSyntax.ipv6Bytes("1:2:3:4:5:6:7:8") != nil)
        #expect(HostSyntax.ipv6Bytes("1:2:3:4:5:6:7::") != nil)
        #expect(HostSyntax.ipv6Bytes("1:2:3:4:5:6:1.2.3.4") != nil)
        for bad in ["1:2:3:4:5:6:7", "1::2::3", ":::1", ":1::2", "12345::1", "g::1", "1:2:3:4:5:6:7:8:9",
                    "1:2:3:4:5:6:7::8", "::1.2.3.4:5", "fe80::1%eth0", "[::1]", ""] {
            #expect(HostSyntax.ipv6Bytes(Substring(bad)) == nil, "\(bad)")
        }
    }

    @Test func hostNames() {
        for good in ["zvonok.example", "sip.zvonok.example.", "localhost", "a-b.c0", "x1.example"] {
            #expect(HostSyntax.isHostName(Substring(good)), "\(good)")
        }
        for bad in ["zvonok..example", "-a.example", "a-.example", "a_b.example", "192.0.2.1", "example.1com",
                    String(repeating: "a", count: 64) + ".example", "", "."] {
            #expect(!HostSyntax.isHostName(Substring(bad)), "\(bad)")
        }
    }

    @Test func loopback() {
        #expect(HostSyntax.isLoopback([127, 0, 0, 1]))
        #expect(HostSyntax.isLoopback([127, 9, 9, 9]))
        #expect(!HostSyntax.isLoopback([10, 0, 0, 1]))
        #expect(HostSyntax.isLoopback(HostSyntax.ipv6Bytes("::1")!))
        #expect(HostSyntax.isLoopback(HostSyntax.ipv6Bytes("::ffff:127.0.0.1")!))
        #expect(!HostSyntax.isLoopback(HostSyntax.ipv6Bytes("::")!))
        #expect(!HostSyntax.isLoopback(HostSyntax.ipv6Bytes("::ffff:10.0.0.1")!))
    }

    @Test func hostPort() {
        for good in ["sip.zvonok.example", "sip.zvonok.example:5060", "203.0.113.7", "203.0.113.7:5080", "[2001:db8::1]",
                     "[2001:db8::1]:5060"] {
            #expect(HostSyntax.hostPortProblem(good) == nil, "\(good)")
        }
        #expect(HostSyntax.hostPortProblem("2001:db8::1") == "IPv6 address must be in brackets, optionally followed by :port")
        #expect(HostSyntax.hostPortProblem("[2001:db8::1") == "IPv6 address must be in brackets, optionally followed by :port")
        #expect(HostSyntax.hostPortProblem("[2001:db8::1]5060") == "expected :port after the IPv6 address")
        #expect(HostSyntax.hostPortProblem("[1::2::3]") == "\"1::2::3\" is not an IPv6 address")
        #expect(HostSyntax.hostPortProblem("sip_proxy.example") == "\"sip_proxy.example\" is not a host name or IPv4 address")
        #expect(HostSyntax.hostPortProblem("sip.example:0") == "port \"0\" is not a number from 1 to 65535")
        #expect(HostSyntax.hostPortProblem("sip.example:99999") == "port \"99999\" is not a number from 1 to 65535")
    }
}
