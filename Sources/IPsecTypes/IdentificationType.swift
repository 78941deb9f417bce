/// Identification type of an ID payload (RFC 2407 §4.6.2.1; ID_LIST from RFC 3554).
public struct IdentificationType: RegisteredNumber {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let ipv4Address = Self(rawValue: 1)
    public static let fqdn = Self(rawValue: 2)
    public static let userFQDN = Self(rawValue: 3)
    public static let ipv4Subnet = Self(rawValue: 4)
    public static let ipv6Address = Self(rawValue: 5)
    public static let ipv6Subnet = Self(rawValue: 6)
    public static let ipv4Range = Self(rawValue: 7)
    public static let ipv6Range = Self(rawValue: 8)
    public static let derASN1DN = Self(rawValue: 9)
    public static let derASN1GN = Self(rawValue: 10)
    public static let keyID = Self(rawValue: 11)
    public static let list = Self(rawValue: 12)

    public static let registry: [UInt8: String] = [
        1: "ID_IPV4_ADDR", 2: "ID_FQDN", 3: "ID_USER_FQDN", 4: "ID_IPV4_ADDR_SUBNET", 5: "ID_IPV6_ADDR",
        6: "ID_IPV6_ADDR_SUBNET", 7: "ID_IPV4_ADDR_RANGE", 8: "ID_IPV6_ADDR_RANGE", 9: "ID_DER_ASN1_DN",
        10: "ID_DER_ASN1_GN", 11: "ID_KEY_ID", 12: "ID_LIST",
    ]

    /// Exact data length the type requires, where it has one (addresses, subnets, ranges).
    public var fixedDataLength: Int? {
        switch self {
        case .ipv4Address: 4
        case .ipv4Subnet, .ipv4Range: 8
        case .ipv6Address: 16
        case .ipv6Subnet, .ipv6Range: 32
        default: nil
        }
    }
}
