/// An IPv4 or IPv6 address, printed the way RFC 5952 asks.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address as an unsigned integer (IPv4 in the low 32 bits). Kept inline rather than as a byte
    /// array: every datagram carries two addresses and every table is keyed by them, so hashing and
    /// comparing must cost a few instructions and no heap storage.
    public let integerValue: UInt128
    public let isIPv4: Bool

    /// From 4 or 16 network-order bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.init(validBytes: bytes)
    }

    /// 4 bytes (IPv4) or 16 bytes (IPv6), network order.
    public var bytes: [UInt8] {
        let count = isIPv4 ? 4 : 16
        return (0..<count).map { UInt8(truncatingIfNeeded: integerValue >> UInt128(8 * (count - 1 - $0))) }
    }

    /// The number of leading one bits when the address is a contiguous netmask, else nil.
    public var prefixLength: Int? {
        var length = 0
        var seenZero = false
        for byte in bytes {
            for bit in (0..<8).reversed() {
                if byte >> UInt8(bit) & 1 == 1 {
                    if seenZero { return nil }
                    length += 1
                } else {
                    seenZero = true
                }
            }
        }
        return length
    }

    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        // RFC 5952 §4.2: compress the longest run (first on ties) of two or more zero groups.
        var bestStart = -1, bestLength = 0, runStart = -1
        for index in 0...groups.count {
            if index < groups.count, groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength { bestStart = runStart; bestLength = index - runStart }
                runStart = -1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestLength >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}
