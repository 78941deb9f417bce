import IKEConfig
@testable import IKEKernel
import IPsecTypes
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// ipsecinit.conf entries as the kernel policies `ipsecconf -a` loads.
@Suite("ipsecinit.conf to XFRM policy")
struct PolicyTranslationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var entry: String
        /// "dir selector action templates" per policy, in order.
        var policies: [String]
        var testDescription: String { entry }
    }

    static func describe(_ policy: KernelPolicy) -> String {
        let templates = policy.templates.map { "\($0.protocolID == .esp ? "esp" : "ah")/\($0.mode.rawValue)/\(String($0.reqid, radix: 16))" + ($0.tunnelDestination.map { "->\($0)" } ?? "") }
        return ([policy.direction.rawValue, policy.selector.description, policy.action.rawValue] + templates).joined(separator: " | ")
    }

    static let cases: [Case] = [
        Case(entry: "{laddr 192.0.2.1 raddr 192.0.2.2} ipsec {encr_algs aes encr_auth_algs sha1}", policies: [
            "out | src 192.0.2.1/32 dst 192.0.2.2/32 | allow | esp/transport/10001",
            "in | src 192.0.2.2/32 dst 192.0.2.1/32 | allow | esp/transport/10001",
        ]),
        Case(entry: "{laddr 10.0.0.0/24 raddr 10.1.0.0/255.255.0.0 ulp tcp lport 22} apply {auth_algs sha256}", policies: [
            "out | src 10.0.0.0/24 dst 10.1.0.0/16 proto 6 sport 22 | allow | ah/transport/10001",
        ]),
        Case(entry: "{raddr 192.0.2.9 ulp udp rport 53} permit {encr_algs aes encr_auth_algs sha1 auth_algs md5}", policies: [
            "in | src 192.0.2.9/32 dst 0.0.0.0/0 proto 17 sport 53 | allow | esp/transport/10001 | ah/transport/10001",
        ]),
        Case(entry: "{raddr 198.51.100.5-198.51.100.9} drop {}", policies: [
            "out | src 0.0.0.0/0 dst 198.51.100.5/32 | block", "out | src 0.0.0.0/0 dst 198.51.100.6/31 | block",
            "out | src 0.0.0.0/0 dst 198.51.100.8/31 | block", "in | src 198.51.100.5/32 dst 0.0.0.0/0 | block",
            "in | src 198.51.100.6/31 dst 0.0.0.0/0 | block", "in | src 198.51.100.8/31 dst 0.0.0.0/0 | block",
        ]),
        Case(entry: "{ulp ipv6-icmp type 133-137 dir in} pass {}", policies: [
            "in | src ::/0 dst ::/0 proto 58 sport 133 | allow", "in | src ::/0 dst ::/0 proto 58 sport 134/fffe | allow",
            "in | src ::/0 dst ::/0 proto 58 sport 136/fffe | allow",
        ]),
        Case(entry: "{ulp tcp rport 443} bypass {}", policies: [
            "out | src 0.0.0.0/0 dst 0.0.0.0/0 proto 6 dport 443 | allow", "in | src 0.0.0.0/0 dst 0.0.0.0/0 proto 6 sport 443 | allow",
            "out | src ::/0 dst ::/0 proto 6 dport 443 | allow", "in | src ::/0 dst ::/0 proto 6 sport 443 | allow",
        ]),
        Case(entry: "{tunnel tun0 negotiate tunnel laddr 10.0.0.0/24 raddr 10.9.0.0/24} ipsec {encr_algs aes encr_auth_algs sha1}", policies: [
            "out | src 10.0.0.0/24 dst 10.9.0.0/24 | allow | esp/tunnel/10001->203.0.113.2",
            "in | src 10.9.0.0/24 dst 10.0.0.0/24 | allow | esp/tunnel/10001->203.0.113.1",
            "fwd | src 10.9.0.0/24 dst 10.0.0.0/24 | allow | esp/tunnel/10001->203.0.113.1",
        ]),
    ]

    static func tunnels(_ name: String) -> (local: IPAddress, remote: IPAddress)? {
        guard name == "tun0", let local = IPAddress("203.0.113.1"), let remote = IPAddress("203.0.113.2") else { return nil }
        return (local, remote)
    }

    @Test("each entry becomes the kernel policies ipsecconf(8) describes", arguments: cases)
    func translate(_ testCase: Case) throws {
        let entry = try #require(try IPsecPolicyParser.load(testCase.entry, file: "ipsecinit.conf").first)
        let policies = try PolicyTranslation.policies(for: entry, index: 1, tunnels: Self.tunnels)
        #expect(policies.map(Self.describe) == testCase.policies)
        #expect(policies.allSatisfy { PolicyTranslation.entryIndex(of: $0) == 1 })
    }

    @Test("bypass first, then ESP and AH, ESP, AH, then file order")
    func ordering() throws {
        let text = """
            {raddr 192.0.2.1} ipsec {auth_algs sha1}
            {raddr 192.0.2.2} ipsec {encr_algs aes}
            {raddr 192.0.2.3} ipsec {encr_algs aes auth_algs sha1}
            {raddr 192.0.2.4} bypass {}
            {raddr 192.0.2.5} ipsec {encr_algs 3des}
            """
        let entries = try IPsecPolicyParser.load(text, file: "ipsecinit.conf")
        var out: [KernelPolicy] = []
        for (offset, entry) in entries.enumerated() {
            out += try PolicyTranslation.policies(for: entry, index: offset + 1).filter { $0.direction == .out }
        }
        let order = out.sorted { $0.priority < $1.priority }.map { $0.selector.destination.address.description }
        #expect(order == ["192.0.2.4", "192.0.2.3", "192.0.2.2", "192.0.2.5", "192.0.2.1"])
    }

    @Test("a tunnel that does not exist is an error naming it")
    func missingTunnel() throws {
        let entry = try #require(try IPsecPolicyParser.load("{tunnel ip.tun7 negotiate tunnel} ipsec {encr_algs aes}", file: "f").first)
        #expect(throws: PolicyTranslation.Failure(message: "tunnel ip.tun7: no such tunnel interface with a local and a remote address")) {
            try PolicyTranslation.policies(for: entry, index: 1, tunnels: Self.tunnels)
        }
    }

    @Test("the inbound policy covering proposed traffic is found by priority", arguments: [
        ("192.0.2.2", "192.0.2.1", 6, 443, "esp"), ("192.0.2.2", "192.0.2.1", 17, 53, "ah"), ("192.0.2.77", "192.0.2.1", 17, 53, "none"),
    ])
    func coveringLookup(_ source: String, _ destination: String, _ ulp: UInt8, _ port: UInt16, _ expected: String) throws {
        let text = """
            {laddr 192.0.2.1 raddr 192.0.2.2 ulp tcp} ipsec {encr_algs aes}
            {laddr 192.0.2.0/24 raddr 192.0.2.0/28} ipsec {auth_algs sha1}
            """
        let entries = try IPsecPolicyParser.load(text, file: "ipsecinit.conf")
        let policies = try entries.enumerated().flatMap { try PolicyTranslation.policies(for: $1, index: $0 + 1) }
        let traffic = TrafficSelector(local: AddressRange(IPAddress(source)!), remote: AddressRange(IPAddress(destination)!), upperProtocol: ulp, localPort: port)
        let found = policies.first(.in, covering: traffic)
        #expect((found?.templates.first.map { $0.protocolID == .esp ? "esp" : "ah" } ?? "none") == expected)
    }

    @Test("the active policy file keeps entries and indices, and prints what the parser reads back")
    func activePolicyRoundTrip() throws {
        let text = """
            {laddr 192.0.2.1 raddr 192.0.2.2 ulp tcp rport 80} ipsec {encr_algs aes(128..256) encr_auth_algs sha1,sha256 sa unique}
            {ulp icmp type 0-8 code 0} bypass {dir in}
            {tunnel ip.tun0 negotiate transport raddr 2001:db8::/64} permit {auth_algs md5} or permit {encr_algs 3des}
            """
        let entries = try IPsecPolicyParser.load(text, file: "ipsecinit.conf")
        let active = ActivePolicy(items: entries.enumerated().map { ActivePolicy.Item(index: $0 * 3 + 2, entry: $1) })
        let path = "/tmp/ike-active-\(UInt32.random(in: 0...UInt32.max)).conf"
        defer { unlink(path) }
        #expect(active.write(path) == nil)
        let read = try ActivePolicy.read(path)
        #expect(read.items.map(\.index) == [2, 5, 8])
        #expect(read.items.map(\.entry) == entries)
        #expect(read.nextIndex == 9)
        #expect(try ActivePolicy.read(path + ".missing").items.isEmpty)
    }
}
