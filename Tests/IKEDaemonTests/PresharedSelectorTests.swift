import IKEConfig
@testable import IKEDaemon
import Testing

@Suite("get/del preshared: address pairs and identity-type pairs")
struct PresharedSelectorTests {
    static let keys = PresharedParser.parse("""
        { localid 10.0.0.1 remoteid 10.0.0.0/24 key 01 }
        { localidtype fqdn localid gw.example.com remoteidtype user_fqdn remoteid ann@example.com key 02 }
        { localidtype dn localid "C=US, O=Example" remoteidtype ip remoteid 192.0.2.9 key 03 }
        """, file: "ike.preshared").keys

    @Test("selects the entry it names", arguments: [
        (["10.0.0.1", "10.0.0.0/24"], 1),
        (["ip", "10.0.0.1", "ipv4-prefix", "10.0.0.0/24"], 1),
        (["10.0.0.1", "10.0.0.0/255.255.255.0"], 1),
        (["10.0.0.1", "10.0.0.0/25"], nil),
        (["FQDN", "GW.example.com", "mbox", "ann@example.com"], 2),
        (["gw.example.com", "ann@example.com"], nil),
        (["fqdn", "gw.example.com", "fqdn", "ann@example.com"], nil),
        (["dn", "C=US, O=Example", "ip", "192.0.2.9"], 3),
        (["dn", "c=us, o=example", "ip", "192.0.2.9"], nil),
        (["10.0.0.1"], nil),
        (["colour", "a", "ip", "10.0.0.1"], nil),
    ] as [([String], UInt8?)])
    func selects(words: [String], keyByte: UInt8?) {
        guard let selector = PresharedSelector(words[...]) else {
            #expect(keyByte == nil)
            return
        }
        #expect(Self.keys.entries.count == 3)
        #expect(Self.keys.entries.first(where: selector.matches)?.key.revealed() == keyByte.map { [$0] })
    }
}
