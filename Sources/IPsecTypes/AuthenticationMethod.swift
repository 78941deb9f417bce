/// Phase 1 authentication method (RFC 2409 Appendix A, attribute class 3; ECDSA from RFC 4754;
/// XAUTH/hybrid values from draft-ietf-ipsec-isakmp-xauth and draft-ietf-ipsec-isakmp-hybrid-auth).
public struct AuthenticationMethod: RegisteredNumber {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let preSharedKey = Self(rawValue: 1)
    public static let dssSignature = Self(rawValue: 2)
    public static let rsaSignature = Self(rawValue: 3)
    public static let rsaEncryption = Self(rawValue: 4)
    public static let revisedRSAEncryption = Self(rawValue: 5)

    public static let registry: [UInt16: String] = [
        1: "Pre-Shared Key", 2: "DSS Signatures", 3: "RSA Signatures", 4: "Encryption with RSA",
        5: "Revised Encryption with RSA", 6: "Encryption with El-Gamal", 7: "Revised Encryption with El-Gamal",
        8: "ECDSA Signatures", 9: "ECDSA with SHA-256 on P-256", 10: "ECDSA with SHA-384 on P-384",
        11: "ECDSA with SHA-512 on P-521",
        64221: "HybridInitRSA", 64222: "HybridRespRSA", 64223: "HybridInitDSS", 64224: "HybridRespDSS",
        65001: "XAUTHInitPreShared", 65002: "XAUTHRespPreShared", 65003: "XAUTHInitDSS", 65004: "XAUTHRespDSS",
        65005: "XAUTHInitRSA", 65006: "XAUTHRespRSA", 65007: "XAUTHInitRSAEncryption",
        65008: "XAUTHRespRSAEncryption", 65009: "XAUTHInitRSARevisedEncryption",
        65010: "XAUTHRespRSARevisedEncryption",
    ]

    /// The ike.config `auth_method` spellings (ike.config(5)).
    public static let configNames: [String: AuthenticationMethod] = [
        "preshared": .preSharedKey, "rsa_sig": .rsaSignature, "rsa_encrypt": .rsaEncryption, "dss_sig": .dssSignature,
    ]
}
