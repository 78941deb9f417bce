import IPsecTypes

/// ISAKMP exchange type (RFC 2408 §3.1; Quick Mode and New Group Mode from RFC 2409 §5.5/§5.6;
/// Transaction from the Mode Config draft).
public struct ExchangeType: RegisteredNumber {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let none = Self(rawValue: 0)
    public static let base = Self(rawValue: 1)
    public static let identityProtection = Self(rawValue: 2)
    public static let authenticationOnly = Self(rawValue: 3)
    public static let aggressive = Self(rawValue: 4)
    public static let informational = Self(rawValue: 5)
    public static let transaction = Self(rawValue: 6)
    public static let quickMode = Self(rawValue: 32)
    public static let newGroupMode = Self(rawValue: 33)

    public static let registry: [UInt8: String] = [
        0: "NONE", 1: "Base", 2: "Identity Protection (Main Mode)", 3: "Authentication Only",
        4: "Aggressive", 5: "Informational", 6: "Transaction (Config Mode)", 32: "Quick Mode",
        33: "New Group Mode",
    ]
}
