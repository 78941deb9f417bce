import CXFRM
import IPsecTypes
#if canImport(Glibc)
import Glibc
#endif

/// Translation between the suite's vocabulary and XFRM's structs (linux/xfrm.h). Pure functions: the
/// requests they build are sent by `XFRMKernel`, the messages they read come from it, and tests feed
/// them bytes directly.
enum XFRMCodec {
    // MARK: Addresses and selectors

    static func family(ipv4: Bool) -> UInt16 { UInt16(ipv4 ? AF_INET : AF_INET6) }

    static func address(_ address: IPAddress) -> xfrm_address_t {
        var result = xfrm_address_t()
        withUnsafeMutableBytes(of: &result) { buffer in
            for (index, byte) in address.bytes.enumerated() { buffer[index] = byte }
        }
        return result
    }

    static func ipAddress(_ value: xfrm_address_t, family: UInt16) -> IPAddress? {
        let length: Int
        switch Int32(family) {
        case AF_INET: length = 4
        case AF_INET6: length = 16
        default: return nil
        }
        return withUnsafeBytes(of: value) { IPAddress(bytes: Array($0.prefix(length))) }
    }

    static func selector(_ selector: KernelSelector) -> xfrm_selector {
        var result = xfrm_selector()
        result.family = family(ipv4: selector.isIPv4)
        result.saddr = address(selector.source.address)
        result.daddr = address(selector.destination.address)
        result.prefixlen_s = UInt8(selector.source.length)
        result.prefixlen_d = UInt8(selector.destination.length)
        result.proto = selector.upperProtocol
        result.sport = selector.sourcePort.bigEndian
        result.sport_mask = selector.sourcePortMask.bigEndian
        result.dport = selector.destinationPort.bigEndian
        result.dport_mask = selector.destinationPortMask.bigEndian
        return result
    }

    static func kernelSelector(_ value: xfrm_selector) -> KernelSelector? {
        guard let source = ipAddress(value.saddr, family: value.family), let destination = ipAddress(value.daddr, family: value.family),
              Int(value.prefixlen_s) <= source.bitWidth, Int(value.prefixlen_d) <= destination.bitWidth
        else { return nil }
        var result = KernelSelector(source: KernelPrefix(source, length: Int(value.prefixlen_s)),
                                    destination: KernelPrefix(destination, length: Int(value.prefixlen_d)), upperProtocol: value.proto)
        result.sourcePort = UInt16(bigEndian: value.sport)
        result.sourcePortMask = UInt16(bigEndian: value.sport_mask)
        result.destinationPort = UInt16(bigEndian: value.dport)
        result.destinationPortMask = UInt16(bigEndian: value.dport_mask)
        return result
    }

    /// An SA's selector from its traffic (source = `traffic.local`); a range that is not a prefix is
    /// widened to the smallest prefix holding it (XFRM selectors are prefixes).
    static func saSelector(_ traffic: TrafficSelector) -> KernelSelector {
        var result = KernelSelector(source: .covering(traffic.local), destination: .covering(traffic.remote), upperProtocol: traffic.upperProtocol)
        if traffic.localPort != 0 { (result.sourcePort, result.sourcePortMask) = (traffic.localPort, 0xFFFF) }
        if traffic.remotePort != 0 { (result.destinationPort, result.destinationPortMask) = (traffic.remotePort, 0xFFFF) }
        return result
    }

    // MARK: Lifetimes

    static func lifetime(_ lifetime: SALifetime) -> xfrm_lifetime_cfg {
        var result = xfrm_lifetime_cfg()
        result.soft_byte_limit = lifetime.softBytes == 0 ? IKE_XFRM_INF : lifetime.softBytes
        result.hard_byte_limit = lifetime.hardBytes == 0 ? IKE_XFRM_INF : lifetime.hardBytes
        result.soft_packet_limit = IKE_XFRM_INF
        result.hard_packet_limit = IKE_XFRM_INF
        result.soft_add_expires_seconds = lifetime.softSeconds
        result.hard_add_expires_seconds = lifetime.hardSeconds
        return result
    }

    static var unlimited: xfrm_lifetime_cfg { lifetime(SALifetime()) }

    static func mode(_ mode: IPsecMode) -> UInt8 { mode == .tunnel ? IKE_XFRM_MODE_TUNNEL : IKE_XFRM_MODE_TRANSPORT }

    static func ipProtocol(_ protocolID: SecurityProtocol) -> UInt8 { protocolID.ipProtocolNumber ?? 0 }

    static func securityProtocol(_ number: UInt8) -> SecurityProtocol? {
        switch number {
        case 50: .esp
        case 51: .ah
        default: nil
        }
    }
}

extension KernelPrefix {
    /// The smallest prefix holding every address of `range`.
    static func covering(_ range: AddressRange) -> KernelPrefix {
        if let length = range.prefixLength { return KernelPrefix(range.first, length: length) }
        let differing = range.first.integerValue ^ range.last.integerValue
        let hostBits = UInt128.bitWidth - differing.leadingZeroBitCount
        return KernelPrefix(range.first, length: range.first.bitWidth - hostBits).normalized
    }

    /// The prefix with its host bits cleared.
    var normalized: KernelPrefix { KernelPrefix(range.first, length: length) }
}
