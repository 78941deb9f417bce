/// The 4-byte generic payload header (RFC 2408 §3.2): next payload, reserved, length (header included).
enum GenericPayloadHeader {
    static let size = 4

    /// A decoded header and a reader over the payload's body.
    struct Decoded {
        var next: PayloadType
        var reserved: UInt8
        var reader: ByteReader
    }

    /// Reads a header and checks its length against what is left: at least the header itself and no
    /// more than the enclosing container (OpenBSD iked's "validate, then parse", STYLE §4.2).
    static func decode(_ reader: inout ByteReader, what: String) throws(ISAKMPError) -> Decoded {
        let start = reader.offset
        let next = PayloadType(rawValue: try reader.readUInt8("\(what) next payload"))
        let reserved = try reader.readUInt8("\(what) reserved")
        let length = Int(try reader.readUInt16("\(what) length"))
        guard length >= size else {
            throw ISAKMPError(.payloadMalformed, "\(what) at offset \(start) has length \(length), less than its header")
        }
        guard length - size <= reader.remaining else {
            throw ISAKMPError(.payloadMalformed, "\(what) at offset \(start) has length \(length) but only \(reader.remaining + size) bytes remain")
        }
        let body = try reader.subReader(length - size, "\(what) body")
        return Decoded(next: next, reserved: reserved, reader: body)
    }

    /// Writes a header, the body `build` writes, then patches the length.
    static func encode(next: PayloadType, reserved: UInt8 = 0, into writer: inout ByteWriter, body build: (inout ByteWriter) -> Void) {
        let start = writer.count
        writer.write(next.rawValue)
        writer.write(reserved)
        writer.write(UInt16(0))
        build(&writer)
        let length = writer.count - start
        precondition(length <= Int(UInt16.max), "payload longer than 65535 bytes")
        writer.patch(UInt16(length), at: start + 2)
    }
}
