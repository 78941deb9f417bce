import IKETestSupport
import IPsecTypes
@testable import ISAKMP
import Testing

@Suite("Payload round trips")
struct PayloadRoundTripTests {
    @Test("every payload type decodes to what was encoded, byte for byte", arguments: Samples.contents)
    func roundTrip(_ content: PayloadContent) throws {
        let message = ISAKMPMessage(
            header: ISAKMPHeader(initiatorCookie: Cookie(value: 7), exchangeType: .informational),
            body: .payloads([Payload(content)]))
        let bytes = message.encoded()
        let decoded = try ISAKMPMessage.decode(bytes)
        #expect(decoded.payloads.map(\.content) == [content])
        #expect(decoded.encoded() == bytes)
        #expect(decoded.header.length == UInt32(bytes.count))
    }

    @Test("a message with every payload type chains them and re-encodes identically")
    func everyPayloadInOneMessage() throws {
        let bytes = Samples.everything().encoded()
        let decoded = try ISAKMPMessage.decode(bytes)
        #expect(decoded.payloads.count == Samples.contents.count)
        #expect(decoded.payloads.map(\.content) == Samples.contents)
        #expect(decoded.encoded() == bytes)
    }

    @Test("payload bodies are kept exactly as received, for hashing (SAi_b)")
    func bodiesAreKept() throws {
        let message = Samples.mainModeMessage1()
        let decoded = try ISAKMPMessage.decode(message.encoded())
        let sa = try #require(decoded.first(.securityAssociation))
        #expect(sa.body == Payload(.securityAssociation(Samples.phase1SA)).body)
        #expect(Array(message.encoded()[32..<(28 + 4 + sa.body.count)]) == sa.body)
    }

    @Test("the reserved byte of a generic header survives a round trip")
    func reservedByteKept() throws {
        var bytes = Samples.mainModeMessage1().encoded()
        bytes[29] = 0x5A
        let decoded = try ISAKMPMessage.decode(bytes)
        #expect(decoded.payloads[0].reserved == 0x5A)
        #expect(decoded.encoded() == bytes)
    }

    @Test("identities print as addresses, prefixes, ranges and names")
    func identityDescriptions() {
        let described = Samples.identities.map(\.identityDescription)
        #expect(described[0] == "192.0.2.1")
        #expect(described[1] == "vpn.example.com")
        #expect(described[3] == "10.1.0.0/16")
        #expect(described[4] == "2001:db8::1")
        #expect(described[5] == "2001:db8::/64")
        #expect(described[6] == "10.0.0.1-10.0.0.255")
        #expect(described[7] == "2001:db8::1-2001:db8::ff")
    }

    @Test("Libreswan's 4-byte alignment padding after the last payload is accepted and kept")
    func alignmentPadding() throws {
        var bytes = Samples.mainModeMessage1().encoded() + [0, 0, 0]
        bytes.replaceSubrange(24..<28, with: [0, 0, 0, UInt8(bytes.count)])
        let decoded = try ISAKMPMessage.decode(bytes)
        #expect(decoded.alignmentPadding == [0, 0, 0])
        #expect(decoded.encoded() == bytes)
    }

    @Test("an encrypted body is kept opaque and re-encoded unchanged")
    func encryptedBody() throws {
        let ciphertext = [UInt8](repeating: 0xC3, count: 48)
        let message = ISAKMPMessage(
            header: ISAKMPHeader(initiatorCookie: Cookie(value: 1), responderCookie: Cookie(value: 2), nextPayload: .hash, exchangeType: .quickMode, flags: [.encryption, .commit], messageID: 9),
            body: .encrypted(ciphertext))
        let decoded = try ISAKMPMessage.decode(message.encoded())
        #expect(decoded.body == .encrypted(ciphertext))
        #expect(decoded.header.flags == [.encryption, .commit])
        #expect(decoded.header.nextPayload == .hash)
    }
}

@Suite("Attributes")
struct AttributeTests {
    static let phase1Types = Phase1AttributeType.registry.keys.sorted()
    static let ipsecTypes = IPsecAttributeType.registry.keys.sorted()

