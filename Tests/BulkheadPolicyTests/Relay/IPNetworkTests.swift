import BulkheadPolicy
import Testing

/// Who may relay without AUTH: CIDR networks, IPv4 and IPv6, strict parsing.
@Suite struct IPNetworkTests {
    @Test func containsWhatIsInsideTheMaskAndNothingElse() throws {
        let v4 = try IPNetwork(parsing: "192.168.0.0/16")
        #expect(v4.contains("192.168.4.20") && v4.contains("192.168.255.255") && v4.contains("::ffff:192.168.1.1"))
        #expect(!v4.contains("192.169.0.1") && !v4.contains("10.0.0.1") && !v4.contains("::1") && !v4.contains("not an ip"))
        let host = try IPNetwork(parsing: "127.0.0.1")
        #expect(host.description == "127.0.0.1/32" && host.contains("127.0.0.1") && !host.contains("127.0.0.2"))
        let v6 = try IPNetwork(parsing: "2001:db8::/32")
        #expect(v6.contains("2001:db8:ffff::1") && !v6.contains("2001:db9::1") && !v6.contains("192.0.2.1"))
        #expect(try IPNetwork(parsing: "::1/128").contains("::1"))
        #expect(try IPNetwork(parsing: "0.0.0.0/0").contains("203.0.113.9"))
        #expect(try IPNetwork(parsing: "::ffff:10.0.0.0/104").contains("::ffff:10.1.2.3"))
        let odd = try IPNetwork(parsing: "10.0.0.0/9")
        #expect(odd.contains("10.127.0.1") && !odd.contains("10.128.0.1"))
    }

    @Test func refusesWhatIsNotANetwork() {
        for text in [
            "", "/8", "10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.4/08x",
            "::1/129", "1:2:3:4:5:6:7:8:9", "1::2::3", "fe80::1%eth0", "gggg::1", "localhost", "1.2.3.4 ", "١.2.3.4",
        ] {
            #expect(throws: IPNetwork.ParseError.self, "\(text.debugDescription)") { try IPNetwork(parsing: text) }
        }
    }
}
