/// Oakley / IKE Diffie-Hellman group (RFC 2409 App. A class 4 "Group Description", RFC 3526, RFC 5114,
/// RFC 5903, RFC 6932 numbering in the IANA IKE attribute registry).
public struct DHGroup: RegisteredNumber {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// What kind of arithmetic the group uses.
    public enum Kind: Sendable, Equatable {
        /// Modular exponentiation over a prime field.
        case modp
        /// Elliptic curve over a prime field.
        case ecp
        /// Elliptic curve over GF(2^N) (groups 3 and 4): registered, not implemented by OpenSSL 3 here.
        case ec2n
        /// Montgomery curves (31, 32): IKEv2 only (RFC 8031).
        case montgomery
    }

    public static let modp768 = Self(rawValue: 1)
    public static let modp1024 = Self(rawValue: 2)
    public static let ec2n155 = Self(rawValue: 3)
    public static let ec2n185 = Self(rawValue: 4)
    public static let modp1536 = Self(rawValue: 5)
    public static let modp2048 = Self(rawValue: 14)
    public static let modp3072 = Self(rawValue: 15)
    public static let modp4096 = Self(rawValue: 16)
    public static let modp6144 = Self(rawValue: 17)
    public static let modp8192 = Self(rawValue: 18)
    public static let ecp256 = Self(rawValue: 19)
    public static let ecp384 = Self(rawValue: 20)
    public static let ecp521 = Self(rawValue: 21)
    public static let modp1024s160 = Self(rawValue: 22)
    public static let modp2048s224 = Self(rawValue: 23)
    public static let modp2048s256 = Self(rawValue: 24)
    public static let ecp192 = Self(rawValue: 25)
    public static let ecp224 = Self(rawValue: 26)
    public static let brainpoolP224r1 = Self(rawValue: 27)
    public static let brainpoolP256r1 = Self(rawValue: 28)
    public static let brainpoolP384r1 = Self(rawValue: 29)
    public static let brainpoolP512r1 = Self(rawValue: 30)
    public static let curve25519 = Self(rawValue: 31)
    public static let curve448 = Self(rawValue: 32)

    public static let registry: [UInt16: String] = [
        1: "MODP-768", 2: "MODP-1024", 3: "EC2N-155", 4: "EC2N-185", 5: "MODP-1536",
        14: "MODP-2048", 15: "MODP-3072", 16: "MODP-4096", 17: "MODP-6144", 18: "MODP-8192",
        19: "ECP-256", 20: "ECP-384", 21: "ECP-521",
        22: "MODP-1024-S160", 23: "MODP-2048-S224", 24: "MODP-2048-S256",
        25: "ECP-192", 26: "ECP-224",
        27: "BRAINPOOL-P224R1", 28: "BRAINPOOL-P256R1", 29: "BRAINPOOL-P384R1", 30: "BRAINPOOL-P512R1",
        31: "Curve25519", 32: "Curve448",
    ]

    /// The arithmetic of a registered group, nil for unregistered values.
    public var kind: Kind? {
        switch rawValue {
        case 1, 2, 5, 14...18, 22...24: .modp
        case 19...21, 25...30: .ecp
        case 3, 4: .ec2n
        case 31, 32: .montgomery
        default: nil
        }
    }

    /// Size of the group's public value / shared secret field in bits (prime size for MODP, field size
    /// for ECP); the KE payload carries `(fieldBits + 7) / 8` bytes per coordinate.
    public var fieldBits: Int? {
        switch rawValue {
        case 1: 768
        case 2, 22: 1024
        case 5: 1536
        case 14, 23, 24: 2048
        case 15: 3072
        case 16: 4096
        case 17: 6144
        case 18: 8192
        case 19, 28: 256
        case 20, 29: 384
        case 21: 521
        case 25: 192
        case 26, 27: 224
        case 30: 512
        default: nil
        }
    }

    /// Estimated security strength in bits (NIST SP 800-57 Part 1 Table 2; RFC 3526 §8 for the
    /// 6144/8192 groups). The DH private-exponent length policy is derived from it.
    public var securityStrength: Int? {
        switch rawValue {
        case 1: 66
        case 2, 22: 80
        case 5: 90
        case 14, 23, 24, 26, 27: 112
        case 15, 19, 28: 128
        case 16: 152
        case 17: 176
        case 18: 200
        case 20, 29: 192
        case 21, 30: 256
        case 25: 96
        default: nil
        }
    }

    /// The ike.config `oakley_group` / `p2_pfs` values Solaris accepts (ike.config(5): 1–5, 14–26).
    public static let configurable: Set<DHGroup> = Set(
        ([1, 2, 3, 4, 5] + Array(14...26)).map { DHGroup(rawValue: $0) }
    )
}
