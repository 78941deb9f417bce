import IKEConfig
import Testing

@Suite("ikeadm write preshared: printed keys read back to the same entries")
struct PresharedPrinterTests {
    @Test("every identity type and key form round-trips", arguments: [
        "{ localidtype IP localid 10.0.0.1 remoteidtype IP remoteid 10.0.0.2 key 0102030405 }",
        "{ localid 2001:db8::1 remoteid 2001:db8::/64 key \"ascii secret\" ike_mode main }",
        "{ localidtype ipv4-prefix localid 10.0.0.0/8 remoteidtype ipv4-range remoteid 10.1.0.1-10.1.0.9 key 0xabcdef/20 }",
        "{ localidtype FQDN localid host.example.com remoteidtype user_fqdn remoteid \"ann@example.com\" key 00 }",
        "{ localidtype DN localid \"C=US, O=Example \\\"Labs\\\"\" remoteidtype keyid remoteid \"k1\" key ff ike_mode both }",
    ])
    func roundTrip(text: String) throws {
        let parsed = PresharedParser.parse(text, file: "in")
        #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
        let printed = PresharedPrinter.text(parsed.keys)
        let reread = PresharedParser.parse(printed, file: "out")
        #expect(reread.diagnostics.isEmpty, "\(reread.diagnostics)\n\(printed)")
        #expect(reread.keys == parsed.keys, "\(printed)")
        #expect(parsed.keys.entries.count == 1)
    }

    @Test("no keys print as an empty file")
    func empty() {
        #expect(PresharedPrinter.text(PresharedKeys()) == "")
    }
}
