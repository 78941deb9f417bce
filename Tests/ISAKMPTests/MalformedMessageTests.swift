import IKETestSupport
import IPsecTypes
@testable import ISAKMP
import Testing

/// Raw builders for messages the encoder would never produce.
enum Raw {
    /// A header for `body`, with the length field correct unless `length` overrides it.
    static func message(first: UInt8, body: [UInt8], exchange: UInt8 = 2, version: UInt8 = 0x10, flags: UInt8 = 0, length: Int? = nil) -> [UInt8] {
        let total = UInt32(length ?? 28 + body.count)
        return [UInt8](repeating: 0xA1, count: 8) + [UInt8](repeating: 0, count: 8) + [first, version, exchange, flags]
            + [0, 0, 0, 0] + total.bigEndianBytes + body
    }

    /// A generic payload: next, reserved 0, length (correct unless overridden), body.
    static func payload(next: UInt8, _ body: [UInt8], length: Int? = nil) -> [UInt8] {
        let value = UInt16(length ?? body.count + 4)
        return [next, 0, UInt8(value >> 8), UInt8(value & 0xFF)] + body
    }

    static func transform(next: UInt8 = 0, number: UInt8 = 1, attributes: [UInt8] = [0x80, 0x01, 0x00, 0x07]) -> [UInt8] {
        payload(next: next, [number, 1, 0, 0] + attributes)
    }

    static func proposal(next: UInt8 = 0, number: UInt8 = 1, protocolID: UInt8 = 1, spiSize: UInt8 = 0, count: UInt8 = 1, spi: [UInt8] = [], transforms: [UInt8]) -> [UInt8] {
        payload(next: next, [number, protocolID, spiSize, count] + spi + transforms)
    }

    static func sa(doi: UInt32 = 1, situation: UInt32 = 1, _ proposals: [UInt8]) -> [UInt8] {
        doi.bigEndianBytes + situation.bigEndianBytes + proposals
    }

    static let validSA = sa(proposal(transforms: transform()))

    /// A message whose only payload has type `type` and body `body`.
    static func single(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        message(first: type, body: payload(next: 0, body))
    }
}

/// One malformed input and the notify its rejection must name.
struct MalformedCase: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    let expected: NotifyMessageType
    var testDescription: String { name }
}

