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
    /// Decrypted, proof verified, identity accepted; the IV chain has moved on.
    case verified([Payload])
    /// What to do instead: drop it, or fail the exchange.
    case rejected([MainModeAction])
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
                .authentication, "MM5 from \(context.remote) does not decrypt to payloads: the pre-shared keys differ (\(error))", notify: .payloadMalformed))])
        }
        guard let id = payloads.first(where: { $0.type == .identification }) else { return .rejected([.dropped(.authentication)]) }
        let authenticator = keying.authenticator
        switch authenticator.verify(payloads, keying.proofContext(prover: prover, idBody: id.body)) {
        case .verified:
            break
        case .missing:
            return .rejected([.dropped(.authentication)])
        case .failed:
            return .rejected([.dropped(.authentication), .failed(Phase1Failure(
                .authentication, "the proof in \(name) from \(context.remote) does not verify (\(authenticator.method)): the keys differ",
                notify: notifies ? .authenticationFailed : nil))])
        }
        guard case .identification(let identity) = id.content, authenticator.accepts(identity, local: context.local, remote: context.remote, peerBehindNAT: context.peerBehindNAT) else {
            let who = prover == .initiator ? "peer" : "responder"
            return .rejected([.failed(Phase1Failure(.identity, "the \(who)'s identity does not match its address \(context.remote.address)",
                                                    notify: notifies ? .invalidIDInformation : nil))])
        }
        keying.accept(message)
        return .verified(payloads)
    }

    /// Our ID and proof under the keys: MM5 or MM6.
    func sendProof(as prover: Phase1SA.Role, _ delivery: Delivery, _ context: MainModeContext) -> MainModeAction {
        let id = context.ourIdentity
        let proof = keying.authenticator.proof(keying.proofContext(prover: prover, idBody: id.body))
        return .send(prover == .initiator ? .mm5 : .mm6, [id] + proof, delivery, sealedWith: keying)
    }
}
