import IKECrypto
import IPsecTypes
import ISAKMP

/// What Phase 1 keying is derived from once g^xy is known: both public values, both nonces, the
/// cookies, SAi_b and the method (RFC 2409 §5).
struct Phase1KeyingInputs {
    var role: Phase1SA.Role
    var negotiated: NegotiatedPhase1
    var authenticator: any Phase1Authenticator
    var cookies: CookiePair
    /// The initiator's SA payload body, hashed into HASH_I and HASH_R.
    var saBody: [UInt8]
    var ourPublic: [UInt8]
    var peerPublic: [UInt8]
    var initiatorNonce: [UInt8]
    var responderNonce: [UInt8]
}

/// The keys of one ISAKMP SA and everything they were made from (STYLE §3.2, §3.3): SKEYID and its
/// derivatives, Ka, the IV chain, and what HASH_I/HASH_R cover. Main Mode's keyed states own it,
/// then the established SA; Quick Mode and Informational seal and open through it. A single-owner
/// class, so the IV chain moves in one place whichever state holds it.
final class Phase1Keying {
    private(set) var negotiated: NegotiatedPhase1
    let authenticator: any Phase1Authenticator
    let schedule: Phase1KeySchedule
    private var protection: MessageProtection
    let initiatorPublic: [UInt8]
    let responderPublic: [UInt8]
    let saBody: [UInt8]
    let cookies: CookiePair

    /// SKEYID and the rest from g^xy; fails only on a local problem (an unsupported cipher length).
    init(_ inputs: Phase1KeyingInputs, sharedSecret: SecretBytes) throws {
        negotiated = inputs.negotiated
        authenticator = inputs.authenticator
        cookies = inputs.cookies
        saBody = inputs.saBody
        initiatorPublic = inputs.role == .initiator ? inputs.ourPublic : inputs.peerPublic
        responderPublic = inputs.role == .responder ? inputs.ourPublic : inputs.peerPublic
        schedule = try Phase1KeySchedule(
            method: inputs.authenticator.keyMethod, hash: inputs.negotiated.hash, sharedSecret: sharedSecret,
            initiatorCookie: inputs.cookies.initiator.bytes, responderCookie: inputs.cookies.responder.bytes,
            initiatorNonce: inputs.initiatorNonce, responderNonce: inputs.responderNonce, encryptionKeyLength: inputs.negotiated.keyLength)
        let cipher = try CBCCipher(inputs.negotiated.encryption, keyLength: inputs.negotiated.keyLength)
        protection = MessageProtection(
            cipher: cipher, key: schedule.encryptionKey,
            ivs: IVChain(digest: schedule.digest, blockSize: cipher.blockSize, initiatorPublic: initiatorPublic, responderPublic: responderPublic))
    }

    /// What HASH_I (`prover` initiator) or HASH_R covers, with the prover's ID payload body.
    func proofContext(prover: Phase1SA.Role, idBody: [UInt8]) -> Phase1ProofContext {
        Phase1ProofContext(prover: prover, keys: schedule, initiatorPublic: initiatorPublic, responderPublic: responderPublic, saBody: saBody, idBody: idBody)
    }

    /// SKEYID_a and SKEYID_d for Quick Mode and Informational hashes and KEYMAT.
    var phase2: Phase2Keying { Phase2Keying(schedule) }

    /// Encrypts `payloads` under `header`; the IV chain moves on.
    func seal(_ header: ISAKMPHeader, _ payloads: [Payload]) -> [UInt8] { protection.seal(header, payloads) }

    /// Decrypts without moving the IV chain: `accept` moves it once the message verified.
    func open(_ message: ISAKMPMessage) throws(ISAKMPError) -> [Payload] { try protection.open(message) }

    func accept(_ message: ISAKMPMessage) { protection.accept(message) }

    /// A RESPONDER-LIFETIME shortened the SA.
    func shorten(toSeconds seconds: UInt32) { negotiated.lifetimeSeconds = seconds }
}
