import IKECrypto
import ISAKMP

/// A Main Mode state that holds the Phase 1 keys (the responder after MM4, the initiator after
/// MM5): it opens the peer's MM5 or MM6 and checks the peer's proof and identity the same way in
/// both roles (STYLE §2.3).
protocol KeyedMainModeState {
    var keying: Phase1Keying { get }
}

/// The outcome of checking the peer's MM5 or MM6.
enum PeerProofCheck {
    /// Decrypted, proof verified, identity accepted; the IV chain has moved on. `peer`: the
    /// certificate it authenticated with, for signature methods.
    case verified([Payload], peer: VerifiedPeer?)
    /// What to do instead: drop it, or fail the exchange.
    case rejected([MainModeAction])
    /// Decrypted; the proof needs a compute job (a signature and its certificate chain).
    case pending(PendingPeerCheck)
}

/// A peer's MM5 or MM6 whose signature check runs off the loop: what `finishCheck` needs afterwards.
struct PendingPeerCheck {
    let message: ISAKMPMessage
    let payloads: [Payload]
    let prover: Phase1SA.Role
    let check: PeerSignatureCheck
}

/// Our MM5 or MM6: ready to send, or waiting for our signature.
enum OurProof {
    case ready(MainModeAction)
    case signing(id: Payload, SigningRequest)
}

extension KeyedMainModeState {
    /// Checks the peer's MM5 (`prover` initiator) or MM6 (`prover` responder). The responder tells the
    /// peer what went wrong; an initiator that cannot authenticate the responder deletes rather than
    /// notifies (STYLE §3.6). A message without a proof is only dropped: it may be a corrupted
    /// retransmission.
    func checkPeer(_ message: ISAKMPMessage, prover: Phase1SA.Role, _ context: MainModeContext) -> PeerProofCheck {
        let notifies = prover == .initiator
        let name = prover == .initiator ? "MM5" : "MM6"
        let payloads: [Payload]
        do {
            payloads = try keying.open(message)
        } catch {
            guard notifies else { return .rejected([.dropped(.authentication)]) }
            // MM5 is the first message under the new keys: garbage after decryption means the keys
            // differ (a corrupted datagram would have failed the UDP checksum).
            return .rejected([.dropped(.authentication), .failed(Phase1Failure(
                .authentication, "MM5 from \(context.remote) does not decrypt to payloads: the \(keying.authenticator.method == .preSharedKey ? "pre-shared keys" : "keys") differ (\(error))",
                notify: .payloadMalformed))])
        }
        guard let id = payloads.first(where: { $0.type == .identification }), case .identification(let identity) = id.content else { return .rejected([.dropped(.authentication)]) }
        let authenticator = keying.authenticator
        switch authenticator.verification(payloads, identity: identity, keying.proofContext(prover: prover, idBody: id.body)) {
        case .verdict(.verified):
            break
        case .verdict(.missing):
            return .rejected([.dropped(.authentication)])
        case .verdict(.failed):
            return .rejected([.dropped(.authentication), .failed(Phase1Failure(
                .authentication, "the proof in \(name) from \(context.remote) does not verify (\(authenticator.method)): the keys differ",
                notify: notifies ? .authenticationFailed : nil))])
        case .check(let check):
            return .pending(PendingPeerCheck(message: message, payloads: payloads, prover: prover, check: check))
        }
        guard authenticator.accepts(identity, local: context.local, remote: context.remote, peerBehindNAT: context.peerBehindNAT) else {
            let who = prover == .initiator ? "peer" : "responder"
            return .rejected([.failed(Phase1Failure(.identity, "the \(who)'s identity does not match its address \(context.remote.address)",
                                                    notify: notifies ? .invalidIDInformation : nil))])
        }
        keying.accept(message)
        return .verified(payloads, peer: nil)
    }

    /// The end of a pending check: the compute job's outcome.
    func finishCheck(_ pending: PendingPeerCheck, _ outcome: PeerCheckOutcome?, _ context: MainModeContext) -> PeerProofCheck {
        let notifies = pending.prover == .initiator
        let name = pending.prover == .initiator ? "MM5" : "MM6"
        switch outcome {
        case .verified(let peer)?:
            keying.accept(pending.message)
            return .verified(pending.payloads, peer: peer)
        case .refused(let refusal, let why)?:
            return .rejected([.failed(Phase1Failure(refusal.failure, "\(name) from \(context.remote): \(why)", notify: notifies ? refusal.notify : nil))])
        case nil:
            return .rejected([.failed(Phase1Failure(.localError, "the check of \(name) from \(context.remote) returned nothing"))])
        }
    }

    /// Our ID and proof under the keys (MM5 or MM6), or the signature they wait for.
    func ourProof(as prover: Phase1SA.Role, _ delivery: Delivery, _ context: MainModeContext) -> OurProof {
        let id = context.ourIdentity(keying.authenticator)
        switch keying.authenticator.proof(keying.proofContext(prover: prover, idBody: id.body)) {
        case .payloads(let proof):
            return .ready(.send(prover == .initiator ? .mm5 : .mm6, [id] + proof, delivery, sealedWith: keying))
        case .signature(let request):
            return .signing(id: id, request)
        }
    }

    /// MM5 or MM6 with our signature.
    func signedProof(as prover: Phase1SA.Role, id: Payload, signature: [UInt8], _ delivery: Delivery) -> MainModeAction {
        .send(prover == .initiator ? .mm5 : .mm6, [id] + keying.authenticator.signedProof(signature), delivery, sealedWith: keying)
    }
}
