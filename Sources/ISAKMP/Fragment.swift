/// IKEv1 fragmentation, the vendor-ID-negotiated extension of Cisco and Microsoft that strongSwan,
/// Libreswan, racoon and Windows speak: a message too large for the path (MM5 and MM6 with
/// certificate chains) is cut into pieces, each sent as an ISAKMP message of its own — the
/// original's cookies, exchange type and message ID, no flags — holding one fragment payload
/// (type 132):
///
///     Next Payload | RESERVED | Payload Length
///     Fragment ID (16)  | Fragment Number (8, from 1) | Flags (0x01: last)
///     Fragment Data: the next slice of the whole encoded message, header included
public struct Fragment: Equatable, Sendable {
    public static let lastFlag: UInt8 = 0x01
    /// Payload header (4) and the ID, number and flags (4).
    public static let overhead = ISAKMPHeader.size + 8

    public var header: ISAKMPHeader
    public var id: UInt16
    public var number: UInt8
    public var isLast: Bool
    public var data: [UInt8]

    public init(header: ISAKMPHeader, id: UInt16, number: UInt8, isLast: Bool, data: [UInt8]) {
        self.header = header
        self.id = id
        self.number = number
        self.isLast = isLast
        self.data = data
    }

    /// The fragment a datagram carries, nil when it is not one. Throws on a fragment that is
    /// malformed: a length that disagrees with the datagram, number 0, no data, or more payloads.
    public static func parse(_ bytes: [UInt8]) throws(ISAKMPError) -> Fragment? {
        guard bytes.count >= ISAKMPHeader.size, bytes[16] == PayloadType.fragment.rawValue else { return nil }
        var reader = ByteReader(bytes)
        let header = try ISAKMPHeader.decode(&reader)
        guard Int(header.length) == bytes.count else {
            throw ISAKMPError(.payloadMalformed, "fragment message length \(header.length) for a \(bytes.count)-byte datagram")
        }
        guard !header.flags.contains(.encryption) else { throw ISAKMPError(.payloadMalformed, "a fragment message with the encryption flag") }
        let next = try reader.readUInt8("fragment next payload")
        _ = try reader.readUInt8("fragment reserved")
        let length = Int(try reader.readUInt16("fragment length"))
        guard next == PayloadType.none.rawValue, length == reader.remaining + 4, length > 8 else {
            throw ISAKMPError(.payloadMalformed, "fragment payload length \(length) with \(reader.remaining + 4) bytes left, next payload \(next)")
        }
        let id = try reader.readUInt16("fragment ID")
        let number = try reader.readUInt8("fragment number")
        let flags = try reader.readUInt8("fragment flags")
        guard number > 0 else { throw ISAKMPError(.payloadMalformed, "fragment number 0") }
        return Fragment(header: header, id: id, number: number, isLast: flags & lastFlag != 0, data: reader.readRest())
    }

    /// The largest fragment data a payload length can describe.
    public static let maximumData = Int(UInt16.max) - 8

    /// The datagram of this fragment (`data` beyond `maximumData` is cut there: a payload length
    /// cannot say more).
    public func encoded() -> [UInt8] {
        let data = self.data.prefix(Self.maximumData)
        var header = self.header
        header.nextPayload = .fragment
        header.flags = []
        header.length = UInt32(Self.overhead + data.count)
        var writer = ByteWriter(capacity: Self.overhead + data.count)
        header.encode(into: &writer)
        writer.write(PayloadType.none.rawValue)
        writer.write(UInt8(0))
        writer.write(UInt16(8 + data.count))
        writer.write(id)
        writer.write(number)
        writer.write(isLast ? Self.lastFlag : 0)
        writer.write(contentsOf: data)
        return writer.bytes
    }

    /// `message` (an encoded ISAKMP message) cut into fragment datagrams of at most `maximum`
    /// bytes each, under fragment ID `id`; nil when it would take more than 255 fragments.
    public static func split(_ message: [UInt8], id: UInt16, maximum: Int) -> [[UInt8]]? {
        var reader = ByteReader(message)
        guard let header = try? ISAKMPHeader.decode(&reader), maximum > overhead, maximum - overhead <= maximumData else { return nil }
        let size = maximum - overhead
        let count = (message.count + size - 1) / size
        guard count > 0, count <= 255 else { return nil }
        return (0..<count).map { index in
            let slice = Array(message[(index * size)..<min(message.count, (index + 1) * size)])
            return Fragment(header: header, id: id, number: UInt8(index + 1), isLast: index == count - 1, data: slice).encoded()
        }
    }
}
