/// IKEDump turns packet captures into decoded ISAKMP messages: it reads pcap and pcapng files, finds
/// IKE datagrams on UDP 500 and 4500, decodes them with the ISAKMP module, and, given a key table,
/// decrypts encrypted messages by following each Phase 1 SA's IV chain.

/// One captured frame.
public struct CapturedFrame: Sendable {
    /// 1-based position in the file.
    public var number: Int
    /// Seconds since the epoch.
    public var timestamp: Double
    /// The capture's link-layer type (LINKTYPE_* numbers of the pcap format).
    public var linkType: UInt32
    public var data: [UInt8]
}

/// Why a capture file could not be read (further).
public struct CaptureError: Error, Equatable, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Reads the classic pcap format (microsecond and nanosecond, either byte order) and pcapng
/// (section header, interface description, enhanced/simple/obsolete packet blocks).
///
/// Every length is checked against the bytes left and against a cap, so a corrupt file yields the
/// frames before the damage and a `CaptureError`, never a trap or a huge allocation.
public struct CaptureFile: Sendable {
    /// Largest frame accepted (jumbo frames with room to spare).
    static let maximumFrame = 262_144

    public private(set) var frames: [CapturedFrame] = []
    /// Set when reading stopped early; `frames` holds what came before.
    public private(set) var error: CaptureError?

    public init(bytes: [UInt8]) {
        var reader = CaptureReader(bytes: bytes)
        do {
            guard let magic = reader.peekUInt32(bigEndian: true) else { throw CaptureError("file too short for a capture header") }
            switch magic {
            case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1:
                try readPcap(&reader)
            case 0x0A0D_0D0A:
                try readPcapNG(&reader)
            default:
                throw CaptureError("not a pcap or pcapng file (magic 0x\(String(magic, radix: 16)))")
            }
        } catch let error as CaptureError {
            self.error = error
        } catch {
            self.error = CaptureError("\(error)")
        }
    }

    private mutating func append(timestamp: Double, linkType: UInt32, data: [UInt8]) {
        frames.append(CapturedFrame(number: frames.count + 1, timestamp: timestamp, linkType: linkType, data: data))
    }

    private mutating func readPcap(_ reader: inout CaptureReader) throws {
        let magic = try reader.uint32(bigEndian: true)
        let bigEndian = magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D
        let nanoseconds = magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1
        try reader.skip(16, "pcap header")
        let linkType = try reader.uint32(bigEndian: bigEndian) & 0x0FFF_FFFF
        while !reader.isAtEnd {
            let seconds = try reader.uint32(bigEndian: bigEndian, "record header")
            let fraction = try reader.uint32(bigEndian: bigEndian, "record header")
            let included = Int(try reader.uint32(bigEndian: bigEndian, "record header"))
            _ = try reader.uint32(bigEndian: bigEndian, "record header")
            guard included <= Self.maximumFrame else {
                throw CaptureError("frame \(frames.count + 1) claims \(included) bytes")
            }
            let data = try reader.bytes(included, "frame \(frames.count + 1)")
            let time = Double(seconds) + Double(fraction) / (nanoseconds ? 1e9 : 1e6)
            append(timestamp: time, linkType: linkType, data: data)
        }
    }

