import IPsecTypes

/// Notify message type (RFC 2408 §3.14.1 errors and status; RFC 2407 §4.6.3 IPsec DOI status;
/// RFC 3706 DPD).
public struct NotifyMessageType: RegisteredNumber {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let invalidPayloadType = Self(rawValue: 1)
    public static let doiNotSupported = Self(rawValue: 2)
    public static let situationNotSupported = Self(rawValue: 3)
    public static let invalidCookie = Self(rawValue: 4)
    public static let invalidMajorVersion = Self(rawValue: 5)
    public static let invalidMinorVersion = Self(rawValue: 6)
    public static let invalidExchangeType = Self(rawValue: 7)
    public static let invalidFlags = Self(rawValue: 8)
    public static let invalidMessageID = Self(rawValue: 9)
    public static let invalidProtocolID = Self(rawValue: 10)
    public static let invalidSPI = Self(rawValue: 11)
    public static let invalidTransformID = Self(rawValue: 12)
    public static let attributesNotSupported = Self(rawValue: 13)
    public static let noProposalChosen = Self(rawValue: 14)
    public static let badProposalSyntax = Self(rawValue: 15)
    public static let payloadMalformed = Self(rawValue: 16)
    public static let invalidKeyInformation = Self(rawValue: 17)
    public static let invalidIDInformation = Self(rawValue: 18)
    public static let invalidCertEncoding = Self(rawValue: 19)
    public static let invalidCertificate = Self(rawValue: 20)
    public static let certTypeUnsupported = Self(rawValue: 21)
    public static let invalidCertAuthority = Self(rawValue: 22)
    public static let invalidHashInformation = Self(rawValue: 23)
    public static let authenticationFailed = Self(rawValue: 24)
    public static let invalidSignature = Self(rawValue: 25)
    public static let addressNotification = Self(rawValue: 26)
    public static let notifySALifetime = Self(rawValue: 27)
    public static let certificateUnavailable = Self(rawValue: 28)
    public static let unsupportedExchangeType = Self(rawValue: 29)
    public static let unequalPayloadLengths = Self(rawValue: 30)
    public static let connected = Self(rawValue: 16384)
    public static let responderLifetime = Self(rawValue: 24576)
    public static let replayStatus = Self(rawValue: 24577)
    public static let initialContact = Self(rawValue: 24578)
    public static let dpdRUThere = Self(rawValue: 36136)
    public static let dpdRUThereAck = Self(rawValue: 36137)

    public static let registry: [UInt16: String] = [
        1: "INVALID-PAYLOAD-TYPE", 2: "DOI-NOT-SUPPORTED", 3: "SITUATION-NOT-SUPPORTED", 4: "INVALID-COOKIE",
        5: "INVALID-MAJOR-VERSION", 6: "INVALID-MINOR-VERSION", 7: "INVALID-EXCHANGE-TYPE", 8: "INVALID-FLAGS",
        9: "INVALID-MESSAGE-ID", 10: "INVALID-PROTOCOL-ID", 11: "INVALID-SPI", 12: "INVALID-TRANSFORM-ID",
        13: "ATTRIBUTES-NOT-SUPPORTED", 14: "NO-PROPOSAL-CHOSEN", 15: "BAD-PROPOSAL-SYNTAX",
        16: "PAYLOAD-MALFORMED", 17: "INVALID-KEY-INFORMATION", 18: "INVALID-ID-INFORMATION",
        19: "INVALID-CERT-ENCODING", 20: "INVALID-CERTIFICATE", 21: "CERT-TYPE-UNSUPPORTED",
        22: "INVALID-CERT-AUTHORITY", 23: "INVALID-HASH-INFORMATION", 24: "AUTHENTICATION-FAILED",
        25: "INVALID-SIGNATURE", 26: "ADDRESS-NOTIFICATION", 27: "NOTIFY-SA-LIFETIME",
        28: "CERTIFICATE-UNAVAILABLE", 29: "UNSUPPORTED-EXCHANGE-TYPE", 30: "UNEQUAL-PAYLOAD-LENGTHS",
        16384: "CONNECTED", 24576: "RESPONDER-LIFETIME", 24577: "REPLAY-STATUS", 24578: "INITIAL-CONTACT",
        36136: "R-U-THERE", 36137: "R-U-THERE-ACK",
    ]

    /// Error types are 1–16383; status types 16384 and up (RFC 2408 §3.14.1).
    public var isError: Bool { rawValue >= 1 && rawValue < 16384 }
}
