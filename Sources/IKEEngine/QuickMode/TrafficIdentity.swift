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
            data = range.first.bytes + IPAddress.netmask(length: length, isIPv4: v4).bytes
        } else {
            type = v4 ? .ipv4Range : .ipv6Range
            data = range.first.bytes + range.last.bytes
        }
        return Payload(.identification(IdentificationPayload(idType: type, protocolID: upperProtocol, port: port, data: data)))
    }

    /// The address range, protocol and port of an ID payload, or nil for types that name no addresses
    /// or whose data does not fit the type: an address of the type's family (4 or 16 bytes), a
    /// contiguous mask of any width (0 and full included), a range whose first address is not above
    /// its last.
    static func parse(_ id: IdentificationPayload) -> (range: AddressRange, upperProtocol: UInt8, port: UInt16)? {
        let width: Int
        switch id.idType {
        case .ipv4Address, .ipv4Subnet, .ipv4Range: width = 4
        case .ipv6Address, .ipv6Subnet, .ipv6Range: width = 16
        default: return nil
        }
        func address(_ slice: ArraySlice<UInt8>) -> IPAddress? { slice.count == width ? IPAddress(bytes: Array(slice)) : nil }
        let range: AddressRange
        switch id.idType {
        case .ipv4Address, .ipv6Address:
            guard let single = address(id.data[...]) else { return nil }
            range = AddressRange(single)
        case .ipv4Subnet, .ipv6Subnet:
            guard id.data.count == 2 * width, let base = address(id.data.prefix(width)), let mask = address(id.data.suffix(width)),
                  let length = mask.prefixLength, let prefix = AddressRange(prefix: base, length: length)
            else { return nil }
            range = prefix
        default: // ranges
            guard id.data.count == 2 * width, let first = address(id.data.prefix(width)), let last = address(id.data.suffix(width)),
                  first.integerValue <= last.integerValue
            else { return nil }
            range = AddressRange(first: first, last: last)
        }
        return (range, id.protocolID, id.port)
    }
}