    @Test("every Phase 1 attribute (RFC 2409 App. A) round-trips in its RFC form", arguments: phase1Types)
    func phase1Attribute(_ type: UInt16) throws {
        let kind = Phase1AttributeType(rawValue: type)
        let attribute: DataAttribute = kind.isBasic ? .basic(type, 5) : .variable(type, hex("0102030405"))
        let transform = TransformPayload(number: 1, transformID: 1, attributes: [attribute])
        let sa = SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: [transform])])
        try expectRoundTrip(.securityAssociation(sa))
        #expect(kind.isKnown && kind.description != "unknown(\(type))")
    }

    @Test("every IPsec DOI attribute (RFC 2407 §4.5) round-trips in its RFC form", arguments: ipsecTypes)
    func ipsecAttribute(_ type: UInt16) throws {
        let kind = IPsecAttributeType(rawValue: type)
        let attribute: DataAttribute = kind.isBasic ? .basic(type, 2) : .variable(type, hex("00015180"))
        let transform = TransformPayload(number: 1, transformID: ESPTransformID.aes.rawValue, attributes: [attribute])
        let sa = SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .esp, spi: hex("01020304"), transforms: [transform])])
        try expectRoundTrip(.securityAssociation(sa))
    }

    @Test("integers use TV when they fit and TLV when they do not")
    func integerForm() {
        #expect(DataAttribute.integer(12, 28800).format == .typeValue)
        let large = DataAttribute.integer(12, 86400)
        #expect(large.format == .typeLengthValue)
        #expect(large.integerValue == 86400)
    }

    @Test("a variable attribute may arrive in TV form when the value fits (RFC 2408 §3.3)")
    func variableInTVForm() throws {
        let transform = TransformPayload(number: 1, transformID: 1, attributes: [.basic(Phase1AttributeType.lifeDuration.rawValue, 3600)])
        try expectRoundTrip(.securityAssociation(SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: [transform])])))
    }

    private func expectRoundTrip(_ content: PayloadContent) throws {
        let bytes = ISAKMPMessage(header: ISAKMPHeader(initiatorCookie: Cookie(value: 3), exchangeType: .identityProtection), body: .payloads([Payload(content)])).encoded()
        let decoded = try ISAKMPMessage.decode(bytes)
        #expect(decoded.payloads.first?.content == content)
        #expect(decoded.encoded() == bytes)
    }
}

@Suite("Notify types")
struct NotifyTypeTests {
    @Test("every registered notify type round-trips with its name", arguments: NotifyMessageType.registry.keys.sorted())
    func notify(_ number: UInt16) throws {
        let type = NotifyMessageType(rawValue: number)
        let payload = NotificationPayload(protocolID: .isakmp, type: type, spi: [UInt8](repeating: 1, count: 16), data: [1, 2, 3])
        let bytes = ISAKMPMessage(header: ISAKMPHeader(initiatorCookie: Cookie(value: 3), exchangeType: .informational), body: .payloads([Payload(.notification(payload))])).encoded()
        let decoded = try ISAKMPMessage.decode(bytes)
        #expect(decoded.payloads.first?.content == .notification(payload))
        #expect(type.name != nil)
        #expect(type.isError == (number < 16384))
    }

    @Test("an unregistered notify type is kept as unknown(n), not refused")
    func unknownNotify() throws {
        let payload = NotificationPayload(protocolID: .esp, type: NotifyMessageType(rawValue: 40000), spi: hex("01020304"))
        let bytes = ISAKMPMessage(header: ISAKMPHeader(initiatorCookie: Cookie(value: 3), exchangeType: .informational), body: .payloads([Payload(.notification(payload))])).encoded()
        let decoded = try ISAKMPMessage.decode(bytes)
        guard case .notification(let notify)? = decoded.payloads.first?.content else {
            Issue.record("not a notification")
            return
        }
        #expect(notify.type.description == "unknown(40000)")
    }
}

@Suite("Addresses")
struct IPAddressTests {
    @Test("IPv6 addresses print per RFC 5952", arguments: [
        ("20010db8000000000000000000000001", "2001:db8::1"),
        ("00000000000000000000000000000000", "::"),
        ("00000000000000000000000000000001", "::1"),
        ("20010db8000000010000000000000001", "2001:db8:0:1::1"),
        ("20010db8000000000001000000000001", "2001:db8::1:0:0:1"),
        ("20010db8000100010001000100010001", "2001:db8:1:1:1:1:1:1"),
        ("fe800000000000000000000000000000", "fe80::"),
    ])
    func ipv6(_ bytes: String, _ text: String) throws {
        let address = try #require(IPAddress(bytes: hex(bytes)))
        #expect(address.description == text)
    }

    @Test("netmasks give their prefix length; non-contiguous masks give none")
    func prefixLength() {
        #expect(IPAddress(bytes: hex("ffffff00"))?.prefixLength == 24)
        #expect(IPAddress(bytes: hex("ff00ff00"))?.prefixLength == nil)
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }
}
