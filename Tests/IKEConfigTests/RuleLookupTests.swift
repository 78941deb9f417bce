@testable import IKEConfig
import IKETestSupport
import IPsecTypes
import Testing

@Suite("Rule lookup")
struct RuleLookupTests {
    static let text = """
        p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes }
        { label "catch-all" local_addr 0.0.0.0/0 remote_addr 0.0.0.0/0 }
        { label "subnet" local_addr 10.0.0.0/8 remote_addr 192.168.0.0/16 }
        { label "host" local_addr 10.0.0.0/8 remote_addr 192.168.1.7 }
        { label "host, narrower local" local_addr 10.1.1.1 remote_addr 192.168.1.7 }
        { label "range" local_addr 10.0.0.0/8 remote_addr 192.168.2.10-192.168.2.20 }
        { label "first of two equal" local_addr 10.9.9.9 remote_addr 172.16.0.1 }
        { label "second of two equal" local_addr 10.9.9.9 remote_addr 172.16.0.1 }
        { label "v6" local_addr 2001:db8:1::/48 remote_addr 2001:db8:2::/48 }
        { label "v6 host" local_addr 2001:db8:1::/48 remote_addr 2001:db8:2::5 }
        """

    static let table: RuleTable? = try? RuleTable(IKEConfigParser.load(text, file: "t"))

    @Test("the narrowest remote, then the narrowest local, then file order wins", arguments: [
        ("10.1.1.1", "192.168.1.7", "host, narrower local"),
        ("10.2.2.2", "192.168.1.7", "host"),
        ("10.2.2.2", "192.168.1.8", "subnet"),
        ("10.2.2.2", "192.168.2.15", "range"),
        ("10.2.2.2", "192.168.2.21", "subnet"),
        ("11.0.0.1", "192.168.1.7", "catch-all"),
        ("10.9.9.9", "172.16.0.1", "first of two equal"),
        ("2001:db8:1::1", "2001:db8:2::5", "v6 host"),
        ("2001:db8:1::1", "2001:db8:2::6", "v6"),
    ])
    func lookup(_ local: String, _ remote: String, _ label: String) throws {
        let table = try #require(Self.table)
        let rule = table.rule(local: try #require(IPAddress(local)), remote: try #require(IPAddress(remote)))
        #expect(rule?.label == label)
    }

    @Test("no rule for an uncovered IPv6 pair; rules by label")
    func misses() throws {
        let table = try #require(Self.table)
        #expect(table.rule(local: try #require(IPAddress("2001:db8:9::1")), remote: try #require(IPAddress("2001:db8:2::5"))) == nil)
        #expect(table.rule(labelled: "range")?.remoteAddresses.count == 1)
        #expect(table.rule(labelled: "nope") == nil)
    }

    @Test("ranges split into the fewest covering prefixes")
    func prefixCover() throws {
        let spec = try AddressSpec.parse("10.0.0.1-10.0.0.6").get()
        let prefixes = RuleTable.prefixes(covering: spec).map { "\(IPAddress(integer: $0.network, isIPv4: true))/\($0.length)" }
        #expect(prefixes == ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"])
        #expect(RuleTable.prefixes(covering: try AddressSpec.parse("::/0").get()).map(\.length) == [0])
        #expect(RuleTable.prefixes(covering: try AddressSpec.parse("0.0.0.0-255.255.255.255").get()).map(\.length) == [0])
    }

    @Test("the index agrees with a linear scan on random rules and addresses")
    func agreesWithScan() throws {
        var generator = SeededGenerator(seed: 7)
        var rules: [IKERule] = []
        for index in 0..<300 {
            func randomSpec() -> AddressSpec {
                let base = IPAddress(integer: UInt128(0x0A00_0000 | UInt32.random(in: 0..<4096, using: &generator)), isIPv4: true)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: return .single(base)
                case 1: return .prefix(base, length: Int.random(in: 20...32, using: &generator))
                default:
                    let end = IPAddress(integer: base.integerValue + UInt128(Int.random(in: 0..<64, using: &generator)), isIPv4: true)
                    return .range(base, end)
                }
            }
            rules.append(IKERule(label: "r\(index)", localAddresses: [randomSpec()], remoteAddresses: [randomSpec(), randomSpec()]))
        }
        let table = RuleTable(IKEConfiguration(rules: rules))
        for _ in 0..<2000 {
            let local = IPAddress(integer: UInt128(0x0A00_0000 | UInt32.random(in: 0..<4200, using: &generator)), isIPv4: true)
            let remote = IPAddress(integer: UInt128(0x0A00_0000 | UInt32.random(in: 0..<4200, using: &generator)), isIPv4: true)
            let expected = rules.indices.filter { index in
                rules[index].localAddresses.contains { $0.contains(local) } && rules[index].remoteAddresses.contains { $0.contains(remote) }
            }.min { a, b in
                let ka = (rules[a].remoteAddresses.filter { $0.contains(remote) }.map(\.span).min() ?? 0, rules[a].localAddresses.filter { $0.contains(local) }.map(\.span).min() ?? 0, a)
                let kb = (rules[b].remoteAddresses.filter { $0.contains(remote) }.map(\.span).min() ?? 0, rules[b].localAddresses.filter { $0.contains(local) }.map(\.span).min() ?? 0, b)
                return ka < kb
            }
            #expect(table.position(local: local, remote: remote) == expected)
        }
    }
}
