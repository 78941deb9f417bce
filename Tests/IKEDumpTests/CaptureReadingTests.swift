@testable import IKEDump
import IKECrypto
import IKETestSupport
import IPsecTypes
import ISAKMP
import Testing

@Suite("Capture reading and dissection")
struct CaptureReadingTests {
    static let mainMode1 = ISAKMPMessage(
        header: ISAKMPHeader(initiatorCookie: Cookie(value: 0x1122_3344_5566_7788), exchangeType: .identityProtection),
        body: .payloads([Payload(.vendorID(VendorIDCatalog.rfc3947NATTraversal))])).encoded()
    static let v4a = hex("c0000201"), v4b = hex("c0000202")
    static let v6a = hex("20010db8000000000000000000000001"), v6b = hex("20010db8000000000000000000000002")

    func dump(_ writer: PcapWriter) -> (DumpSummary, [String]) {
        var dumper = Dumper(options: DumpOptions(json: true))
        var lines: [String] = []
        let summary = dumper.dump(capture: writer.bytes) { lines.append($0) }
        return (summary, lines)
    }

    @Test("IPv4 and IPv6 on UDP 500, and UDP 4500 with the non-ESP marker, are found; ESP and keepalives are skipped")
    func transports() {
        for link in [PcapWriter.LinkType.ethernet, .rawIP] {
            var writer = PcapWriter(linkType: link)
            writer.appendUDP(source: Self.v4a, sourcePort: 500, destination: Self.v4b, destinationPort: 500, payload: Self.mainMode1)
            writer.appendUDP(source: Self.v6a, sourcePort: 500, destination: Self.v6b, destinationPort: 500, payload: Self.mainMode1)
            writer.appendUDP(source: Self.v4a, sourcePort: 4500, destination: Self.v4b, destinationPort: 4500, payload: [0, 0, 0, 0] + Self.mainMode1)
            writer.appendUDP(source: Self.v4a, sourcePort: 4500, destination: Self.v4b, destinationPort: 4500, payload: hex("c51ece3a00000001") + [UInt8](repeating: 9, count: 32))
            writer.appendUDP(source: Self.v4a, sourcePort: 4500, destination: Self.v4b, destinationPort: 4500, payload: [0xFF])
            writer.appendUDP(source: Self.v4a, sourcePort: 53, destination: Self.v4b, destinationPort: 53, payload: [1, 2, 3])
            let (summary, lines) = dump(writer)
            #expect(summary.frames == 6)
            #expect(summary.messages == 3)
            #expect(summary.malformed == 0)
            #expect(lines[1].contains("\"source\":\"[2001:db8::1]:500\""))
            #expect(lines[2].contains("\"nonESPMarker\":true"))
        }
    }

    @Test("damaged frames and malformed ISAKMP are reported and the dump goes on")
    func damage() {
        var writer = PcapWriter(linkType: .rawIP)
        writer.appendUDP(source: Self.v4a, sourcePort: 500, destination: Self.v4b, destinationPort: 500, payload: Self.mainMode1)
        writer.appendUDP(source: Self.v4a, sourcePort: 500, destination: Self.v4b, destinationPort: 500, payload: Array(Self.mainMode1.prefix(40)))
        writer.append(frame: [0x45, 0, 0])
        var badUDP = [UInt8](repeating: 0, count: 28)
        badUDP[0] = 0x45; badUDP[3] = 28; badUDP[9] = 17; badUDP[24] = 0xFF
        writer.append(frame: badUDP)
        writer.appendUDP(source: Self.v4a, sourcePort: 500, destination: Self.v4b, destinationPort: 500, payload: Self.mainMode1)
        let (summary, lines) = dump(writer)
        #expect(summary.messages == 3)
        #expect(summary.malformed == 3)
        #expect(lines.count == 5)
        #expect(lines[1].contains("UNEQUAL-PAYLOAD-LENGTHS"))
        #expect(lines[4].contains("\"payloads\""))
    }

    @Test("a truncated file yields the frames before the damage and an error")
    func truncatedFile() {
        var writer = PcapWriter(linkType: .rawIP)
        writer.appendUDP(source: Self.v4a, sourcePort: 500, destination: Self.v4b, destinationPort: 500, payload: Self.mainMode1)
        writer.appendUDP(source: Self.v4a, sourcePort: 500, destination: Self.v4b, destinationPort: 500, payload: Self.mainMode1)
        let capture = CaptureFile(bytes: Array(writer.bytes.dropLast(10)))
        #expect(capture.frames.count == 1)
        #expect(capture.error?.reason.contains("truncated frame 2") == true)
        #expect(CaptureFile(bytes: [1, 2, 3, 4, 5, 6, 7, 8]).error?.reason.contains("not a pcap") == true)
        #expect(CaptureFile(bytes: []).error != nil)
    }

    @Test("every prefix of a real pcapng file reads without trapping")
    func pcapngPrefixes() throws {
        let bytes = try Fixture.bytes("ss-ls-rsa-aes128.pcapng")
        let whole = CaptureFile(bytes: bytes)
        #expect(whole.error == nil && whole.frames.count == 13)
        #expect(whole.frames.allSatisfy { $0.linkType == 1 })
        #expect(whole.frames[1].timestamp > whole.frames[0].timestamp)
        for length in stride(from: 0, to: bytes.count, by: 7) {
            let partial = CaptureFile(bytes: Array(bytes.prefix(length)))
            #expect(partial.frames.count <= 13)
        }
    }

