import IKECrypto
import IKEConfig

/// What signature authentication works with, loaded by the runtime from publickeys/,
/// ike.privatekeys/ and crls/: our certificates that have a private key (each behind a `Signer`,
/// the key itself never reaches the engine), every certificate of the store (a peer that sends no
/// CERT payload is looked up here, and chains are completed from it), the CAs `cert_root` names
/// (announced in CR payloads), and the verifier built from `cert_root`, `cert_trust` and the CRLs.
public struct CertificateCredentials: Sendable {
    /// One of our certificates with the signer of its private key.
    public struct Local: Sendable {
        public var certificate: Certificate
        /// The publickeys/ file name (a certspec slot).
        public var slot: String
        /// The CA certificates between it and its root, sent after it (the root is the peer's to have).
        public var chain: [Certificate]
        public var signer: any Signer

        public init(certificate: Certificate, slot: String, chain: [Certificate] = [], signer: any Signer) {
            self.certificate = certificate
            self.slot = slot
            self.chain = chain
            self.signer = signer
        }
    }

    public var local: [Local]
    /// Every certificate of publickeys/, with its slot.
    public var known: [(slot: String, certificate: Certificate)]
    /// The `cert_root` CAs: their names go into our certificate requests.
    public var authorities: [Certificate]
    /// Trust and revocation (nil: nothing is trusted, so no peer certificate is accepted).
    public var verifier: CertificateVerifier?

    public init(local: [Local] = [], known: [(slot: String, certificate: Certificate)] = [], authorities: [Certificate] = [], verifier: CertificateVerifier? = nil) {
        self.local = local
        self.known = known
        self.authorities = authorities
        self.verifier = verifier
    }

    /// The credential `selector` (a rule's `local_id`) picks, of the key kind `kind`: the first match,
    /// or with an empty selector the only certificate we have a key of that kind for.
    public func local(matching selector: CertificateSelector?, kind: AsymmetricKeyKind) -> Local? {
        let usable = local.filter { $0.signer.keyKind == kind }
        guard let selector, !selector.matchesAnything else { return usable.count == 1 ? usable.first : nil }
        return usable.first { selector.matches($0.certificate, slot: $0.slot) || selector.namesIdentity(of: $0.certificate) }
    }
}
