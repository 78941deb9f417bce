import IPsecTypes

/// An IKE datagram found in a frame: its UDP endpoints and the ISAKMP bytes (non-ESP marker removed).
public struct IKEDatagram: Sendable {
    public var frame: Int
    public var timestamp: Double
    public var source: Endpoint
    public var destination: Endpoint
    /// True when it came on a NAT-T port with the 4-byte non-ESP marker (RFC 3948 §2.2).
    public var hadNonESPMarker: Bool
    public var payload: [UInt8]
}

/// What a frame turned out to hold.
public enum DissectedFrame: Sendable {
    case ike(IKEDatagram)
    /// Not IKE (other protocols, ESP, NAT-T keepalives, later IP fragments): silently skipped.
    case other
    /// Damaged headers on the way to UDP: reported, then the dump goes on.
    case malformed(String)
}

/// Peels link, IP and UDP headers off a frame: Ethernet (with 802.1Q/802.1ad tags), Linux cooked v1
/// and v2, raw IP, BSD loopback; IPv4 and IPv6 (extension headers skipped); UDP 500 and 4500.
public enum FrameDissector {
    public static let ikePort: UInt16 = 500
    public static let natTraversalPort: UInt16 = 4500

    public static func dissect(_ frame: CapturedFrame) -> DissectedFrame {
        let data = frame.data
        let network: (etherType: UInt16, offset: Int)?
        switch frame.linkType {
        case 1: // Ethernet
            guard data.count >= 14 else { return .malformed("Ethernet frame of \(data.count) bytes") }
            var offset = 12
            var etherType = UInt16(data[12]) << 8 | UInt16(data[13])
            var tags = 0
            while etherType == 0x8100 || etherType == 0x88A8, tags < 3 {
                guard data.count >= offset + 6 else { return .malformed("truncated VLAN tag") }
                offset += 4
                tags += 1
                etherType = UInt16(data[offset]) << 8 | UInt16(data[offset + 1])
            }
            network = (etherType, offset + 2)
        case 113: // Linux cooked capture v1: protocol at 14, header 16 bytes.
            guard data.count >= 16 else { return .malformed("SLL frame of \(data.count) bytes") }
            network = (UInt16(data[14]) << 8 | UInt16(data[15]), 16)
        case 276: // Linux cooked capture v2: protocol at 0, header 20 bytes.
            guard data.count >= 20 else { return .malformed("SLL2 frame of \(data.count) bytes") }
            network = (UInt16(data[0]) << 8 | UInt16(data[1]), 20)
        case 101, 12, 14, 228, 229: // raw IP
            guard let first = data.first else { return .malformed("empty raw IP frame") }
            network = (first >> 4 == 6 ? 0x86DD : 0x0800, 0)
        case 0, 108: // BSD loopback: a 4-byte address family (host order for 0, network order for 108)
            guard data.count >= 4 else { return .malformed("loopback frame of \(data.count) bytes") }
            let family = frame.linkType == 0
                ? UInt32(data[0]) | UInt32(data[1]) << 8 | UInt32(data[2]) << 16 | UInt32(data[3]) << 24
                : UInt32(data[0]) << 24 | UInt32(data[1]) << 16 | UInt32(data[2]) << 8 | UInt32(data[3])
            network = (family == 2 ? 0x0800 : [10, 24, 28, 30].contains(family) ? 0x86DD : 0, 4)
        default:
            return .other
        }
        guard let network else { return .other }
        switch network.etherType {
        case 0x0800: return ipv4(data, at: network.offset, frame: frame)
        case 0x86DD: return ipv6(data, at: network.offset, frame: frame)
        default: return .other
        }
    }

