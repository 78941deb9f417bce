import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// One Phase 1 authentication method (RFC 2409 §5.1-§5.4), chosen with the proposal. Main Mode asks
/// it for what differs between methods: the SKEYID formula, the identity we present, our proof after
/// the ID payload (HASH_I or HASH_R for pre-shared keys; a signature, made off the loop, for
/// certificates), the check of the peer's proof (at once, or as a compute job that also validates
/// its certificate), and whether the peer's identity is one this method accepts. A method without a
/// conformer is neither offered nor accepted.
protocol Phase1Authenticator {
    var method: AuthenticationMethod { get }

    /// How SKEYID is made for this method.
    var keyMethod: Phase1KeySchedule.Method { get }

    /// The ID payload we present (nil: our IKE address, as pre-shared keys identify us).
    var identity: IdentificationPayload? { get }

    /// The payloads that follow our ID payload in MM5 (initiator) or MM6 (responder), or the hash to
    /// sign for them.
    func proof(_ context: Phase1ProofContext) -> Phase1Proof

    /// The payloads that follow our ID payload once `signature` is made (CERT payloads, SIG).
    func signedProof(_ signature: [UInt8]) -> [Payload]

    /// Checks the peer's proof among the payloads of its MM5 or MM6 (`identity`: its ID payload), at
    /// once or by a compute job.
    func verification(_ payloads: [Payload], identity: IdentificationPayload, _ context: Phase1ProofContext) -> Phase1Verification

    /// Whether the identity the peer presented is acceptable for this SA. `peerBehindNAT`: NAT-D
    /// showed that the peer's packets are rewritten, so an address identity is its own (private)
    /// address, not the one its packets come from.
    func accepts(_ identity: IdentificationPayload, local: Endpoint, remote: Endpoint, peerBehindNAT: Bool) -> Bool

    /// The pre-shared key, for the keymat-privileged views only (nil for other methods).
    var presharedKey: SecretBytes? { get }
}

extension Phase1Authenticator {
    var presharedKey: SecretBytes? { nil }
    var identity: IdentificationPayload? { nil }
    func signedProof(_ signature: [UInt8]) -> [Payload] { [] }
}

/// Our proof: ready, or a hash our signer must sign first.
enum Phase1Proof {
    case payloads([Payload])
    case signature(SigningRequest)
}

/// The check of the peer's proof: decided, or a job for the compute pool.
enum Phase1Verification {
    case verdict(Phase1ProofVerdict)
    case check(PeerSignatureCheck)
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

    /// HASH_I or HASH_R: what a pre-shared-key proof is and what a signature signs.
    var hash: [UInt8] {
        switch prover {
        case .initiator: keys.initiatorHash(initiatorPublic: initiatorPublic, responderPublic: responderPublic, saBody: saBody, idBody: idBody)
        case .responder: keys.responderHash(initiatorPublic: initiatorPublic, responderPublic: responderPublic, saBody: saBody, idBody: idBody)
        }
    }
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
    /// The methods with an authenticator.
    static let implemented: Set<AuthenticationMethod> = [.preSharedKey, .rsaSignature]

    /// The authenticator for `method` on an SA between `local` and `remote` under `rule`, or why there is none.
    static func make(_ method: AuthenticationMethod, local: Endpoint, remote: Endpoint, rule: IKERule, settings: EngineSettings) -> Result<any Phase1Authenticator, Phase1AuthenticatorProblem> {
        switch method {
        case .preSharedKey:
            guard let entry = settings.presharedKeys.entry(local: local.address, remote: remote.address) else { return .failure(.missingKey) }
            return .success(PresharedKeyAuthenticator(entry: entry))
        case .rsaSignature:
            return SignatureAuthenticator.make(method, keyKind: .rsa, local: local, rule: rule, settings: settings)
        default:
            return .failure(.notImplemented)
        }
    }

    /// Whether we hold what `method` needs under `rule` (the initiator offers only these).
    static func usable(_ method: AuthenticationMethod, rule: IKERule, settings: EngineSettings) -> Bool {
        switch method {
        case .preSharedKey: true
        case .rsaSignature: settings.credentials.local(matching: rule.localID, kind: .rsa) != nil
        default: false
        }
    }
}

enum Phase1AuthenticatorProblem: Error, Equatable {
    /// ike.preshared has no key for the pair.
    case missingKey
    /// No certificate with a private key matches the rule's local_id.
    case missingCertificate(String)
    /// The method has no authenticator here.
    case notImplemented
}
