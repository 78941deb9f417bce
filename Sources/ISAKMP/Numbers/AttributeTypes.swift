import IPsecTypes

/// Phase 1 (ISAKMP SA) attribute class (RFC 2409 Appendix A).
public struct Phase1AttributeType: RegisteredNumber {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let encryptionAlgorithm = Self(rawValue: 1)
    public static let hashAlgorithm = Self(rawValue: 2)
    public static let authenticationMethod = Self(rawValue: 3)
    public static let groupDescription = Self(rawValue: 4)
    public static let groupType = Self(rawValue: 5)
    public static let groupPrime = Self(rawValue: 6)
    public static let groupGeneratorOne = Self(rawValue: 7)
    public static let groupGeneratorTwo = Self(rawValue: 8)
    public static let groupCurveA = Self(rawValue: 9)
    public static let groupCurveB = Self(rawValue: 10)
    public static let lifeType = Self(rawValue: 11)
    public static let lifeDuration = Self(rawValue: 12)
    public static let prf = Self(rawValue: 13)
    public static let keyLength = Self(rawValue: 14)
    public static let fieldSize = Self(rawValue: 15)
    public static let groupOrder = Self(rawValue: 16)

    public static let registry: [UInt16: String] = [
        1: "Encryption Algorithm", 2: "Hash Algorithm", 3: "Authentication Method", 4: "Group Description",
        5: "Group Type", 6: "Group Prime/Irreducible Polynomial", 7: "Group Generator One",
        8: "Group Generator Two", 9: "Group Curve A", 10: "Group Curve B", 11: "Life Type",
        12: "Life Duration", 13: "PRF", 14: "Key Length", 15: "Field Size", 16: "Group Order",
    ]

    /// Classes RFC 2409 App. A marks "B" (basic): they must be sent in TV form.
    public var isBasic: Bool { [1, 2, 3, 4, 5, 11, 13, 14, 15].contains(rawValue) }
}

/// IPsec DOI SA attribute class (RFC 2407 §4.5; ECN tunnel RFC 3168; ESN RFC 4304).
public struct IPsecAttributeType: RegisteredNumber {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let saLifeType = Self(rawValue: 1)
    public static let saLifeDuration = Self(rawValue: 2)
    public static let groupDescription = Self(rawValue: 3)
    public static let encapsulationMode = Self(rawValue: 4)
    public static let authenticationAlgorithm = Self(rawValue: 5)
    public static let keyLength = Self(rawValue: 6)
    public static let keyRounds = Self(rawValue: 7)
    public static let compressDictionarySize = Self(rawValue: 8)
    public static let compressPrivateAlgorithm = Self(rawValue: 9)
    public static let ecnTunnel = Self(rawValue: 10)
    public static let extendedSequenceNumber = Self(rawValue: 11)

    public static let registry: [UInt16: String] = [
        1: "SA Life Type", 2: "SA Life Duration", 3: "Group Description", 4: "Encapsulation Mode",
        5: "Authentication Algorithm", 6: "Key Length", 7: "Key Rounds", 8: "Compress Dictionary Size",
        9: "Compress Private Algorithm", 10: "ECN Tunnel", 11: "Extended (64-bit) Sequence Number",
    ]

    /// Classes RFC 2407 §4.5 marks "B" (basic).
    public var isBasic: Bool { [1, 3, 4, 5, 6, 7, 8, 10, 11].contains(rawValue) }
}

/// Mode Config attribute type (draft-ietf-ipsec-isakmp-mode-cfg-05 §6; XAUTH draft §6).
public struct ModeConfigAttributeType: RegisteredNumber {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let registry: [UInt16: String] = [
        1: "INTERNAL_IP4_ADDRESS", 2: "INTERNAL_IP4_NETMASK", 3: "INTERNAL_IP4_DNS", 4: "INTERNAL_IP4_NBNS",
        5: "INTERNAL_ADDRESS_EXPIRY", 6: "INTERNAL_IP4_DHCP", 7: "APPLICATION_VERSION",
        8: "INTERNAL_IP6_ADDRESS", 9: "INTERNAL_IP6_NETMASK", 10: "INTERNAL_IP6_DNS", 11: "INTERNAL_IP6_NBNS",
        12: "INTERNAL_IP6_DHCP", 13: "INTERNAL_IP4_SUBNET", 14: "SUPPORTED_ATTRIBUTES", 15: "INTERNAL_IP6_SUBNET",
        16520: "XAUTH-TYPE", 16521: "XAUTH-USER-NAME", 16522: "XAUTH-USER-PASSWORD", 16523: "XAUTH-PASSCODE",
        16524: "XAUTH-MESSAGE", 16525: "XAUTH-CHALLENGE", 16526: "XAUTH-DOMAIN", 16527: "XAUTH-STATUS",
        16528: "XAUTH-NEXT-PIN", 16529: "XAUTH-ANSWER",
        28672: "UNITY_BANNER", 28673: "UNITY_SAVE_PASSWD", 28674: "UNITY_DEF_DOMAIN", 28675: "UNITY_SPLITDNS_NAME",
        28676: "UNITY_SPLIT_INCLUDE", 28677: "UNITY_NATT_PORT", 28678: "UNITY_LOCAL_LAN", 28679: "UNITY_PFS",
        28680: "UNITY_FW_TYPE", 28681: "UNITY_BACKUP_SERVERS", 28682: "UNITY_DDNS_HOSTNAME",
    ]
}
