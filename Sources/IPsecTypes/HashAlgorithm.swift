/// Phase 1 hash algorithm (RFC 2409 Appendix A, attribute class 2; SHA2 from RFC 4868's IANA entries).
/// Without a PRF attribute IKEv1 uses the HMAC of this hash as its PRF (RFC 2409 §4).
public struct HashAlgorithm: RegisteredNumber {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let md5 = Self(rawValue: 1)
    public static let sha1 = Self(rawValue: 2)
    public static let tiger = Self(rawValue: 3)
    public static let sha256 = Self(rawValue: 4)
    public static let sha384 = Self(rawValue: 5)
    public static let sha512 = Self(rawValue: 6)

    public static let registry: [UInt16: String] = [
        1: "MD5", 2: "SHA", 3: "Tiger", 4: "SHA2-256", 5: "SHA2-384", 6: "SHA2-512",
    ]

    /// The ike.config `auth_alg` spellings (ike.config(5)).
    public static let configNames: [String: HashAlgorithm] = [
        "md5": .md5, "sha": .sha1, "sha1": .sha1, "sha256": .sha256, "sha384": .sha384, "sha512": .sha512,
    ]

    /// Digest length in bytes, for the hashes this suite implements.
    public var digestLength: Int? {
        switch self {
        case .md5: 16
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        default: nil
        }
    }
}
