import IPsecTypes

/// Domain of Interpretation (RFC 2408 §3.4: 0 is generic ISAKMP; RFC 2407: 1 is the IPsec DOI).
public struct DomainOfInterpretation: RegisteredNumber {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let isakmp = Self(rawValue: 0)
    public static let ipsec = Self(rawValue: 1)
    public static let registry: [UInt32: String] = [0: "ISAKMP", 1: "IPSEC"]
}

/// Certificate encoding of CERT and CR payloads (RFC 2408 §3.9).
public struct CertificateEncoding: RegisteredNumber {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let pkcs7 = Self(rawValue: 1)
    public static let x509Signature = Self(rawValue: 4)
    public static let crl = Self(rawValue: 7)
    public static let registry: [UInt8: String] = [
        0: "NONE", 1: "PKCS #7 wrapped X.509 certificate", 2: "PGP Certificate", 3: "DNS Signed Key",
        4: "X.509 Certificate - Signature", 5: "X.509 Certificate - Key Exchange", 6: "Kerberos Tokens",
        7: "Certificate Revocation List (CRL)", 8: "Authority Revocation List (ARL)", 9: "SPKI Certificate",
        10: "X.509 Certificate - Attribute", 11: "Raw RSA Key", 12: "Hash and URL of X.509 certificate",
        13: "Hash and URL of X.509 bundle",
    ]
}
