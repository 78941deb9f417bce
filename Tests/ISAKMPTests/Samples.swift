import IKETestSupport
import IPsecTypes
@testable import ISAKMP

/// Payloads and messages the tests build on: one of every payload type, in its common variants.
enum Samples {
    static let phase1Transform = TransformPayload(number: 1, transformID: ISAKMPTransformID.keyIKE.rawValue, attributes: [
        .basic(Phase1AttributeType.encryptionAlgorithm.rawValue, EncryptionAlgorithm.aesCBC.rawValue),
        .basic(Phase1AttributeType.keyLength.rawValue, 128),
        .basic(Phase1AttributeType.hashAlgorithm.rawValue, HashAlgorithm.sha1.rawValue),
        .basic(Phase1AttributeType.groupDescription.rawValue, DHGroup.modp2048.rawValue),
        .basic(Phase1AttributeType.authenticationMethod.rawValue, AuthenticationMethod.preSharedKey.rawValue),
        .basic(Phase1AttributeType.lifeType.rawValue, LifeType.seconds.rawValue),
        .variable(Phase1AttributeType.lifeDuration.rawValue, [0x00, 0x01, 0x51, 0x80]),
    ])

    static let phase1SA = SecurityAssociationPayload(proposals: [
        ProposalPayload(number: 1, protocolID: .isakmp, transforms: [
            phase1Transform,
            TransformPayload(number: 2, transformID: 1, attributes: [
                .basic(1, EncryptionAlgorithm.tripleDESCBC.rawValue), .basic(2, HashAlgorithm.sha256.rawValue),
                .basic(4, DHGroup.ecp256.rawValue), .basic(3, AuthenticationMethod.rsaSignature.rawValue),
            ]),
        ]),
    ])

    /// ESP AND AH (same proposal number) OR ESP alone, with SPIs (RFC 2408 §4.2).
    static let quickModeSA = SecurityAssociationPayload(proposals: [
        ProposalPayload(number: 1, protocolID: .esp, spi: hex("c51ece3a"), transforms: [
            TransformPayload(number: 1, transformID: ESPTransformID.aes.rawValue, attributes: [
                .basic(IPsecAttributeType.keyLength.rawValue, 256),
                .basic(IPsecAttributeType.authenticationAlgorithm.rawValue, IPsecAuthAlgorithm.hmacSHA256.rawValue),
                .basic(IPsecAttributeType.encapsulationMode.rawValue, EncapsulationMode.tunnel.rawValue),
                .basic(IPsecAttributeType.saLifeType.rawValue, LifeType.kilobytes.rawValue),
                .variable(IPsecAttributeType.saLifeDuration.rawValue, [0x00, 0x10, 0x00, 0x00]),
                .basic(IPsecAttributeType.groupDescription.rawValue, DHGroup.modp2048.rawValue),
            ]),
        ]),
        ProposalPayload(number: 1, protocolID: .ah, spi: hex("0badf00d"), transforms: [
            TransformPayload(number: 1, transformID: AHTransformID.sha1.rawValue, attributes: [
                .basic(IPsecAttributeType.authenticationAlgorithm.rawValue, IPsecAuthAlgorithm.hmacSHA1.rawValue),
            ]),
        ]),
        ProposalPayload(number: 2, protocolID: .esp, spi: hex("deadbeef"), transforms: [
            TransformPayload(number: 1, transformID: ESPTransformID.tripleDES.rawValue, attributes: [
                .basic(IPsecAttributeType.authenticationAlgorithm.rawValue, IPsecAuthAlgorithm.hmacMD5.rawValue),
                .basic(IPsecAttributeType.encapsulationMode.rawValue, EncapsulationMode.transport.rawValue),
            ]),
        ]),
    ])

