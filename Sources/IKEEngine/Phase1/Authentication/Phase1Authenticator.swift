import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// One Phase 1 authentication method (RFC 2409 §5.1-§5.4), chosen with the proposal. Main Mode asks
/// it for what differs between methods: the SKEYID formula, our proof after the ID payload (HASH_I
/// or HASH_R for pre-shared keys, a signature later), the check of the peer's proof, and whether
/// the peer's identity is one this method accepts. Signatures will be requested as compute effects,
/// as Diffie-Hellman is. A method without a conformer is neither offered nor accepted.
protocol Phase1Authenticator {
    var method: AuthenticationMethod { get }

    /// How SKEYID is made for this method.
    var keyMethod: Phase1KeySchedule.Method { get }

    /// The payloads that follow our ID payload in MM5 (initiator) or MM6 (responder).
    func proof(_ context: Phase1ProofContext) -> [Payload]

    /// Checks the peer's proof among the payloads of its MM5 or MM6.
    func verify(_ payloads: [Payload], _ context: Phase1ProofContext) -> Phase1ProofVerdict

    /// Whether the identity the peer presented is acceptable for this SA. `peerBehindNAT`: NAT-D
    /// showed that the peer's packets are rewritten, so an address identity is its own (private)
    /// address, not the one its packets come from.
    func accepts(_ identity: IdentificationPayload, local: Endpoint, remote: Endpoint, peerBehindNAT: Bool) -> Bool

    /// The pre-shared key, for the keymat-privileged views only (nil for other methods).
    var presharedKey: SecretBytes? { get }
}

extension Phase1Authenticator {
    var presharedKey: SecretBytes? { nil }
}

/// What a proof covers (RFC 2409 §5: HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)).
struct Phase1ProofContext {
    /// Whose proof: the initiator's (HASH_I, MM5) or the responder's (HASH_R, MM6).
    var prover: Phase1SA.Role
    var keys: Phase1KeySchedule
    var initiatorPublic: [UInt8]
    var responderPublic: [UInt8]
    var saBody: [UInt8]
    /// The prover's ID payload body as sent.
    var idBody: [UInt8]
}

/// The result of checking a peer's proof.
enum Phase1ProofVerdict: Equatable {
    case verified
    /// No proof payload where the method needs one.
    case missing
    /// The proof does not verify.
    case failed
}

/// The authenticators this engine has, by method.
enum Phase1Authenticators {
    /// The authenticator for `method` on an SA between `local` and `remote`, or why there is none.
    static func make(_ method: AuthenticationMethod, local: Endpoint, remote: Endpoint, settings: EngineSettings) -> Result<any Phase1Authenticator, Phase1AuthenticatorProblem> {
        switch method {
        case .preSharedKey:
            guard let entry = settings.presharedKeys.entry(local: local.address, remote: remote.address) else { return .failure(.missingKey) }
            return .success(PresharedKeyAuthenticator(entry: entry))
        default:
            return .failure(.notImplemented)
        }
    }
}

enum Phase1AuthenticatorProblem: Error, Equatable {
    /// ike.preshared has no key for the pair.
    case missingKey
    /// The method has no authenticator here.
    case notImplemented
}