@Suite("Malformed messages")
struct MalformedMessageTests {
    static let corpus: [MalformedCase] = {
        let saPayload = Raw.payload(next: 0, Raw.validSA)
        let valid = Raw.message(first: 1, body: saPayload)
        return [
            MalformedCase(name: "empty datagram", bytes: [], expected: .payloadMalformed),
            MalformedCase(name: "truncated header", bytes: Array(valid.prefix(20)), expected: .payloadMalformed),
            MalformedCase(name: "header length larger than datagram", bytes: Raw.message(first: 1, body: saPayload, length: valid.count + 8), expected: .unequalPayloadLengths),
            MalformedCase(name: "header length smaller than datagram", bytes: Raw.message(first: 1, body: saPayload, length: valid.count - 4), expected: .unequalPayloadLengths),
            MalformedCase(name: "header length 0xFFFFFFFF", bytes: Raw.message(first: 1, body: saPayload, length: Int(UInt32.max)), expected: .unequalPayloadLengths),
            MalformedCase(name: "IKEv2 major version", bytes: Raw.message(first: 1, body: saPayload, version: 0x20), expected: .invalidMajorVersion),
            MalformedCase(name: "minor version 1", bytes: Raw.message(first: 1, body: saPayload, version: 0x11), expected: .invalidMinorVersion),
            MalformedCase(name: "exchange type 0", bytes: Raw.message(first: 1, body: saPayload, exchange: 0), expected: .invalidExchangeType),
            MalformedCase(name: "undefined exchange type 99", bytes: Raw.message(first: 1, body: saPayload, exchange: 99), expected: .invalidExchangeType),
            MalformedCase(name: "undefined flag bit", bytes: Raw.message(first: 1, body: saPayload, flags: 0x08), expected: .invalidFlags),
            MalformedCase(name: "zero-length payload", bytes: Raw.message(first: 13, body: Raw.payload(next: 0, [], length: 0)), expected: .payloadMalformed),
            MalformedCase(name: "payload length 3", bytes: Raw.message(first: 13, body: Raw.payload(next: 0, [], length: 3)), expected: .payloadMalformed),
            MalformedCase(name: "payload length beyond the message", bytes: Raw.message(first: 13, body: Raw.payload(next: 0, [1, 2, 3, 4], length: 200)), expected: .payloadMalformed),
            MalformedCase(name: "next payload announced but message ends", bytes: Raw.message(first: 13, body: Raw.payload(next: 13, [1, 2, 3, 4])), expected: .payloadMalformed),
            MalformedCase(name: "unknown next payload 99", bytes: Raw.message(first: 13, body: Raw.payload(next: 99, [1, 2, 3, 4]) + Raw.payload(next: 0, [5])), expected: .invalidPayloadType),
            MalformedCase(name: "unknown first payload 15", bytes: Raw.single(15, [1, 2, 3, 4]), expected: .invalidPayloadType),
            MalformedCase(name: "proposal payload at top level", bytes: Raw.single(2, [1, 1, 0, 0]), expected: .invalidPayloadType),
            MalformedCase(name: "transform payload at top level", bytes: Raw.single(3, [1, 1, 0, 0]), expected: .invalidPayloadType),
            MalformedCase(name: "bytes after the last payload", bytes: Raw.message(first: 13, body: Raw.payload(next: 0, [1, 2, 3, 4]) + [0, 0, 0, 0]), expected: .payloadMalformed),
            MalformedCase(name: "non-zero bytes after the last payload", bytes: Raw.message(first: 13, body: Raw.payload(next: 0, [1, 2, 3, 4]) + [0, 1]), expected: .payloadMalformed),
            MalformedCase(name: "encrypted flag with no body", bytes: Raw.message(first: 8, body: [], flags: 0x01), expected: .payloadMalformed),
            // SA, proposal and transform structure.
            MalformedCase(name: "SA with unsupported DOI", bytes: Raw.single(1, Raw.sa(doi: 2, Raw.proposal(transforms: Raw.transform()))), expected: .doiNotSupported),
            MalformedCase(name: "SA with secrecy situation", bytes: Raw.single(1, Raw.sa(situation: 3, Raw.proposal(transforms: Raw.transform()))), expected: .situationNotSupported),
            MalformedCase(name: "SA without proposals", bytes: Raw.single(1, Raw.sa([])), expected: .payloadMalformed),
            MalformedCase(name: "proposal with no transforms", bytes: Raw.single(1, Raw.sa(Raw.proposal(count: 0, transforms: []))), expected: .badProposalSyntax),
            MalformedCase(name: "proposals out of order", bytes: Raw.single(1, Raw.sa(Raw.proposal(next: 2, number: 2, transforms: Raw.transform()) + Raw.proposal(number: 1, transforms: Raw.transform()))), expected: .badProposalSyntax),
            MalformedCase(name: "proposal chained to a non-proposal", bytes: Raw.single(1, Raw.sa(Raw.proposal(next: 5, transforms: Raw.transform()) + Raw.proposal(transforms: Raw.transform()))), expected: .invalidPayloadType),
            MalformedCase(name: "transform count larger than transforms", bytes: Raw.single(1, Raw.sa(Raw.proposal(count: 2, transforms: Raw.transform()))), expected: .badProposalSyntax),
            MalformedCase(name: "transform count smaller than transforms", bytes: Raw.single(1, Raw.sa(Raw.proposal(count: 1, transforms: Raw.transform(next: 3, number: 1) + Raw.transform(number: 2)))), expected: .badProposalSyntax),
            MalformedCase(name: "duplicate transform numbers", bytes: Raw.single(1, Raw.sa(Raw.proposal(count: 2, transforms: Raw.transform(next: 3) + Raw.transform()))), expected: .badProposalSyntax),
            MalformedCase(name: "transform chained to a non-transform", bytes: Raw.single(1, Raw.sa(Raw.proposal(count: 2, transforms: Raw.transform(next: 2) + Raw.transform(number: 2)))), expected: .invalidPayloadType),
            MalformedCase(name: "proposal SPI size beyond the payload", bytes: Raw.single(1, Raw.sa(Raw.proposal(protocolID: 3, spiSize: 200, transforms: Raw.transform()))), expected: .payloadMalformed),
            MalformedCase(name: "transform length beyond the proposal", bytes: Raw.single(1, Raw.sa(Raw.proposal(transforms: Raw.payload(next: 0, [1, 1, 0, 0], length: 60)))), expected: .payloadMalformed),
            MalformedCase(name: "attribute length overflow", bytes: Raw.single(1, Raw.sa(Raw.proposal(transforms: Raw.transform(attributes: [0x00, 0x0C, 0xFF, 0xFF, 1, 2])))), expected: .payloadMalformed),
            MalformedCase(name: "truncated TV attribute", bytes: Raw.single(1, Raw.sa(Raw.proposal(transforms: Raw.transform(attributes: [0x80, 0x01, 0x00])))), expected: .payloadMalformed),
            MalformedCase(name: "basic attribute sent as TLV", bytes: Raw.single(1, Raw.sa(Raw.proposal(transforms: Raw.transform(attributes: [0x00, 0x01, 0x00, 0x02, 0x00, 0x07])))), expected: .badProposalSyntax),
            // Other payloads.
            MalformedCase(name: "delete SPI count overflow", bytes: Raw.single(12, hex("00000001 03 04 ffff c51ece3a")), expected: .payloadMalformed),
            MalformedCase(name: "delete SPI count of zero", bytes: Raw.single(12, hex("00000001 03 04 0000")), expected: .payloadMalformed),
            MalformedCase(name: "delete SPI size of zero", bytes: Raw.single(12, hex("00000001 03 00 0001")), expected: .payloadMalformed),
            MalformedCase(name: "delete SPIs shorter than announced", bytes: Raw.single(12, hex("00000001 01 10 0001 0102030405060708")), expected: .payloadMalformed),
            MalformedCase(name: "notify SPI size beyond the payload", bytes: Raw.single(11, hex("00000001 01 10 6002 0102")), expected: .payloadMalformed),
            MalformedCase(name: "truncated notify", bytes: Raw.single(11, hex("00000001 01")), expected: .payloadMalformed),
            MalformedCase(name: "IPv4 ID with 5 bytes", bytes: Raw.single(5, hex("01 11 01f4 c000020101")), expected: .invalidIDInformation),
            MalformedCase(name: "IPv6 subnet ID with 16 bytes", bytes: Raw.single(5, hex("06 00 0000 20010db8000000000000000000000000")), expected: .invalidIDInformation),
            MalformedCase(name: "FQDN ID without data", bytes: Raw.single(5, hex("02 00 0000")), expected: .invalidIDInformation),
            MalformedCase(name: "nonce of 7 bytes", bytes: Raw.single(10, [UInt8](repeating: 1, count: 7)), expected: .payloadMalformed),
            MalformedCase(name: "nonce of 257 bytes", bytes: Raw.single(10, [UInt8](repeating: 1, count: 257)), expected: .payloadMalformed),
            MalformedCase(name: "empty KE", bytes: Raw.single(4, []), expected: .invalidKeyInformation),
            MalformedCase(name: "empty HASH", bytes: Raw.single(8, []), expected: .invalidHashInformation),
            MalformedCase(name: "empty SIG", bytes: Raw.single(9, []), expected: .invalidSignature),
            MalformedCase(name: "empty VID", bytes: Raw.single(13, []), expected: .payloadMalformed),
            MalformedCase(name: "NAT-OA with a 3-byte address", bytes: Raw.single(21, hex("01 000000 0a0000")), expected: .payloadMalformed),
            MalformedCase(name: "NAT-OA with an FQDN", bytes: Raw.single(21, hex("02 000000 0a000001")), expected: .payloadMalformed),
            MalformedCase(name: "fragment number zero", bytes: Raw.single(132, hex("0001 00 01 aabb")), expected: .payloadMalformed),
            MalformedCase(name: "fragment without data", bytes: Raw.single(132, hex("0001 01 01")), expected: .payloadMalformed),
        ]
    }()

    @Test("each malformed message is rejected with the notify it maps to", arguments: corpus)
    func rejected(_ sample: MalformedCase) {
        #expect(throws: ISAKMPError(sample.expected, "")) { try ISAKMPMessage.decode(sample.bytes) }
    }

    @Test("the corpus' base message is itself valid (so each case tests its one defect)")
    func baseIsValid() throws {
        let decoded = try ISAKMPMessage.decode(Raw.message(first: 1, body: Raw.payload(next: 0, Raw.validSA)))
        #expect(decoded.payloads.count == 1)
        _ = try ISAKMPMessage.decode(Raw.single(1, Raw.sa(Raw.proposal(count: 2, transforms: Raw.transform(next: 3, number: 1) + Raw.transform(number: 2)))))
        _ = try ISAKMPMessage.decode(Raw.single(12, hex("00000001 03 04 0002 c51ece3a 2c8db405")))
    }

    @Test("rejections carry a reason that names what was wrong")
    func reasonsAreSpecific() {
        do {
            _ = try ISAKMPMessage.decode(Raw.single(12, hex("00000001 03 04 ffff c51ece3a")))
            Issue.record("accepted")
        } catch {
            #expect(error.reason.contains("65535 SPIs"))
        }
    }
}
