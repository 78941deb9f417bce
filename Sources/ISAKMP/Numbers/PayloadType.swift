import IPsecTypes

/// ISAKMP payload type, the "Next Payload" numbers (RFC 2408 §3.1; Attribute from the Mode Config
/// draft; NAT-D/NAT-OA from RFC 3947 and their draft numbers; 132 is the vendor-ID-negotiated IKEv1
/// fragment used by Cisco, strongSwan and Libreswan).
public struct PayloadType: RegisteredNumber {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let none = Self(rawValue: 0)
    public static let securityAssociation = Self(rawValue: 1)
    public static let proposal = Self(rawValue: 2)
    public static let transform = Self(rawValue: 3)
    public static let keyExchange = Self(rawValue: 4)
    public static let identification = Self(rawValue: 5)
    public static let certificate = Self(rawValue: 6)
    public static let certificateRequest = Self(rawValue: 7)
    public static let hash = Self(rawValue: 8)
    public static let signature = Self(rawValue: 9)
    public static let nonce = Self(rawValue: 10)
    public static let notification = Self(rawValue: 11)
    public static let delete = Self(rawValue: 12)
    public static let vendorID = Self(rawValue: 13)
    public static let attribute = Self(rawValue: 14)
    public static let natDiscovery = Self(rawValue: 20)
    public static let natOriginalAddress = Self(rawValue: 21)
    public static let natDiscoveryDraft = Self(rawValue: 130)
    public static let natOriginalAddressDraft = Self(rawValue: 131)
    public static let fragment = Self(rawValue: 132)

    public static let registry: [UInt8: String] = [
        0: "NONE", 1: "SA", 2: "P", 3: "T", 4: "KE", 5: "ID", 6: "CERT", 7: "CR", 8: "HASH", 9: "SIG",
        10: "NONCE", 11: "N", 12: "D", 13: "VID", 14: "ATTR", 20: "NAT-D", 21: "NAT-OA",
        130: "NAT-D (draft)", 131: "NAT-OA (draft)", 132: "FRAG",
    ]
}
