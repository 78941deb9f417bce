/// ESP transform identifier (RFC 2407 §4.4.4 and the IANA "IPsec ESP Transform Identifiers" registry),
/// with the Linux XFRM algorithm name of those this suite negotiates.
public struct ESPTransformID: RegisteredNumber {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let desIV64 = Self(rawValue: 1)
    public static let des = Self(rawValue: 2)
    public static let tripleDES = Self(rawValue: 3)
    public static let blowfish = Self(rawValue: 7)
    public static let null = Self(rawValue: 11)
    public static let aes = Self(rawValue: 12)

    public static let registry: [UInt8: String] = [
        1: "ESP_DES_IV64", 2: "ESP_DES", 3: "ESP_3DES", 4: "ESP_RC5", 5: "ESP_IDEA", 6: "ESP_CAST",
        7: "ESP_BLOWFISH", 8: "ESP_3IDEA", 9: "ESP_DES_IV32", 10: "ESP_RC4", 11: "ESP_NULL", 12: "ESP_AES",
        13: "ESP_AES-CTR", 14: "ESP_AES-CCM_8", 15: "ESP_AES-CCM_12", 16: "ESP_AES-CCM_16",
        18: "ESP_AES-GCM_8", 19: "ESP_AES-GCM_12", 20: "ESP_AES-GCM_16", 21: "ESP_SEED_CBC",
        22: "ESP_CAMELLIA", 23: "ESP_NULL_AUTH_AES_GMAC",
    ]

    /// ipsecinit.conf `encr_algs` spellings (ipsecconf(8), ipsecalgs(8)).
    public static let configNames: [String: ESPTransformID] = [
        "des": .des, "des-cbc": .des, "3des": .tripleDES, "3des-cbc": .tripleDES,
        "blowfish": .blowfish, "blowfish-cbc": .blowfish, "null": .null,
        "aes": .aes, "aes-cbc": .aes,
    ]

    /// The XFRM (Linux crypto API) name of the cipher.
    public var kernelName: String? {
        switch self {
        case .des: "cbc(des)"
        case .tripleDES: "cbc(des3_ede)"
        case .blowfish: "cbc(blowfish)"
        case .null: "ecb(cipher_null)"
        case .aes: "cbc(aes)"
        default: nil
        }
    }
}

/// AH transform identifier (RFC 2407 §4.4.3; SHA2 values from RFC 4868's IANA entries).
public struct AHTransformID: RegisteredNumber {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let md5 = Self(rawValue: 2)
    public static let sha1 = Self(rawValue: 3)
    public static let sha256 = Self(rawValue: 5)
    public static let sha384 = Self(rawValue: 6)
    public static let sha512 = Self(rawValue: 7)
    public static let registry: [UInt8: String] = [
        2: "AH_MD5", 3: "AH_SHA", 4: "AH_DES", 5: "AH_SHA2-256", 6: "AH_SHA2-384", 7: "AH_SHA2-512",
        8: "AH_RIPEMD", 9: "AH_AES-XCBC-MAC",
    ]
}

/// IPComp transform identifier (RFC 2407 §4.4.5).
public struct IPCompTransformID: RegisteredNumber {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let registry: [UInt8: String] = [1: "IPCOMP_OUI", 2: "IPCOMP_DEFLATE", 3: "IPCOMP_LZS", 4: "IPCOMP_LZJH"]
}
