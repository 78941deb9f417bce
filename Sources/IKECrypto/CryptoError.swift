import IPsecTypes
/// IKECrypto computes everything IKEv1 needs on top of OpenSSL 3 libcrypto: Oakley groups, CBC ciphers,
/// hashes and HMAC PRFs, RSA and DSA, a CSPRNG, and the RFC 2409 key schedule. All C calls stay inside
/// this module; it exposes Swift types only. Secrets live in `SecretBytes`.

/// Why a cryptographic operation failed. Equal when the codes are equal.
public struct CryptoError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Code: Equatable, Sendable {
        /// The algorithm or group is not implemented (or its OpenSSL provider is missing).
        case unsupportedAlgorithm
        /// A key, IV or input has the wrong length.
        case invalidLength
        /// A peer's public value is out of range, off the curve or in a small subgroup.
        case invalidPublicValue
        /// A signature did not verify.
        case signatureInvalid
        /// Decryption of an RSA-encrypted payload failed.
        case decryptionFailed
        /// A key could not be parsed.
        case invalidKey
        /// OpenSSL reported an internal failure.
        case library
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
    public var description: String { "\(code): \(reason)" }
}
