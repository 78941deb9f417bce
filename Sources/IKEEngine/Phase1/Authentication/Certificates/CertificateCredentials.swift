import IKECrypto
import IKEConfig
import Synchronization

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

    public let local: [Local]
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

    /// `local(matching:kind:)`'s answers by selector and kind (the credentials never change once
    /// made, and every MM1 asks which transforms a rule can offer).
    private final class Choices: Sendable {
        let table = Mutex<[String: Int]>([:])
    }
    private let choices = Choices()

    /// The credential `selector` (a rule's `local_id`) picks, of the key kind `kind`: the first match,
    /// or with an empty selector the only certificate we have a key of that kind for.
    public func local(matching selector: CertificateSelector?, kind: AsymmetricKeyKind) -> Local? {
        let key = "\(kind)|\(selector?.text ?? "")"
        if let index = choices.table.withLock({ $0[key] }) { return index >= 0 ? local[index] : nil }
        let candidates = local.indices.filter { local[$0].signer.keyKind == kind }
        let chosen: Int?
        if let selector, !selector.matchesAnything {
            chosen = candidates.first { selector.matches(local[$0].certificate, slot: local[$0].slot) || selector.namesIdentity(of: local[$0].certificate) }
        } else {
            chosen = candidates.count == 1 ? candidates.first : nil
        }
        choices.table.withLock { $0[key] = chosen ?? -1 }
        return chosen.map { local[$0] }
    }
}
