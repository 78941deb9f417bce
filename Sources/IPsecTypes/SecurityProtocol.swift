/// Protocol identifier of a proposal, notify or delete (RFC 2407 §4.4.1).
public struct SecurityProtocol: RegisteredNumber {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let isakmp = Self(rawValue: 1)
    public static let ah = Self(rawValue: 2)
    public static let esp = Self(rawValue: 3)
    public static let ipcomp = Self(rawValue: 4)

    public static let registry: [UInt8: String] = [
        1: "PROTO_ISAKMP", 2: "PROTO_IPSEC_AH", 3: "PROTO_IPSEC_ESP", 4: "PROTO_IPCOMP",
    ]

    /// The IP protocol number the kernel uses for SAs of this protocol (ESP 50, AH 51, IPComp 108).
    public var ipProtocolNumber: UInt8? {
        switch self {
        case .esp: 50
        case .ah: 51
        case .ipcomp: 108
        default: nil
        }
    }
}

/// Transform identifier inside an ISAKMP proposal (RFC 2407 §4.4.1: KEY_IKE is the only one).
public struct ISAKMPTransformID: RegisteredNumber {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let keyIKE = Self(rawValue: 1)
    public static let registry: [UInt8: String] = [1: "KEY_IKE"]
}
