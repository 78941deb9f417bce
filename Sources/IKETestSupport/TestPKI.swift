import IKECrypto
import Synchronization

/// A small public-key infrastructure for tests: a root CA, an intermediate CA under it, and end
/// certificates issued by either, with RSA-2048 keys made once per process (key generation is the
/// slow part). Serial numbers are unique within the process, so CRLs can name any of them.
public enum TestPKI {
    /// A certificate with its private key.
    public struct Identity: Sendable {
        public let certificate: Certificate
        public let key: PrivateKey
        public let serial: UInt64
    }

    private static let serials = Atomic<UInt64>(100)
    private static func serial() -> UInt64 { serials.add(1, ordering: .relaxed).newValue }

    /// Keys reused across certificates (a test's certificates differ in names, not keys).
    public static let keys: [PrivateKey] = (0..<5).map { _ in
        guard let key = try? PrivateKey.generateRSA(bits: 2048) else { preconditionFailure("RSA key generation failed") }
        return key
    }

    public static let root: Identity = authority("C=US, O=IKE Test, CN=Test Root CA", key: keys[0])
    public static let intermediate: Identity = issue("C=US, O=IKE Test, CN=Test Intermediate CA", by: root, key: keys[1], authority: true)
    /// A CA nobody trusts.
    public static let stranger: Identity = authority("C=US, O=Elsewhere, CN=Untrusted CA", key: keys[3])

    public static func authority(_ subject: String, key: PrivateKey) -> Identity {
        let serial = serial()
        guard let der = try? CertificateRequest(subject: subject, notBefore: -3600).authority(key: key, serial: serial),
              let certificate = try? Certificate(encoded: der) else { preconditionFailure("CA certificate failed") }
        return Identity(certificate: certificate, key: key, serial: serial)
    }

    /// An end (or, with `authority`, CA) certificate for `subject` issued by `issuer`; validity from
    /// `notBefore` to `notAfter` seconds relative to now.
    public static func issue(_ subject: String, alternativeNames: [String] = [], by issuer: Identity, key: PrivateKey = keys[2], authority: Bool = false,
                             notBefore: Int = -3600, notAfter: Int = 86400) -> Identity {
        let serial = serial()
        let request = CertificateRequest(subject: subject, alternativeNames: alternativeNames, notBefore: notBefore, notAfter: notAfter)
        guard let der = try? request.issued(for: key.publicKey, by: issuer.certificate, key: issuer.key, serial: serial, authority: authority),
              let certificate = try? Certificate(encoded: der) else { preconditionFailure("certificate for \(subject) failed") }
        return Identity(certificate: certificate, key: key, serial: serial)
    }

    /// A self-signed end certificate (the Solaris `certlocal -ks` kind).
    public static func selfSigned(_ subject: String, alternativeNames: [String] = [], key: PrivateKey = keys[2]) -> Identity {
        let serial = serial()
        guard let der = try? CertificateRequest(subject: subject, alternativeNames: alternativeNames, notBefore: -3600).selfSigned(by: key, serial: serial),
              let certificate = try? Certificate(encoded: der) else { preconditionFailure("self-signed certificate failed") }
        return Identity(certificate: certificate, key: key, serial: serial)
    }

    /// A CRL from `issuer` revoking `revoked`.
    public static func revocationList(by issuer: Identity, revoking revoked: [Identity], validity: Int = 86400) -> RevocationList {
        guard let der = try? RevocationList.issue(by: issuer.certificate, key: issuer.key, revoking: revoked.map(\.serial), validity: validity),
              let list = try? RevocationList(encoded: der) else { preconditionFailure("CRL failed") }
        return list
    }
}
