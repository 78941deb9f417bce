/// Phase 1 encryption algorithm (RFC 2409 Appendix A, attribute class 1; AES from RFC 3602).
public struct EncryptionAlgorithm: RegisteredNumber {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let desCBC = Self(rawValue: 1)
    public static let ideaCBC = Self(rawValue: 2)
    public static let blowfishCBC = Self(rawValue: 3)
    public static let rc5CBC = Self(rawValue: 4)
    public static let tripleDESCBC = Self(rawValue: 5)
    public static let castCBC = Self(rawValue: 6)
    public static let aesCBC = Self(rawValue: 7)
    public static let camelliaCBC = Self(rawValue: 8)

    public static let registry: [UInt16: String] = [
        1: "DES-CBC", 2: "IDEA-CBC", 3: "Blowfish-CBC", 4: "RC5-R16-B64-CBC",
        5: "3DES-CBC", 6: "CAST-CBC", 7: "AES-CBC", 8: "CAMELLIA-CBC",
    ]

    /// The ike.config `encr_alg` spellings (ike.config(5)); `blowfish-cdc` is the manual's typo, kept
    /// as an alias so files written from the manual load.
    public static let configNames: [String: EncryptionAlgorithm] = [
        "des": .desCBC, "des-cbc": .desCBC,
        "3des": .tripleDESCBC, "3des-cbc": .tripleDESCBC,
        "blowfish": .blowfishCBC, "blowfish-cbc": .blowfishCBC, "blowfish-cdc": .blowfishCBC,
        "aes": .aesCBC, "aes-cbc": .aesCBC,
    ]

    /// Cipher block size in bytes, for the algorithms this suite implements.
    public var blockSize: Int? {
        switch self {
        case .desCBC, .tripleDESCBC, .blowfishCBC: 8
        case .aesCBC: 16
        default: nil
        }
    }

    /// Key length in bytes when the algorithm has a fixed key (the SA carries no Key-Length attribute).
    public var fixedKeyLength: Int? {
        switch self {
        case .desCBC: 8
        case .tripleDESCBC: 24
        default: nil
        }
    }

    /// Key lengths in bits a Key-Length attribute may select (RFC 2409 App. A, RFC 3602 §5).
    public var allowedKeyBits: ClosedRange<Int>? {
        switch self {
        case .aesCBC: 128...256
        case .blowfishCBC: 40...448
        default: nil
        }
    }

    /// Key length in bits used when a variable-key algorithm arrives without a Key-Length attribute:
    /// RFC 2409 App. A gives Blowfish a 128-bit default; AES has no default (RFC 3602 requires the attribute).
    public var defaultKeyBits: Int? {
        switch self {
        case .blowfishCBC: 128
        default: nil
        }
    }
}
