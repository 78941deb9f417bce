import ISAKMP

extension MainModeResponder {
    /// MM4 is out; the keys are made and the initiator's proof is what is left.
    struct SentKE: KeyedMainModeState {
        let keying: Phase1Keying
        let shortenedLifetime: Bool

        /// MM5: the initiator's identity and proof; answered with MM6, and Phase 1 is up.
        func received(_ message: ISAKMPMessage, _ context: MainModeContext) -> (State, [MainModeAction]) {
            // Pre-shared keys check and prove at once; signatures do both in one compute job.
            switch (checkPeer(message, prover: .initiator, context), ourProof(as: .responder, .reply, context)) {
            case (.verified(let payloads, _), .ready(let send)):
                return (.finished, [.accepted(.mm5, payloads), send, .established(keying)] + (shortenedLifetime ? [.owesResponderLifetime] : []))
            case (.rejected(let actions), _):
                return (actions.contains(where: \.fails) ? .finished : .sentKE(self), actions)
            case (.pending(let pending), .signing(let id, let request)):
                // The peer has shown it receives at its address (MM3) and knows g^xy, not yet who it
                // is: the job is unauthenticated work, bounded and served after established peers.
                return (.authenticating(Authenticating(keying: keying, shortenedLifetime: shortenedLifetime, check: pending, id: id)),
                        [.awaitsCheck, .compute(.authenticate(pending.check, request), .unauthenticated)])
            case (.verified, .signing), (.pending, .ready):
                return (.finished, [.failed(Phase1Failure(.localError, "\(keying.authenticator.method): the proof and the check of one method differ in kind"))])
            }
        }
    }
}
