/// IPsec DOI "Authentication Algorithm" attribute value (RFC 2407 §4.5 class 5; SHA2 per RFC 4868),
/// with the XFRM name and the ICV truncation the kernel must use.
public struct IPsecAuthAlgorithm: RegisteredNumber {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let hmacMD5 = Self(rawValue: 1)
    public static let hmacSHA1 = Self(rawValue: 2)
    public static let hmacSHA256 = Self(rawValue: 5)
    public static let hmacSHA384 = Self(rawValue: 6)
    public static let hmacSHA512 = Self(rawValue: 7)

    public static let registry: [UInt16: String] = [
        1: "HMAC-MD5", 2: "HMAC-SHA", 3: "DES-MAC", 4: "KPDK", 5: "HMAC-SHA2-256", 6: "HMAC-SHA2-384",
        7: "HMAC-SHA2-512", 8: "HMAC-RIPEMD", 9: "AES-XCBC-MAC", 10: "SIG-RSA",
        11: "AES-128-GMAC", 12: "AES-192-GMAC", 13: "AES-256-GMAC",
    ]

    /// ipsecinit.conf `encr_auth_algs` / `auth_algs` spellings (ipsecconf(8)).
    public static let configNames: [String: IPsecAuthAlgorithm] = [
        "md5": .hmacMD5, "hmac-md5": .hmacMD5, "sha": .hmacSHA1, "sha1": .hmacSHA1, "hmac-sha1": .hmacSHA1,
        "hmac-sha": .hmacSHA1, "sha256": .hmacSHA256, "hmac-sha256": .hmacSHA256, "sha384": .hmacSHA384,
        "hmac-sha384": .hmacSHA384, "sha512": .hmacSHA512, "hmac-sha512": .hmacSHA512,
    ]

    /// The XFRM algorithm name.
    public var kernelName: String? {
        switch self {
        case .hmacMD5: "hmac(md5)"
        case .hmacSHA1: "hmac(sha1)"
        case .hmacSHA256: "hmac(sha256)"
        case .hmacSHA384: "hmac(sha384)"
        case .hmacSHA512: "hmac(sha512)"
        default: nil
        }
    }

    /// ICV length in bits: 96 for MD5/SHA1 (RFC 2403/2404), half the digest for SHA2 (RFC 4868).
    public var truncationBits: Int? {
        switch self {
        case .hmacMD5, .hmacSHA1: 96
        case .hmacSHA256: 128
        case .hmacSHA384: 192
        case .hmacSHA512: 256
        default: nil
        }
    }

    /// Key length in bytes (the HMAC key equals the digest length, RFC 2104 / RFC 4868).
    public var keyLength: Int? {
        switch self {
        case .hmacMD5: 16
        case .hmacSHA1: 20
        case .hmacSHA256: 32
        case .hmacSHA384: 48
        case .hmacSHA512: 64
        default: nil
        }
    }
}
