/// IPsec DOI "Encapsulation Mode" attribute value (RFC 2407 §4.5 class 4; UDP-encapsulated values from
/// RFC 3947 §5 and the pre-RFC NAT-T drafts' private values).
public struct EncapsulationMode: RegisteredNumber {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let tunnel = Self(rawValue: 1)
    public static let transport = Self(rawValue: 2)
    public static let udpEncapsulatedTunnel = Self(rawValue: 3)
    public static let udpEncapsulatedTransport = Self(rawValue: 4)
    public static let udpEncapsulatedTunnelDraft = Self(rawValue: 61443)
    public static let udpEncapsulatedTransportDraft = Self(rawValue: 61444)

    public static let registry: [UInt16: String] = [
        1: "Tunnel", 2: "Transport", 3: "UDP-Encapsulated-Tunnel", 4: "UDP-Encapsulated-Transport",
        61443: "UDP-Encapsulated-Tunnel (draft)", 61444: "UDP-Encapsulated-Transport (draft)",
    ]
}

/// Life type of a Phase 1 (RFC 2409 App. A class 11) or IPsec (RFC 2407 §4.5 class 1) SA.
public struct LifeType: RegisteredNumber {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let seconds = Self(rawValue: 1)
    public static let kilobytes = Self(rawValue: 2)
    public static let registry: [UInt16: String] = [1: "Seconds", 2: "Kilobytes"]
}
