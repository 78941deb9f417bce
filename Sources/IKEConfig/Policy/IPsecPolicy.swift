import IPsecTypes

/// What an ipsecinit.conf entry matches (ipsecconf(8) pattern keys).
public struct PolicyPattern: Hashable, Sendable {
    public var localAddress: AddressSpec?
    public var remoteAddress: AddressSpec?
    public var localPort: UInt16?
    public var remotePort: UInt16?
    /// Upper-layer protocol number (`ulp`).
    public var upperProtocol: UInt8?
    public var icmpType: ClosedRange<UInt8>?
    public var icmpCode: ClosedRange<UInt8>?
    /// `tunnel <interface>`: the policy protects a tunnel's inner traffic.
    public var tunnelInterface: String?
    /// `negotiate tunnel|transport`: what mode IKE offers for it.
    public var negotiate: PolicyNegotiation?
    public var direction: PolicyDirection?

    public init() {}
}

public enum PolicyNegotiation: String, Sendable, Hashable { case tunnel, transport }
public enum PolicyDirection: String, Sendable, Hashable { case `in`, out, both }

/// `apply` (outbound), `permit` (inbound), `ipsec` (both), `bypass`/`pass` (no IPsec), `drop`.
public enum PolicyActionKind: String, Sendable, Hashable {
    case apply, permit, bypass, pass, drop, ipsec

    /// Whether the action protects traffic (and so takes algorithms).
    public var protects: Bool { self == .apply || self == .permit || self == .ipsec }
}

/// One algorithm choice of `auth_algs`, `encr_algs` or `encr_auth_algs`: a name (or number, or
/// `any`) with an optional key-length range.
public struct AlgorithmChoice: Hashable, Sendable, CustomStringConvertible {
    /// The canonical name (`aes`, `3des`, `hmac-sha256`, …), `any`, or the number as written.
    public var name: String
    public var minimumKeyBits: Int?
    public var maximumKeyBits: Int?

    public var description: String {
        switch (minimumKeyBits, maximumKeyBits) {
        case (nil, nil): name
        case let (low?, high?) where low == high: "\(name)(\(low))"
        case let (low, high): "\(name)(\(low.map(String.init) ?? "")..\(high.map(String.init) ?? ""))"
        }
    }
}

/// The protection an entry asks for.
public struct PolicyAction: Hashable, Sendable {
    public var kind: PolicyActionKind
    /// AH integrity algorithms.
    public var authAlgorithms: [AlgorithmChoice] = []
    /// ESP ciphers.
    public var encryptionAlgorithms: [AlgorithmChoice] = []
    /// ESP integrity algorithms.
    public var encryptionAuthAlgorithms: [AlgorithmChoice] = []
    /// `sa shared` (default) or `sa unique` (one SA per 5-tuple).
    public var uniqueSA = false
    public var direction: PolicyDirection?

    public init(kind: PolicyActionKind) { self.kind = kind }
}

/// `{pattern} action {properties} [or action {properties}]…`
public struct PolicyEntry: Hashable, Sendable {
    public var pattern: PolicyPattern
    /// The alternatives, in preference order.
    public var actions: [PolicyAction]
    @NotCompared public var location: SourceLocation = .builtIn
}
