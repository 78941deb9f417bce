import IKEConfig
import IPsecTypes

/// ipsecinit.conf entries as kernel policies (what `ipsecconf -a` loads), following ipsecconf(8):
/// `apply` protects outbound traffic, `permit` requires protection inbound, `ipsec` both (and forwarded
/// traffic of a tunnel); `bypass`/`pass` and `drop` act in the pattern's `dir` (both by default).
/// Bypass entries come first, then the strongest protection (ESP and AH, ESP, AH), then file order.
public enum PolicyTranslation {
    /// Policies made by `ipsecconf` carry reqids from here up, one per file policy entry.
    public static let reqidBase: UInt32 = 0x10000
    /// Priorities: this base plus 100 000 per ordering class plus the entry's index.
    static let priorityBase: UInt32 = 10_000
    static let priorityClassStep: UInt32 = 100_000

    /// Finds a tunnel interface's outer addresses (local, remote).
    public typealias TunnelResolver = (String) -> (local: IPAddress, remote: IPAddress)?

    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The kernel policies for the file entry numbered `index` (1-based, as `ipsecconf` lists them).
    public static func policies(for entry: PolicyEntry, index: Int, tunnels: TunnelResolver = { _ in nil }) throws(Failure) -> [KernelPolicy] {
        guard index > 0, index < Int(priorityClassStep) else { throw Failure(message: "entry index \(index) out of range") }
        let pattern = entry.pattern
        guard let first = entry.actions.first else { return [] }
        let reqid = reqidBase + UInt32(index)
        var templates: [KernelTemplate] = []
        var mode = IPsecMode.transport
        var tunnel: (local: IPAddress, remote: IPAddress)?
        if let name = pattern.tunnelInterface {
            guard let endpoints = tunnels(name) else { throw Failure(message: "tunnel \(name): no such tunnel interface with a local and a remote address") }
            tunnel = endpoints
            mode = pattern.negotiate == .transport ? .transport : .tunnel
        }
        if first.kind.protects {
            // ESP inside, AH outside, as both protect the packet.
            if !first.encryptionAlgorithms.isEmpty || !first.encryptionAuthAlgorithms.isEmpty {
                templates.append(KernelTemplate(protocolID: .esp, mode: mode, reqid: reqid))
            }
            if !first.authAlgorithms.isEmpty { templates.append(KernelTemplate(protocolID: .ah, mode: mode, reqid: reqid)) }
        }
        let directions = self.directions(entry, tunnel: mode == .tunnel)
        let families: [Bool]
        if let address = pattern.localAddress ?? pattern.remoteAddress {
            families = [address.isIPv4]
        } else if let ulp = pattern.upperProtocol, ulp == 1 || ulp == 58 {
            families = [ulp == 1] // ICMP is IPv4's, ICMPv6 IPv6's
        } else {
            families = [true, false]
        }
        let ordering: UInt32
        switch (first.kind, templates.map(\.protocolID)) {
        case (.bypass, _), (.pass, _), (.drop, _): ordering = 0
        case (_, let protocols) where protocols.count == 2: ordering = 1
        case (_, [.esp]): ordering = 2
        default: ordering = 3
        }
        let priority = priorityBase + ordering * priorityClassStep + UInt32(index)
        var result: [KernelPolicy] = []
        for ipv4 in families {
            let locals = prefixes(pattern.localAddress, ipv4: ipv4)
            let remotes = prefixes(pattern.remoteAddress, ipv4: ipv4)
            let types = pattern.icmpType.map { blocks(UInt16($0.lowerBound), UInt16($0.upperBound)) } ?? [(0, 0)]
            let codes = pattern.icmpCode.map { blocks(UInt16($0.lowerBound), UInt16($0.upperBound)) } ?? [(0, 0)]
            for direction in directions {
                for local in locals {
                    for remote in remotes {
                        for type in types {
                            for code in codes {
                                let outbound = direction == .out
                                var selector = KernelSelector(source: outbound ? local : remote, destination: outbound ? remote : local,
                                                              upperProtocol: pattern.upperProtocol ?? 0)
                                let sourcePort = outbound ? pattern.localPort : pattern.remotePort
                                let destinationPort = outbound ? pattern.remotePort : pattern.localPort
                                if let port = sourcePort { (selector.sourcePort, selector.sourcePortMask) = (port, 0xFFFF) }
                                if let port = destinationPort { (selector.destinationPort, selector.destinationPortMask) = (port, 0xFFFF) }
                                // ICMP type and code travel in the port fields, unswapped by direction.
                                if pattern.icmpType != nil { (selector.sourcePort, selector.sourcePortMask) = type }
                                if pattern.icmpCode != nil { (selector.destinationPort, selector.destinationPortMask) = code }
                                var policy = KernelPolicy(direction: direction, selector: selector, action: first.kind == .drop ? .block : .allow,
                                                          priority: priority, templates: templates)
                                if let tunnel, mode == .tunnel {
                                    policy.templates = templates.map { template in
                                        var template = template
                                        (template.tunnelSource, template.tunnelDestination) = outbound ? (tunnel.local, tunnel.remote) : (tunnel.remote, tunnel.local)
                                        return template
                                    }
                                }
                                result.append(policy)
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Which kernel directions an entry fills.
    static func directions(_ entry: PolicyEntry, tunnel: Bool) -> [KernelPolicyDirection] {
        guard let action = entry.actions.first else { return [] }
        let chosen = action.direction ?? entry.pattern.direction
        switch action.kind {
        case .apply: return [.out]
        case .permit: return tunnel ? [.in, .fwd] : [.in]
        case .ipsec, .bypass, .pass, .drop:
            switch chosen {
            case .in?: return tunnel && action.kind == .ipsec ? [.in, .fwd] : [.in]
            case .out?: return [.out]
            default: return tunnel && action.kind == .ipsec ? [.out, .in, .fwd] : [.out, .in]
            }
        }
    }

    /// An address spec as XFRM prefixes (a range becomes the aligned blocks that make it up).
    static func prefixes(_ spec: AddressSpec?, ipv4: Bool) -> [KernelPrefix] {
        guard let spec else { return [.any(ipv4: ipv4)] }
        let width = ipv4 ? 32 : 128
        switch spec {
        case .single(let address): return [KernelPrefix(address, length: width)]
        case .prefix(let address, let length): return [KernelPrefix(address, length: length).normalized]
        case .range(let low, let high):
            var result: [KernelPrefix] = []
            var start = low.integerValue
            let end = high.integerValue
            while true {
                // The largest aligned block starting at `start` that ends within the range.
                func ones(_ bits: Int) -> UInt128 { AddressMask.lowBits(bits) }
                var size = start == 0 ? width : min(width, start.trailingZeroBitCount)
                while size > 0, start | ones(size) > end { size -= 1 }
                result.append(KernelPrefix(IPAddress(integer: start, isIPv4: ipv4), length: width - size))
                let last = start | ones(size)
                if last >= end { return result }
                start = last + 1
            }
        }
    }

    /// A value range as (value, mask) blocks for XFRM's masked port match.
    static func blocks(_ low: UInt16, _ high: UInt16) -> [(UInt16, UInt16)] {
        var result: [(UInt16, UInt16)] = []
        var start = UInt32(low)
        let end = UInt32(high)
        while start <= end {
            var size = start == 0 ? 16 : min(16, start.trailingZeroBitCount)
            while size > 0, start + ((1 << size) - 1) > end { size -= 1 }
            result.append((UInt16(start), UInt16(truncatingIfNeeded: ~((UInt32(1) << size) - 1))))
            start += 1 << size
        }
        return result
    }

    /// The file entry a policy made by `ipsecconf` came from (nil for other policies).
    public static func entryIndex(of policy: KernelPolicy) -> Int? {
        guard policy.priority >= priorityBase else { return nil }
        let offset = (policy.priority - priorityBase) % priorityClassStep
        return offset == 0 ? nil : Int(offset)
    }
}
