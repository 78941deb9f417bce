/// A payload chain as bytes the fuzzer may break: each payload is a type number and a body, and the
/// generic header (RFC 2408 §3.2) is written here, so lengths, types and order can be made wrong
/// on purpose — none of it goes through the codec under test.
struct RawPayload: Equatable {
    var type: UInt8
    var body: [UInt8]
    /// Added to the true length when the header is written (0: correct).
    var lengthError = 0
    var reserved: UInt8 = 0
}

enum RawChain {
    /// The chain's bytes: each generic header names the next payload's type.
    static func encode(_ payloads: [RawPayload]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (index, payload) in payloads.enumerated() {
            let next = index + 1 < payloads.count ? payloads[index + 1].type : 0
            let length = UInt16(truncatingIfNeeded: max(0, payload.body.count + 4 + payload.lengthError))
            bytes += [next, payload.reserved, UInt8(length >> 8), UInt8(length & 0xFF)] + payload.body
        }
        return bytes
    }

    /// Splits well-formed chain bytes (what a real engine sent) into payloads; stops at the first
    /// inconsistency, which a peer's own message never has.
    static func decode(first: UInt8, _ bytes: [UInt8]) -> [RawPayload] {
        var payloads: [RawPayload] = []
        var type = first, offset = 0
        while type != 0, offset + 4 <= bytes.count {
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 4, offset + length <= bytes.count else { break }
            payloads.append(RawPayload(type: type, body: Array(bytes[offset + 4 ..< offset + length]), reserved: bytes[offset + 1]))
            type = bytes[offset]
            offset += length
        }
        return payloads
    }
}