    private mutating func readPcapNG(_ reader: inout CaptureReader) throws {
        var bigEndian = false
        var interfaces: [(linkType: UInt32, resolution: Double)] = []
        while !reader.isAtEnd {
            let blockStart = reader.offset
            guard let typeBytes = reader.peekBytes(4) else { throw CaptureError("truncated block header at \(blockStart)") }
            let isSectionHeader = typeBytes == [0x0A, 0x0D, 0x0D, 0x0A]
            if isSectionHeader {
                // The byte-order magic after the length decides the section's byte order.
                guard let magicBytes = reader.peekBytes(12)?.suffix(4) else { throw CaptureError("truncated section header") }
                bigEndian = Array(magicBytes) == [0x1A, 0x2B, 0x3C, 0x4D]
                interfaces = []
            }
            let type = try reader.uint32(bigEndian: bigEndian, "block type")
            let length = Int(try reader.uint32(bigEndian: bigEndian, "block length"))
            guard length >= 12, length % 4 == 0, length - 8 <= reader.remaining else {
                throw CaptureError("block at offset \(blockStart) has bad length \(length)")
            }
            var body = try reader.subReader(length - 12, "block body")
            let trailer = Int(try reader.uint32(bigEndian: bigEndian, "block trailer"))
            guard trailer == length else { throw CaptureError("block at offset \(blockStart): trailing length \(trailer) ≠ \(length)") }
            switch type {
            case 1: // Interface Description Block
                let linkType = UInt32(try body.uint16(bigEndian: bigEndian, "link type"))
                try body.skip(6, "interface header")
                var resolution = 1e-6
                while body.remaining >= 4 {
                    let code = try body.uint16(bigEndian: bigEndian, "option code")
                    let optionLength = Int(try body.uint16(bigEndian: bigEndian, "option length"))
                    let value = try body.bytes(optionLength, "option")
                    try body.skip((4 - optionLength % 4) % 4, "option padding")
                    if code == 0 { break }
                    if code == 9, let exponent = value.first {
                        // if_tsresol: high bit set means a power of two, else a power of ten.
                        let power = Double(exponent & 0x7F)
                        resolution = exponent & 0x80 != 0 ? pow2(-power) : pow10(-power)
                    }
                }
                interfaces.append((linkType, resolution))
            case 6, 2: // Enhanced Packet Block, obsolete Packet Block
                let interface: Int
                if type == 6 {
                    interface = Int(try body.uint32(bigEndian: bigEndian, "interface ID"))
                } else {
                    interface = Int(try body.uint16(bigEndian: bigEndian, "interface ID"))
                    try body.skip(2, "drops count")
                }
                let high = UInt64(try body.uint32(bigEndian: bigEndian, "timestamp"))
                let low = UInt64(try body.uint32(bigEndian: bigEndian, "timestamp"))
                let captured = Int(try body.uint32(bigEndian: bigEndian, "captured length"))
                _ = try body.uint32(bigEndian: bigEndian, "original length")
                guard interface < interfaces.count else { throw CaptureError("packet for undeclared interface \(interface)") }
                guard captured <= Self.maximumFrame else { throw CaptureError("frame \(frames.count + 1) claims \(captured) bytes") }
                let data = try body.bytes(captured, "frame \(frames.count + 1)")
                let ticks = Double(high << 32 | low)
                append(timestamp: ticks * interfaces[interface].resolution, linkType: interfaces[interface].linkType, data: data)
            case 3: // Simple Packet Block: one interface, no timestamp.
                guard let first = interfaces.first else { throw CaptureError("simple packet before any interface") }
                _ = try body.uint32(bigEndian: bigEndian, "original length")
                append(timestamp: 0, linkType: first.linkType, data: body.rest())
            default:
                break // Section headers, statistics, name resolution and custom blocks carry no frames.
            }
        }
    }
}

private func pow10(_ exponent: Double) -> Double {
    var value = 1.0
    for _ in 0..<Int(-exponent) { value /= 10 }
    return value
}

private func pow2(_ exponent: Double) -> Double {
    var value = 1.0
    for _ in 0..<Int(-exponent) { value /= 2 }
    return value
}

/// A bounds-checked cursor over capture bytes in either byte order.
struct CaptureReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    let end: Int

    init(bytes: [UInt8]) {
        self.bytes = bytes
        offset = 0
        end = bytes.count
    }

    private init(bytes: [UInt8], offset: Int, end: Int) {
        self.bytes = bytes
        self.offset = offset
        self.end = end
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    func peekBytes(_ count: Int) -> [UInt8]? {
        guard count <= remaining else { return nil }
        return Array(bytes[offset..<offset + count])
    }

    func peekUInt32(bigEndian: Bool) -> UInt32? {
        guard let raw = peekBytes(4) else { return nil }
        return Self.combine(raw, bigEndian: bigEndian)
    }

    mutating func bytes(_ count: Int, _ what: String = "data") throws -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw CaptureError("truncated \(what): need \(count) bytes at offset \(offset), \(remaining) left")
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func skip(_ count: Int, _ what: String) throws { _ = try bytes(count, what) }

    mutating func rest() -> [UInt8] {
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    mutating func uint32(bigEndian: Bool, _ what: String = "field") throws -> UInt32 {
        Self.combine(try bytes(4, what), bigEndian: bigEndian)
    }

    mutating func uint16(bigEndian: Bool, _ what: String = "field") throws -> UInt16 {
        let raw = try bytes(2, what)
        return bigEndian ? UInt16(raw[0]) << 8 | UInt16(raw[1]) : UInt16(raw[1]) << 8 | UInt16(raw[0])
    }

    mutating func subReader(_ count: Int, _ what: String) throws -> CaptureReader {
        guard count >= 0, count <= remaining else { throw CaptureError("truncated \(what)") }
        defer { offset += count }
        return CaptureReader(bytes: bytes, offset: offset, end: offset + count)
    }

    private static func combine(_ raw: [UInt8], bigEndian: Bool) -> UInt32 {
        let ordered = bigEndian ? raw : raw.reversed()
        return ordered.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
