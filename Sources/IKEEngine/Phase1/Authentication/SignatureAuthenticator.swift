import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// Signature authentication (RFC 2409 §5.1): SKEYID = prf(Ni_b | Nr_b, g^xy); the proof after our
/// ID is our certificate (with the CAs between it and its root) in CERT payloads and SIG, our
/// signature of HASH_I or HASH_R. Signing and the check of the peer — chain, revocation, identity,
/// `remote_id`, signature — run as compute jobs, never on the loop.
struct SignatureAuthenticator: Phase1Authenticator {
    let method: AuthenticationMethod
    let keyKind: AsymmetricKeyKind
    let credential: CertificateCredentials.Local
    let identity: IdentificationPayload?
    let remoteIDs: [CertificateSelector]
    let credentials: CertificateCredentials

    var keyMethod: Phase1KeySchedule.Method { .signature }

    /// Our certificate for the rule's `local_id` and the identity `local_id_type` takes from it.
    static func make(_ method: AuthenticationMethod, keyKind: AsymmetricKeyKind, local: Endpoint, rule: IKERule, settings: EngineSettings) -> Result<any Phase1Authenticator, Phase1AuthenticatorProblem> {
        let selector = rule.localID
        guard let credential = settings.credentials.local(matching: selector, kind: keyKind) else {
            let named = selector.map { "local_id \"\($0.text)\"" } ?? "the rule (no local_id)"
            return .failure(.missingCertificate("no certificate with a \(keyKind) private key in publickeys/ and ike.privatekeys/ matches \(named)"))
        }
        let type = settings.configuration.localIDType(for: rule)
        guard let identity = CertificateIdentity.ours(type, certificate: credential.certificate, selector: selector, local: local.address) else {
            return .failure(.missingCertificate("certificate \(credential.certificate.subject) has no identity of local_id_type \(type.rawValue)"))
        }
        return .success(SignatureAuthenticator(method: method, keyKind: keyKind, credential: credential, identity: identity,
                                               remoteIDs: rule.remoteIDs, credentials: settings.credentials))
    }

    func proof(_ context: Phase1ProofContext) -> Phase1Proof {
        .signature(SigningRequest(signer: credential.signer, hash: context.hash))
    }

    func signedProof(_ signature: [UInt8]) -> [Payload] {
        let certificates = [credential.certificate] + credential.chain
        return certificates.map { Payload(.certificate(CertificatePayload(encoding: .x509Signature, data: $0.der))) } + [Payload(.signature(signature))]
    }

    func verification(_ payloads: [Payload], identity: IdentificationPayload, _ context: Phase1ProofContext) -> Phase1Verification {
        guard case .signature(let signature)? = payloads.first(where: { $0.type == .signature })?.content else { return .verdict(.missing) }
        let certificates = payloads.compactMap { payload -> [UInt8]? in
            guard case .certificate(let certificate) = payload.content, certificate.encoding == .x509Signature else { return nil }
            return certificate.data
        }
        return .check(PeerSignatureCheck(certificates: certificates, identity: identity, hash: context.hash, signature: signature, keyKind: keyKind,
                                         remoteIDs: remoteIDs, credentials: credentials))
    }

    /// The check job bound the identity to the certificate and applied `remote_id`.
    func accepts(_ identity: IdentificationPayload, local: Endpoint, remote: Endpoint, peerBehindNAT: Bool) -> Bool { true }
}
