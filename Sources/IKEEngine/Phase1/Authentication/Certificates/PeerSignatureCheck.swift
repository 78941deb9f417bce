import IKECrypto
import IKEConfig
import ISAKMP

/// Everything needed to authenticate a peer by signature, run off the loop as a compute job: find
/// its certificate (a CERT payload, else publickeys/ by its ID), validate the chain (trust, times,
/// CRLs), check that the ID names the certificate and that the rule's `remote_id` admits it, then
/// verify the signature over HASH_I/HASH_R with the certificate's key. Nothing of the peer's is
/// believed before the signature verified, and the signature is checked last only because every
/// earlier step is cheaper and says more precisely what is wrong.
public struct PeerSignatureCheck: Sendable {
    /// The DER certificates of the peer's CERT payloads (X.509 signature encoding), in order.
    var certificates: [[UInt8]]
    var identity: IdentificationPayload
    var hash: [UInt8]
    var signature: [UInt8]
    /// The key kind the negotiated method signs with (RSA for rsa_sig, DSA for dss_sig).
    var keyKind: AsymmetricKeyKind
    /// The rule's `remote_id` selectors (`""` admits anyone the chain validates).
    var remoteIDs: [CertificateSelector]
    var credentials: CertificateCredentials

    /// At most this many CERT payloads are read (an end certificate and a chain of CAs).
    static let certificateLimit = 8

    func run() -> PeerCheckOutcome {
        guard let verifier = credentials.verifier else {
            return .refused(.certificate, "no cert_root or cert_trust certificate is configured, so no peer certificate can be trusted")
        }
        let sent = certificates.prefix(Self.certificateLimit).compactMap { try? Certificate(encoded: $0) }
        let end = sent.first { CertificateIdentity.names(identity, $0) } ?? credentials.known.first { CertificateIdentity.names(identity, $0.certificate) }?.certificate
        guard let end else {
            let what = sent.isEmpty ? "sent no certificate and none in publickeys/ names it" : "sent certificates none of which names it (\(sent.map(\.subject).joined(separator: "; ")))"
            return .refused(sent.isEmpty ? .unavailable : .identity, "the peer's ID \(CertificateIdentity.text(identity)) \(what)")
        }
        let chain = [end] + sent.filter { $0 != end }
        if let problem = verifier.problem(with: chain) {
            return .refused(problem.code == .revoked ? .revoked : .certificate, "certificate \(end.subject): \(problem)")
        }
        let admitted = remoteIDs.isEmpty || remoteIDs.contains { $0.matchesAnything || $0.matches(end, slot: nil) || $0.namesIdentity(of: end) }
        guard admitted else {
            return .refused(.notAdmitted, "certificate \(end.subject) is not one the rule's remote_id admits (\(remoteIDs.map { "\"\($0.text)\"" }.joined(separator: ", ")))")
        }
        do {
            let key = try end.publicKey
            guard key.kind == keyKind else { return .refused(.signature, "certificate \(end.subject) has a \(key.kind) key, the negotiated method signs with \(keyKind)") }
            switch keyKind {
            case .rsa: try key.verifyPKCS1(signature: signature, hash: hash)
            case .dsa: try key.verifyDSS(signature: signature, hash: hash)
            case .other: return .refused(.signature, "unsupported key")
            }
        } catch {
            return .refused(.signature, "the signature does not verify with the key of \(end.subject): \(error)")
        }
        return .verified(VerifiedPeer(subject: end.subject, issuer: end.issuer, alternativeNames: end.alternativeNames))
    }
}

/// The certificate a peer authenticated with, as `ikeadm dump p1` shows it.
public struct VerifiedPeer: Sendable, Equatable {
    public var subject: String
    public var issuer: String
    public var alternativeNames: [String]
}

/// What a signature check found.
public enum PeerCheckOutcome: Sendable {
    case verified(VerifiedPeer)
    case refused(PeerCheckRefusal, String)
}

/// Why a peer's signature authentication was refused, with what we tell it (RFC 2408 §3.14.1).
public enum PeerCheckRefusal: Sendable, Equatable {
    /// No certificate for its ID: CERTIFICATE-UNAVAILABLE.
    case unavailable
    /// The chain does not validate (untrusted, expired, malformed): INVALID-CERTIFICATE.
    case certificate
    /// A CRL revokes a certificate of the chain: INVALID-CERTIFICATE.
    case revoked
    /// The ID does not name the certificate: INVALID-ID-INFORMATION.
    case identity
    /// The certificate is valid but the rule's remote_id does not admit it: INVALID-ID-INFORMATION.
    case notAdmitted
    /// The signature does not verify: INVALID-SIGNATURE.
    case signature

    var notify: NotifyMessageType {
        switch self {
        case .unavailable: .certificateUnavailable
        case .certificate, .revoked: .invalidCertificate
        case .identity, .notAdmitted: .invalidIDInformation
        case .signature: .invalidSignature
        }
    }

    var failure: Phase1FailureReason {
        switch self {
        case .unavailable, .certificate, .revoked: .certificate
        case .identity, .notAdmitted: .identity
        case .signature: .authentication
        }
    }
}

/// A hash for our signer to sign off the loop.
public struct SigningRequest: Sendable {
    var signer: any Signer
    var hash: [UInt8]
}
