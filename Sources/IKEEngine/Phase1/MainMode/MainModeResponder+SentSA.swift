import IKECrypto
import ISAKMP

extension MainModeResponder {
    /// MM2 is out: what was chosen, and SAi_b.
    struct SentSA {
        let saBody: [UInt8]
        let negotiated: NegotiatedPhase1
        /// The peer offered a longer lifetime than ours: it is told once Phase 1 is up.
        let shortenedLifetime: Bool

        /// MM3: the peer's KE and Ni; our key and g^xy are made in one compute job.
        func received(_ message: ISAKMPMessage, _ context: MainModeContext) -> (State, [MainModeAction]) {
            guard case .keyExchange(let ke)? = message.first(.keyExchange)?.content, case .nonce(let nonce)? = message.first(.nonce)?.content else {
                return (.sentSA(self), [.dropped(.unexpected)])
            }
            // Not accepted: the peer's retransmission is taken as new when there is room.
            guard context.unauthenticatedComputeRoom else { return (.sentSA(self), [.dropped(.computeDeferred)]) }
            switch context.authenticator(for: negotiated.authenticationMethod, notify: .authenticationFailed) {
            case .failure(let failure):
                return (.finished, [.failed(failure)])
            case .success(let authenticator):
                // Nr is chosen now: SKEYID needs it as soon as g^xy is known.
                let inputs = Phase1KeyingInputs(role: .responder, negotiated: negotiated, authenticator: authenticator, cookies: context.cookies, saBody: saBody,
                                                ourPublic: [], peerPublic: ke, initiatorNonce: nonce, responderNonce: context.nonce())
                return (.computing(Computing(inputs: inputs, shortenedLifetime: shortenedLifetime)), [
                    .accepted(.mm3, message.payloads),
                    .compute(.generateAndAgree(negotiated.group, peerPublicValue: ke), .unauthenticated),
                    .note("Main Mode from \(context.remote): rule \"\(context.rule.label)\", \(negotiated.summary)"),
                ])
            }
        }
    }
}