    static let identities: [IdentificationPayload] = [
        IdentificationPayload(idType: .ipv4Address, protocolID: 17, port: 500, data: hex("c0000201")),
        IdentificationPayload(idType: .fqdn, data: Array("vpn.example.com".utf8)),
        IdentificationPayload(idType: .userFQDN, data: Array("alice@example.com".utf8)),
        IdentificationPayload(idType: .ipv4Subnet, protocolID: 6, port: 80, data: hex("0a010000 ffff0000")),
        IdentificationPayload(idType: .ipv6Address, data: hex("20010db8000000000000000000000001")),
        IdentificationPayload(idType: .ipv6Subnet, data: hex("20010db8000000000000000000000000 ffffffffffffffff0000000000000000")),
        IdentificationPayload(idType: .ipv4Range, data: hex("0a000001 0a0000ff")),
        IdentificationPayload(idType: .ipv6Range, data: hex("20010db8000000000000000000000001 20010db80000000000000000000000ff")),
        IdentificationPayload(idType: .derASN1DN, data: hex("3031310b3009060355040613024348")),
        IdentificationPayload(idType: .derASN1GN, data: hex("8207766e2e74657374")),
        IdentificationPayload(idType: .keyID, data: Array("key-17".utf8)),
    ]

    /// One of every payload type (and variant) the codec knows.
    static let contents: [PayloadContent] = [
        .securityAssociation(phase1SA),
        .securityAssociation(quickModeSA),
        .keyExchange([UInt8](repeating: 0xAB, count: 256)),
        .certificate(CertificatePayload(encoding: .x509Signature, data: hex("3082010a0282010100"))),
        .certificate(CertificatePayload(encoding: .crl, data: hex("30820101"))),
        .certificateRequest(CertificateRequestPayload(encoding: .x509Signature, authority: [])),
        .certificateRequest(CertificateRequestPayload(encoding: .x509Signature, authority: hex("3031310b3009"))),
        .hash([UInt8](repeating: 0x11, count: 20)),
        .signature([UInt8](repeating: 0x22, count: 256)),
        .nonce([UInt8](repeating: 0x33, count: 32)),
        .notification(NotificationPayload(protocolID: .isakmp, type: .initialContact, spi: [UInt8](repeating: 0x44, count: 16))),
        .notification(NotificationPayload(protocolID: .isakmp, type: .dpdRUThere, spi: [UInt8](repeating: 0x55, count: 16), data: hex("0000002a"))),
        .notification(NotificationPayload(protocolID: .esp, type: .responderLifetime, spi: hex("c51ece3a"), data: hex("80010001 00020004 00000e10"))),
        .notification(NotificationPayload(doi: .isakmp, protocolID: .isakmp, type: .noProposalChosen)),
        .delete(DeletePayload(protocolID: .isakmp, spiSize: 16, spis: [[UInt8](repeating: 0x66, count: 16)])),
        .delete(DeletePayload(protocolID: .esp, spiSize: 4, spis: [hex("c51ece3a"), hex("2c8db405")])),
        .vendorID(VendorIDCatalog.rfc3947NATTraversal),
        .attribute(ConfigurationAttributePayload(configType: 1, identifier: 7, attributes: [.variable(1, []), .variable(16521, Array("bob".utf8)), .basic(16520, 0)])),
        .natDiscovery([UInt8](repeating: 0x77, count: 20), draft: false),
        .natDiscovery([UInt8](repeating: 0x78, count: 16), draft: true),
        .natOriginalAddress(NATOriginalAddressPayload(idType: .ipv4Address, address: IPAddress(bytes: hex("0a000005"))!), draft: false),
        .natOriginalAddress(NATOriginalAddressPayload(idType: .ipv6Address, address: IPAddress(bytes: hex("20010db8000000000000000000000005"))!), draft: true),
        .fragment(FragmentPayload(fragmentID: 1, number: 2, flags: 1, data: [UInt8](repeating: 0x99, count: 40))),
    ] + identities.map { .identification($0) }

    /// A Main Mode message 1 with SA and vendor IDs.
    static func mainModeMessage1() -> ISAKMPMessage {
        ISAKMPMessage(
            header: ISAKMPHeader(initiatorCookie: Cookie(value: 0x4c2e_4107_41c9_95a0), exchangeType: .identityProtection),
            body: .payloads([Payload(.securityAssociation(phase1SA)), Payload(.vendorID(VendorIDCatalog.deadPeerDetection))]))
    }

    /// A message holding every sample payload.
    static func everything() -> ISAKMPMessage {
        ISAKMPMessage(
            header: ISAKMPHeader(initiatorCookie: Cookie(value: 1), responderCookie: Cookie(value: 2), exchangeType: .informational, messageID: 0x1234_5678),
            body: .payloads(contents.map(Payload.init)))
    }
}
