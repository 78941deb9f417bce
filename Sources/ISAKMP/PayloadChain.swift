/// Decoding and encoding of a chain of payloads linked by their "next payload" fields (RFC 2408 §3.2).
public enum PayloadChain {
    /// A decoded chain and whatever followed its last payload.
    public struct Decoded: Equatable, Sendable {
        public var payloads: [Payload]
        /// Bytes after the last payload: the cipher padding of a decrypted message (RFC 2409 §5.3),
        /// always empty for a cleartext one.
        public var padding: [UInt8]
    }

    /// What may follow the last payload.
    public enum Trailer: Sendable {
        /// Up to three zero bytes: Libreswan pads cleartext messages to a 4-byte boundary (seen in its
        /// Main Mode message 4 after a 61-byte CR payload).
        case alignment
        /// Anything: a decrypted body is padded to the cipher block size (RFC 2409 §5.3) with bytes
        /// whose values implementations choose differently.
        case cipherPadding
    }

    /// Decodes payloads starting with type `first` until a payload says "none".
    public static func decode(first: PayloadType, bytes: [UInt8], trailer: Trailer) throws(ISAKMPError) -> Decoded {
        var reader = ByteReader(bytes)
        return try decode(first: first, reader: &reader, trailer: trailer)
    }

    static func decode(first: PayloadType, reader: inout ByteReader, trailer: Trailer) throws(ISAKMPError) -> Decoded {
        var payloads: [Payload] = []
        var next = first
        while next != .none {
            guard reader.remaining > 0 else {
                throw ISAKMPError(.payloadMalformed, "message ends where a \(next) payload was announced")
            }
            // Refuse an unknown type before reading its length: we cannot know how to skip it safely
            // in a way both ends agree on (RFC 2408 §5.2 answers it with INVALID-PAYLOAD-TYPE).
            let type = next
            var decoded = try GenericPayloadHeader.decode(&reader, what: "\(type) payload")
            let bodyStart = decoded.reader.offset
            let content = try PayloadContent.decode(type: type, body: &decoded.reader)
            let body = Array(reader.bytesIn(bodyStart..<decoded.reader.end))
            payloads.append(Payload(content: content, body: body, reserved: decoded.reserved))
            next = decoded.next
        }
        let rest = reader.readRest()
        if trailer == .alignment, rest.count > 3 || rest.contains(where: { $0 != 0 }) {
            throw ISAKMPError(.payloadMalformed, "\(rest.count) bytes after the last payload")
        }
        return Decoded(payloads: payloads, padding: rest)
    }

    /// The chain's bytes: each payload with a generic header naming its successor.
    public static func encode(_ payloads: [Payload]) -> [UInt8] {
        var writer = ByteWriter(capacity: payloads.reduce(0) { $0 + $1.body.count + 4 })
        encode(payloads, into: &writer)
        return writer.bytes
    }

    static func encode(_ payloads: [Payload], into writer: inout ByteWriter) {
        for (index, payload) in payloads.enumerated() {
            let next = index + 1 < payloads.count ? payloads[index + 1].type : .none
            payload.encode(next: next, into: &writer)
        }
    }
}

extension ByteReader {
    func bytesIn(_ range: Range<Int>) -> ArraySlice<UInt8> { bytes[range] }
}
