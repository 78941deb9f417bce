import IPsecTypes

/// The fixed 28-byte ISAKMP header (RFC 2408 §3.1).
public struct ISAKMPHeader: Equatable, Sendable {
    /// Size of the header on the wire.
    public static let size = 28

    public var initiatorCookie: Cookie
    public var responderCookie: Cookie
    /// Type of the first payload (of the plaintext, when the body is encrypted).
    public var nextPayload: PayloadType
    /// Major version in the high nibble, minor in the low nibble; IKEv1 is 1.0.
    public var majorVersion: UInt8
    public var minorVersion: UInt8
    public var exchangeType: ExchangeType
    public var flags: HeaderFlags
    public var messageID: UInt32
    /// Total length of the message, header included.
    public var length: UInt32

    public init(
        initiatorCookie: Cookie, responderCookie: Cookie = .zero, nextPayload: PayloadType = .none,
        exchangeType: ExchangeType, flags: HeaderFlags = [], messageID: UInt32 = 0, length: UInt32 = 0,
        majorVersion: UInt8 = 1, minorVersion: UInt8 = 0
    ) {
        self.initiatorCookie = initiatorCookie
        self.responderCookie = responderCookie
        self.nextPayload = nextPayload
        self.majorVersion = majorVersion
        self.minorVersion = minorVersion
        self.exchangeType = exchangeType
        self.flags = flags
        self.messageID = messageID
        self.length = length
    }

    /// Reads and validates a header: version 1.0 (RFC 2408 §5.1: a larger major version gets
    /// INVALID-MAJOR-VERSION, a minor other than 0 INVALID-MINOR-VERSION) and no undefined flag bits.
    public static func decode(_ reader: inout ByteReader) throws(ISAKMPError) -> ISAKMPHeader {
        let initiator = try Cookie(reader.readBytes(8, "initiator cookie"))
        let responder = try Cookie(reader.readBytes(8, "responder cookie"))
        let next = PayloadType(rawValue: try reader.readUInt8("next payload"))
        let version = try reader.readUInt8("version")
        let exchange = ExchangeType(rawValue: try reader.readUInt8("exchange type"))
        let flagBits = try reader.readUInt8("flags")
        let messageID = try reader.readUInt32("message ID")
        let length = try reader.readUInt32("length")
        let major = version >> 4, minor = version & 0x0F
        guard major == 1 else {
            throw ISAKMPError(.invalidMajorVersion, "major version \(major), only 1 (IKEv1) is spoken here")
        }
        guard minor == 0 else {
            throw ISAKMPError(.invalidMinorVersion, "minor version \(minor), only 0 is defined")
        }
        guard exchange.isKnown, exchange != .none else {
            throw ISAKMPError(.invalidExchangeType, "exchange type \(exchange.rawValue) is not defined")
        }
        let flags = HeaderFlags(rawValue: flagBits)
        guard flags.subtracting(.all).isEmpty else {
            throw ISAKMPError(.invalidFlags, "undefined flag bits 0x\(String(flagBits & ~HeaderFlags.all.rawValue, radix: 16))")
        }
        return ISAKMPHeader(
            initiatorCookie: initiator, responderCookie: responder, nextPayload: next, exchangeType: exchange,
            flags: flags, messageID: messageID, length: length, majorVersion: major, minorVersion: minor
        )
    }

    public func encode(into writer: inout ByteWriter) {
        writer.write(contentsOf: initiatorCookie.bytes)
        writer.write(contentsOf: responderCookie.bytes)
        writer.write(nextPayload.rawValue)
        writer.write(majorVersion << 4 | (minorVersion & 0x0F))
        writer.write(exchangeType.rawValue)
        writer.write(flags.rawValue)
        writer.write(messageID)
        writer.write(length)
    }
}

/// The header flags (RFC 2408 §3.1).
public struct HeaderFlags: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Payloads after the header are encrypted.
    public static let encryption = HeaderFlags(rawValue: 0x01)
    /// Commit: the sender wants to be told when the SA is established (RFC 2408 §3.1, RFC 2409 §5.5).
    public static let commit = HeaderFlags(rawValue: 0x02)
    /// Authentication only (the message is not encrypted but authenticated).
    public static let authenticationOnly = HeaderFlags(rawValue: 0x04)
    static let all: HeaderFlags = [.encryption, .commit, .authenticationOnly]

    public var description: String {
        var names: [String] = []
        if contains(.encryption) { names.append("E") }
        if contains(.commit) { names.append("C") }
        if contains(.authenticationOnly) { names.append("A") }
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }
}

/// An 8-byte ISAKMP cookie (RFC 2408 §2.5.3).
public struct Cookie: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64
    public static let zero = Cookie(value: 0)

    public init(value: UInt64) { self.value = value }

    /// From exactly 8 bytes in network order.
    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 8, "a cookie is 8 bytes")
        value = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public var bytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) } }
    public var isZero: Bool { value == 0 }
    /// 16 lower-case hex digits, as Wireshark's decryption table and `ikeadm` print cookies.
    public var description: String { bytes.hexString }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex without separators.
    public var hexString: String {
        let digits: [Character] = Array("0123456789abcdef")
        var out = ""
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return out
    }
}