    @Test("big-endian and nanosecond pcap headers are read")
    func byteOrders() {
        var writer = PcapWriter(linkType: .rawIP)
        writer.appendUDP(source: Self.v4a, sourcePort: 500, destination: Self.v4b, destinationPort: 500, payload: Self.mainMode1)
        var nanosecond = writer.bytes
        nanosecond.replaceSubrange(0..<4, with: [0x4D, 0x3C, 0xB2, 0xA1])
        #expect(CaptureFile(bytes: nanosecond).frames.count == 1)
        // The same file with every header field byte-swapped.
        var big = writer.bytes
        for range in [0..<4, 20..<24, 24..<28, 28..<32, 32..<36, 36..<40] { big.replaceSubrange(range, with: big[range].reversed()) }
        big.replaceSubrange(4..<6, with: [0, 2])
        big.replaceSubrange(6..<8, with: [0, 4])
        let capture = CaptureFile(bytes: big)
        #expect(capture.error == nil)
        #expect(capture.frames.first?.linkType == 101)
        #expect(capture.frames.first?.data.count == writer.bytes.count - 40)
    }

    @Test("a frame claiming an absurd size stops reading with an error instead of allocating")
    func hugeFrame() {
        var writer = PcapWriter(linkType: .rawIP)
        writer.append(frame: [1, 2, 3])
        var bytes = writer.bytes
        bytes.replaceSubrange(32..<36, with: [0xFF, 0xFF, 0xFF, 0x7F])
        let capture = CaptureFile(bytes: bytes)
        #expect(capture.frames.isEmpty)
        #expect(capture.error?.reason.contains("claims") == true)
    }
}

@Suite("Key tables")
struct KeyTableTests {
    @Test("both formats parse, with comments and blank lines")
    func parse() throws {
        let table = try KeyTable(text: """
            # icookie rcookie algorithm key
            4c2e410741c995a0 ec3822ef4222f432 aes 7a3832e735beeacb69f027a31fb3f055

            0x1122334455667788,00112233445566778899aabbccddeeff0011223344556677  # Wireshark form
            """)
        #expect(table.entries.count == 2)
        #expect(table.entries[0].algorithm == .aesCBC)
        #expect(table.entries[1].responderCookie == nil)
        #expect(table.entry(initiator: Cookie(value: 0x1122_3344_5566_7788), responder: Cookie(value: 9))?.key.count == 24)
        #expect(table.entry(initiator: Cookie(value: 0x4c2e_4107_41c9_95a0), responder: Cookie(value: 9)) == nil)
    }

    @Test("errors name the line", arguments: [
        ("abc def aes 00", "keys:1:"), ("\n4c2e410741c995a0 ec3822ef4222f432 rc4 00", "keys:2: unknown encryption algorithm"),
        ("4c2e410741c995a0 ec3822ef4222f432 aes", "keys:1: expected"), ("4c2e410741c995a0,zz", "keys:1: 'zz' is not a key"),
    ])
    func errors(_ text: String, _ expected: String) {
        do {
            _ = try KeyTable(text: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.reason.hasPrefix(expected), "\(error.reason)")
        }
    }
}

@Suite("Vendor IDs")
struct VendorIDCatalogTests {
    @Test("the MD5-derived vendor IDs are the hashes of their names", arguments: [
        "RFC 3947", "draft-ietf-ipsec-nat-t-ike-00", "draft-ietf-ipsec-nat-t-ike-01", "draft-ietf-ipsec-nat-t-ike-02",
        "draft-ietf-ipsec-nat-t-ike-02\n", "draft-ietf-ipsec-nat-t-ike-03", "draft-ietf-ipsec-nat-t-ike-04",
        "draft-ietf-ipsec-nat-t-ike-05", "draft-ietf-ipsec-nat-t-ike-06", "draft-ietf-ipsec-nat-t-ike-07",
        "draft-ietf-ipsec-nat-t-ike-08", "draft-ietf-ipsec-nat-t-ike-09", "draft-stenberg-ipsec-nat-traversal-01",
        "draft-stenberg-ipsec-nat-traversal-02", "FRAGMENTATION", "strongSwan",
    ])
    func md5Names(_ name: String) throws {
        let digest = try Digest(.md5).hash(Array(name.utf8))
        #expect(VendorIDCatalog.name(of: digest) != nil)
        #expect(VendorIDCatalog.entries.contains { $0.bytes == digest || digest.starts(with: $0.bytes) })
    }

    @Test("prefixed and versioned IDs are recognised", arguments: [
        ("afcad71368a1f1c96b8696fc77570100", "RFC 3706 DPD"),
        ("4048b7d56ebce88525e7de7f00d6c2d380000000", "IKE Fragmentation"),
        ("12f5f28c457168a9702d9fe274cc0100", "Cisco Unity"),
        ("09002689dfd6b712", "XAUTH"),
        ("4f452d4c696272657377616e2d342e3130", "Libreswan (4.10)"),
    ])
    func prefixes(_ bytes: String, _ name: String) {
        #expect(VendorIDCatalog.name(of: hex(bytes)) == name)
    }

    @Test("unknown IDs are not guessed")
    func unknown() { #expect(VendorIDCatalog.name(of: hex("0102030405060708")) == nil) }
}