    private static func ipv4(_ data: [UInt8], at start: Int, frame: CapturedFrame) -> DissectedFrame {
        guard data.count >= start + 20, data[start] >> 4 == 4 else { return .malformed("truncated IPv4 header") }
        let headerLength = Int(data[start] & 0x0F) * 4
        let totalLength = Int(data[start + 2]) << 8 | Int(data[start + 3])
        guard headerLength >= 20, totalLength >= headerLength, data.count >= start + headerLength else {
            return .malformed("IPv4 header length \(headerLength), total \(totalLength)")
        }
        guard data[start + 9] == 17 else { return .other }
        let fragment = (UInt16(data[start + 6]) << 8 | UInt16(data[start + 7]))
        if fragment & 0x3FFF != 0 {
            // More-fragments or a non-zero offset: IKE over IP fragments is not reassembled here.
            return fragment & 0x1FFF == 0 ? .malformed("IPv4 fragment (not reassembled)") : .other
        }
        guard let source = IPAddress(bytes: Array(data[start + 12..<start + 16])),
              let destination = IPAddress(bytes: Array(data[start + 16..<start + 20]))
        else { return .malformed("IPv4 addresses") }
        let end = min(data.count, start + totalLength)
        return udp(data, from: start + headerLength, to: end, source: source, destination: destination, frame: frame)
    }

    private static func ipv6(_ data: [UInt8], at start: Int, frame: CapturedFrame) -> DissectedFrame {
        guard data.count >= start + 40, data[start] >> 4 == 6 else { return .malformed("truncated IPv6 header") }
        let payloadLength = Int(data[start + 4]) << 8 | Int(data[start + 5])
        guard let source = IPAddress(bytes: Array(data[start + 8..<start + 24])),
              let destination = IPAddress(bytes: Array(data[start + 24..<start + 40]))
        else { return .malformed("IPv6 addresses") }
        let end = min(data.count, start + 40 + payloadLength)
        var next = data[start + 6]
        var offset = start + 40
        // Hop-by-hop, routing and destination options are skipped; a fragment header ends the walk
        // unless it is a whole datagram (offset 0, no more fragments).
        for _ in 0..<8 {
            switch next {
            case 17:
                return udp(data, from: offset, to: end, source: source, destination: destination, frame: frame)
            case 0, 43, 60:
                guard end >= offset + 8 else { return .malformed("truncated IPv6 extension header") }
                next = data[offset]
                offset += (Int(data[offset + 1]) + 1) * 8
            case 44:
                guard end >= offset + 8 else { return .malformed("truncated IPv6 fragment header") }
                let fragment = UInt16(data[offset + 2]) << 8 | UInt16(data[offset + 3])
                if fragment & 0xFFF9 != 0 {
                    return fragment & 0xFFF8 == 0 ? .malformed("IPv6 fragment (not reassembled)") : .other
                }
                next = data[offset]
                offset += 8
            default:
                return .other
            }
        }
        return .other
    }

    private static func udp(_ data: [UInt8], from start: Int, to end: Int, source: IPAddress, destination: IPAddress, frame: CapturedFrame) -> DissectedFrame {
        guard end >= start + 8 else { return .malformed("truncated UDP header") }
        let sourcePort = UInt16(data[start]) << 8 | UInt16(data[start + 1])
        let destinationPort = UInt16(data[start + 2]) << 8 | UInt16(data[start + 3])
        let length = Int(data[start + 4]) << 8 | Int(data[start + 5])
        guard length >= 8, start + length <= end else {
            return .malformed("UDP length \(length) with \(end - start) bytes captured")
        }
        var payload = Array(data[start + 8..<start + length])
        let ports = [sourcePort, destinationPort]
        var marker = false
        if ports.contains(natTraversalPort), !ports.contains(ikePort) {
            // RFC 3948 §2: a lone 0xFF is a keepalive; four zero bytes precede IKE; anything else is ESP.
            guard payload.count >= 4, payload.prefix(4).allSatisfy({ $0 == 0 }) else { return .other }
            payload.removeFirst(4)
            marker = true
        } else if !ports.contains(ikePort) {
            return .other
        }
        return .ike(IKEDatagram(
            frame: frame.number, timestamp: frame.timestamp,
            source: Endpoint(address: source, port: sourcePort), destination: Endpoint(address: destination, port: destinationPort),
            hadNonESPMarker: marker, payload: payload))
    }
}
