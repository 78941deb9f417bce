/// A bounds-checked cursor over received bytes.
///
/// Every read checks the bytes left first and throws `payloadMalformed` naming what was being read and
/// at which offset, so no input can read past the end. It is a value: a caller that copies it before a
/// failed parse still holds the old position (STYLE §2.5).
public struct ByteReader: Sendable {
    @usableFromInline let bytes: [UInt8]
    /// Absolute offset of the next byte to read.
    public private(set) var offset: Int
    /// One past the last byte this reader may read.
    public let end: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
    }

    init(_ bytes: [UInt8], from start: Int, to end: Int) {
        precondition(start >= 0 && start <= end && end <= bytes.count)
        self.bytes = bytes
        self.offset = start
        self.end = end
    }

    /// Bytes not yet read.
    public var remaining: Int { end - offset }
    public var isAtEnd: Bool { offset == end }

    private func need(_ count: Int, _ what: @autoclosure () -> String) throws(ISAKMPError) {
        guard count >= 0, count <= remaining else {
            throw ISAKMPError(.payloadMalformed, "truncated \(what()): need \(count) bytes at offset \(offset), \(remaining) left")
        }
    }

    public mutating func readUInt8(_ what: @autoclosure () -> String = "field") throws(ISAKMPError) -> UInt8 {
        try need(1, what())
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readUInt16(_ what: @autoclosure () -> String = "field") throws(ISAKMPError) -> UInt16 {
        try need(2, what())
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public mutating func readUInt32(_ what: @autoclosure () -> String = "field") throws(ISAKMPError) -> UInt32 {
        try need(4, what())
        defer { offset += 4 }
        var value: UInt32 = 0
        for index in offset..<offset + 4 { value = value << 8 | UInt32(bytes[index]) }
        return value
    }

    public mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String = "field") throws(ISAKMPError) -> [UInt8] {
        try need(count, what())
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// All bytes left.
    public mutating func readRest() -> [UInt8] {
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// A reader over the next `count` bytes; this reader moves past them.
    public mutating func subReader(_ count: Int, _ what: @autoclosure () -> String = "field") throws(ISAKMPError) -> ByteReader {
        try need(count, what())
        defer { offset += count }
        return ByteReader(bytes, from: offset, to: offset + count)
    }
}

/// Builds outgoing bytes in network order.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func write(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    public mutating func write<S: Sequence>(contentsOf data: S) where S.Element == UInt8 { bytes.append(contentsOf: data) }

    /// Overwrites a 16-bit length field written earlier (lengths are written after their body).
    public mutating func patch(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    /// Overwrites a 32-bit field written earlier.
    public mutating func patch(_ value: UInt32, at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * index)) }
    }
}
