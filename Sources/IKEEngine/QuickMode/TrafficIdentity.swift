import IPsecTypes
import ISAKMP

/// Quick Mode client identities (IDci/IDcr, RFC 2409 §5.5) to and from traffic selector halves.
enum TrafficIdentity {
    static func payload(_ range: AddressRange, upperProtocol: UInt8, port: UInt16) -> Payload {
        let v4 = range.isIPv4
        let type: IdentificationType
        let data: [UInt8]
        if range.first == range.last {
            type = v4 ? .ipv4Address : .ipv6Address
            data = range.first.bytes
        } else if let length = range.prefixLength {
            type = v4 ? .ipv4Subnet : .ipv6Subnet
            let mask = IPAddress(integer: length == 0 ? 0 : (v4 ? UInt128(UInt32.max) : .max) & ~((UInt128(1) << UInt128(range.first.bitWidth - length)) &- 1), isIPv4: v4)
            data = range.first.bytes + mask.bytes
        } else {
            type = v4 ? .ipv4Range : .ipv6Range
            data = range.first.bytes + range.last.bytes
        }
        return Payload(.identification(IdentificationPayload(idType: type, protocolID: upperProtocol, port: port, data: data)))
    }

    /// The address range, protocol and port of an ID payload, or nil for types that name no addresses.
    static func parse(_ id: IdentificationPayload) -> (range: AddressRange, upperProtocol: UInt8, port: UInt16)? {
        let half = id.data.count / 2
        switch id.idType {
        case .ipv4Address, .ipv6Address:
            guard let address = IPAddress(bytes: id.data) else { return nil }
            return (AddressRange(address), id.protocolID, id.port)
        case .ipv4Subnet, .ipv6Subnet:
            guard let base = IPAddress(bytes: Array(id.data[..<half])), let mask = IPAddress(bytes: Array(id.data[half...])), let length = mask.prefixLength else { return nil }
            let hostMask: UInt128 = length == base.bitWidth ? 0 : (UInt128(1) << UInt128(base.bitWidth - length)) - 1
            let low = base.integerValue & ~hostMask
            return (AddressRange(first: IPAddress(integer: low, isIPv4: base.isIPv4), last: IPAddress(integer: low | hostMask, isIPv4: base.isIPv4)), id.protocolID, id.port)
        case .ipv4Range, .ipv6Range:
            guard let first = IPAddress(bytes: Array(id.data[..<half])), let last = IPAddress(bytes: Array(id.data[half...])),
                  first.integerValue <= last.integerValue
            else { return nil }
            return (AddressRange(first: first, last: last), id.protocolID, id.port)
        default:
            return nil
        }
    }
}
