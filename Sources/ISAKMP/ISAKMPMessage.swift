/// ISAKMP is the IKEv1 wire format (RFC 2408 §3, RFC 2407 §4, RFC 2409 App. A, RFC 3947, RFC 3706):
/// strict, bounds-checked decoding of whole messages into typed payloads and byte-exact encoding back.
/// Every rejection is an `ISAKMPError` naming the notify it maps to. The encrypted part of a message is
/// opaque here; decryption lives in IKECrypto and the engine.

/// One ISAKMP message: the header and either its payloads or, when the E flag is set, the ciphertext.
public struct ISAKMPMessage: Equatable, Sendable {
    public enum Body: Equatable, Sendable {
        /// Cleartext payloads.
        case payloads([Payload])
        /// The encrypted payload chain; its first payload's type is `header.nextPayload`.
        case encrypted([UInt8])
    }

    public var header: ISAKMPHeader
    public var body: Body
    /// Alignment padding after the last cleartext payload (see `PayloadChain.Trailer.alignment`), kept so
    /// that encoding gives back the received bytes.
    public var alignmentPadding: [UInt8]

    public init(header: ISAKMPHeader, body: Body, alignmentPadding: [UInt8] = []) {
        precondition(alignmentPadding.count <= 3 && alignmentPadding.allSatisfy { $0 == 0 }, "alignment padding is up to 3 zero bytes")
        self.header = header
        self.body = body
        self.alignmentPadding = alignmentPadding
    }

    /// The cleartext payloads (empty for an encrypted message).
    public var payloads: [Payload] {
        if case .payloads(let payloads) = body { return payloads }
        return []
    }

    /// Decodes a whole datagram (without any NAT-T non-ESP marker).
    ///
    /// The header's length must equal the datagram's size (Libreswan CVE-2013-4564 accepted messages
    /// shorter or longer than their header said); the E flag decides whether the body is parsed.
    public static func decode(_ datagram: [UInt8]) throws(ISAKMPError) -> ISAKMPMessage {
        var reader = ByteReader(datagram)
        guard datagram.count >= ISAKMPHeader.size else {
            throw ISAKMPError(.payloadMalformed, "datagram of \(datagram.count) bytes is shorter than the ISAKMP header")
        }
        let header = try ISAKMPHeader.decode(&reader)
        guard header.length == UInt32(datagram.count) else {
            throw ISAKMPError(.unequalPayloadLengths, "header says \(header.length) bytes, datagram has \(datagram.count)")
        }
        if header.flags.contains(.encryption) {
            guard header.nextPayload != .none, !reader.isAtEnd else {
                throw ISAKMPError(.payloadMalformed, "encrypted message without a body")
            }
            return ISAKMPMessage(header: header, body: .encrypted(reader.readRest()))
        }
        let chain = try PayloadChain.decode(first: header.nextPayload, reader: &reader, trailer: .alignment)
        return ISAKMPMessage(header: header, body: .payloads(chain.payloads), alignmentPadding: chain.padding)
    }

    /// The datagram: header (with next payload and length filled in) and body.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 512)
        var header = self.header
        switch body {
        case .payloads(let payloads):
            header.nextPayload = payloads.first?.type ?? .none
        case .encrypted:
            break
        }
        header.encode(into: &writer)
        switch body {
        case .payloads(let payloads):
            PayloadChain.encode(payloads, into: &writer)
            writer.write(contentsOf: alignmentPadding)
        case .encrypted(let ciphertext): writer.write(contentsOf: ciphertext)
        }
        writer.patch(UInt32(writer.count), at: 24)
        return writer.bytes
    }

    /// The first payload of a type.
    public func first(_ type: PayloadType) -> Payload? { payloads.first { $0.type == type } }
}
