/// One SA or Mode Config data attribute (RFC 2408 §3.3).
///
/// The format bit decides between TV (a 2-byte value in the header, "basic") and TLV (a length and a
/// variable value). The form is kept as received so that encoding gives back the same bytes and so
/// that SAi_b hashes exactly what the peer sent.
public struct DataAttribute: Equatable, Sendable {
    public enum Format: Equatable, Sendable {
        /// AF = 1: the 16-bit value is in the header.
        case typeValue
        /// AF = 0: a 16-bit length follows, then the value.
        case typeLengthValue
    }

    /// Attribute type without the AF bit (its meaning depends on the class: Phase 1, IPsec DOI, Mode Config).
    public var type: UInt16
    public var format: Format
    /// The value bytes (2 bytes for TV).
    public var value: [UInt8]

    /// A basic (TV) attribute.
    public static func basic(_ type: UInt16, _ value: UInt16) -> DataAttribute {
        DataAttribute(type: type, format: .typeValue, value: [UInt8(value >> 8), UInt8(value & 0xFF)])
    }

    /// A variable (TLV) attribute.
    public static func variable(_ type: UInt16, _ value: [UInt8]) -> DataAttribute {
        DataAttribute(type: type, format: .typeLengthValue, value: value)
    }

    /// A number attribute in the shortest form the RFC allows: TV when it fits in 16 bits, else TLV
    /// (RFC 2408 §3.3 lets variable attributes be sent as basic when the value fits).
    public static func integer(_ type: UInt16, _ value: UInt32) -> DataAttribute {
        if value <= UInt32(UInt16.max) { return .basic(type, UInt16(value)) }
        return .variable(type, (0..<4).map { UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * $0)) })
    }

    public init(type: UInt16, format: Format, value: [UInt8]) {
        precondition(type <= 0x7FFF, "attribute type is 15 bits")
        precondition(format == .typeLengthValue || value.count == 2, "a TV attribute carries 2 bytes")
        precondition(value.count <= Int(UInt16.max), "a TLV attribute carries at most 65535 bytes")
        self.type = type
        self.format = format
        self.value = value
    }

    /// The value as an unsigned integer, when it has at most 8 bytes (leading zero bytes allowed).
    public var integerValue: UInt64? {
        let significant = value.drop { $0 == 0 }
        guard significant.count <= 8 else { return nil }
        return significant.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The value as a 16-bit number (the registered values of every enumerated class), or nil when
    /// it does not fit: a value is never truncated into another, valid one.
    public var uint16Value: UInt16? { integerValue.flatMap { UInt16(exactly: $0) } }

    /// The value as an `Int`, or nil when it is longer than 8 bytes or above `Int.max`.
    public var intValue: Int? { integerValue.flatMap { Int(exactly: $0) } }

    static func decode(_ reader: inout ByteReader) throws(ISAKMPError) -> DataAttribute {
        let header = try reader.readUInt16("attribute type")
        let type = header & 0x7FFF
        if header & 0x8000 != 0 {
            return DataAttribute(type: type, format: .typeValue, value: try reader.readBytes(2, "attribute value"))
        }
        let length = Int(try reader.readUInt16("attribute length"))
        guard length <= reader.remaining else {
            throw ISAKMPError(.payloadMalformed, "attribute \(type) length \(length) exceeds the \(reader.remaining) bytes left")
        }
        return DataAttribute(type: type, format: .typeLengthValue, value: try reader.readBytes(length, "attribute value"))
    }

    /// Reads attributes until the reader is exhausted.
    static func decodeAll(_ reader: inout ByteReader) throws(ISAKMPError) -> [DataAttribute] {
        var attributes: [DataAttribute] = []
        while !reader.isAtEnd { attributes.append(try decode(&reader)) }
        return attributes
    }

    /// Decodes a bare attribute list, such as the data of a RESPONDER-LIFETIME notify (RFC 2407 §4.6.3.1).
    public static func decodeList(_ bytes: [UInt8]) throws(ISAKMPError) -> [DataAttribute] {
        var reader = ByteReader(bytes)
        return try decodeAll(&reader)
    }

    /// Writes the attribute (header and value) in its format.
    public func encode(into writer: inout ByteWriter) {
        switch format {
        case .typeValue:
            writer.write(type | 0x8000)
            writer.write(contentsOf: value)
        case .typeLengthValue:
            writer.write(type)
            writer.write(UInt16(value.count))
            writer.write(contentsOf: value)
        }
    }
}
