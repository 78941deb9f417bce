/// Writes classic little-endian pcap files with raw-IP or Ethernet frames, for tests that need captures
/// of things the lab cannot easily produce (IPv6, NAT-T port 4500, damaged frames).
public struct PcapWriter {
    public enum LinkType: UInt32 {
        case ethernet = 1
        case rawIP = 101
    }

    public private(set) var bytes: [UInt8] = []
    let linkType: LinkType

    public init(linkType: LinkType) {
        self.linkType = linkType
        bytes += le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(65535) + le32(linkType.rawValue)
    }

    /// Appends one frame.
    public mutating func append(frame: [UInt8], seconds: UInt32 = 0, microseconds: UInt32 = 0) {
        bytes += le32(seconds) + le32(microseconds) + le32(UInt32(frame.count)) + le32(UInt32(frame.count)) + frame
    }

    /// Appends a UDP datagram in IPv4 or IPv6 (by the address lengths), framed for this file's link type.
    public mutating func appendUDP(source: [UInt8], sourcePort: UInt16, destination: [UInt8], destinationPort: UInt16, payload: [UInt8]) {
        let udp = be16(sourcePort) + be16(destinationPort) + be16(UInt16(8 + payload.count)) + be16(0) + payload
        let ip: [UInt8]
        let etherType: UInt16
        if source.count == 4 {
            ip = [0x45, 0] + be16(UInt16(20 + udp.count)) + [0, 0, 0, 0, 64, 17, 0, 0] + source + destination + udp
            etherType = 0x0800
        } else {
            ip = [0x60, 0, 0, 0] + be16(UInt16(udp.count)) + [17, 64] + source + destination + udp
            etherType = 0x86DD
        }
        switch linkType {
        case .rawIP: append(frame: ip)
        case .ethernet: append(frame: [UInt8](repeating: 0x02, count: 12) + be16(etherType) + ip)
        }
    }

    private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) } }
    private func le16(_ value: UInt16) -> [UInt8] { [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)] }
    private func be16(_ value: UInt16) -> [UInt8] { [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
}
