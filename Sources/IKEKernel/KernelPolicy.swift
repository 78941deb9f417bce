import IPsecTypes

/// The kernel's IPsec policy, in XFRM's terms: which packets (a selector of prefixes, protocol and
/// ports), in which direction, get what (allow, block, or allow through SAs made from templates).

/// An address prefix as XFRM selectors hold them.
public struct KernelPrefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var length: Int

    public init(_ address: IPAddress, length: Int) {
        self.address = address
        self.length = length
    }

    /// Every address of one family.
    public static func any(ipv4: Bool) -> KernelPrefix {
        KernelPrefix(IPAddress(integer: 0, isIPv4: ipv4), length: 0)
    }

    public var isIPv4: Bool { address.isIPv4 }
    public var range: AddressRange {
        AddressRange(prefix: address, length: max(0, min(length, address.bitWidth))) ?? AddressRange(address)
    }

    public func covers(_ other: AddressRange) -> Bool { range.contains(other) }
    public var description: String { "\(address)/\(length)" }
}

/// What packets a policy or SA applies to. Ports are matched under masks (XFRM's way), which is also
/// how ICMP type (source port) and code (destination port) are matched.
public struct KernelSelector: Hashable, Sendable, CustomStringConvertible {
    public var source: KernelPrefix
    public var destination: KernelPrefix
    /// IP protocol, 0 for any.
    public var upperProtocol: UInt8 = 0
    public var sourcePort: UInt16 = 0
    public var sourcePortMask: UInt16 = 0
    public var destinationPort: UInt16 = 0
    public var destinationPortMask: UInt16 = 0

    public init(source: KernelPrefix, destination: KernelPrefix, upperProtocol: UInt8 = 0) {
        self.source = source
        self.destination = destination
        self.upperProtocol = upperProtocol
    }

    public var isIPv4: Bool { source.isIPv4 }

    /// Whether all traffic of `selector` (source = `selector.local`) falls under this selector.
    public func covers(_ selector: TrafficSelector) -> Bool {
        guard source.isIPv4 == selector.local.isIPv4, source.covers(selector.local), destination.covers(selector.remote) else { return false }
        if upperProtocol != 0, upperProtocol != selector.upperProtocol { return false }
        if sourcePortMask != 0, selector.localPort & sourcePortMask != sourcePort & sourcePortMask || selector.localPort == 0 { return false }
        if destinationPortMask != 0, selector.remotePort & destinationPortMask != destinationPort & destinationPortMask || selector.remotePort == 0 { return false }
        return true
    }

    public var description: String {
        var text = "src \(source) dst \(destination)"
        if upperProtocol != 0 { text += " proto \(upperProtocol)" }
        if sourcePortMask != 0 { text += " sport \(sourcePort)" + (sourcePortMask == 0xFFFF ? "" : "/\(String(sourcePortMask, radix: 16))") }
        if destinationPortMask != 0 { text += " dport \(destinationPort)" + (destinationPortMask == 0xFFFF ? "" : "/\(String(destinationPortMask, radix: 16))") }
        return text
    }
}

public enum KernelPolicyDirection: String, Sendable, Hashable, CaseIterable {
    case `in`, out, fwd
}

/// One SA a protected packet needs: its protocol and mode, the reqid SAs made for it carry, and the
/// tunnel endpoints in tunnel mode.
public struct KernelTemplate: Hashable, Sendable {
    public var protocolID: SecurityProtocol
    public var mode: IPsecMode
    public var reqid: UInt32
    public var tunnelSource: IPAddress?
    public var tunnelDestination: IPAddress?

    public init(protocolID: SecurityProtocol, mode: IPsecMode, reqid: UInt32, tunnelSource: IPAddress? = nil, tunnelDestination: IPAddress? = nil) {
        self.protocolID = protocolID
        self.mode = mode
        self.reqid = reqid
        self.tunnelSource = tunnelSource
        self.tunnelDestination = tunnelDestination
    }
}

/// One kernel policy.
public struct KernelPolicy: Hashable, Sendable {
    public enum Action: String, Sendable, Hashable { case allow, block }

    public var direction: KernelPolicyDirection
    public var selector: KernelSelector
    public var action: Action
    /// Lower numbers are consulted first.
    public var priority: UInt32
    /// The kernel's number for the policy (0 until installed).
    public var index: UInt32 = 0
    /// Outer first; empty for bypass and drop.
    public var templates: [KernelTemplate] = []

    public init(direction: KernelPolicyDirection, selector: KernelSelector, action: Action, priority: UInt32, templates: [KernelTemplate] = []) {
        self.direction = direction
        self.selector = selector
        self.action = action
        self.priority = priority
        self.templates = templates
    }
}

extension Sequence where Element == KernelPolicy {
    /// The policy the kernel would apply to `selector` in `direction` (first by priority, then by
    /// index, as XFRM orders equal priorities by insertion).
    public func first(_ direction: KernelPolicyDirection, covering selector: TrafficSelector) -> KernelPolicy? {
        filter { $0.direction == direction && $0.selector.covers(selector) }
            .min { ($0.priority, $0.index) < ($1.priority, $1.index) }
    }
}

/// What the kernel tells the daemon without being asked.
public enum KernelEvent: Sendable, Equatable {
    /// An outbound packet matched a policy with no SA: negotiate one.
    case acquire(KernelAcquire)
    case expired(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress, hard: Bool)
    /// Someone else (an administrator, `ip xfrm state flush`) removed an SA.
    case deleted(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress)
    /// ESP for a UDP-encapsulated SA arrived from another address or port than the SA's (its peer's
    /// NAT mapping changed); the kernel decrypted it, so the new endpoint is the peer's.
    case mapping(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress, newSource: IPAddress, newPort: UInt16)
    /// Every SA is gone.
    case flushed
    /// The policy changed (a load, a flush): re-read it.
    case policiesChanged
}

/// The kernel's request for an SA.
public struct KernelAcquire: Sendable, Equatable {
    /// The SA's endpoints: ours and the peer's.
    public var source: IPAddress
    public var destination: IPAddress
    /// The policy that matched (its selector says what traffic the SA should carry).
    public var policy: KernelPolicy
    /// The template the SA is for.
    public var template: KernelTemplate
    /// The packet's own flow.
    public var flow: KernelSelector
    /// The kernel's sequence number for the larval SA it made.
    public var sequence: UInt32

    public init(source: IPAddress, destination: IPAddress, policy: KernelPolicy, template: KernelTemplate, flow: KernelSelector, sequence: UInt32) {
        self.source = source
        self.destination = destination
        self.policy = policy
        self.template = template
        self.flow = flow
        self.sequence = sequence
    }
}
