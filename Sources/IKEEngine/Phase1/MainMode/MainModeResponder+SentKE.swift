import ISAKMP

extension MainModeResponder {
    /// MM4 is out; the keys are made and the initiator's proof is what is left.
    struct SentKE: KeyedMainModeState {
        let keying: Phase1Keying
        let shortenedLifetime: Bool

        /// MM5: the initiator's identity and proof; answered with MM6, and Phase 1 is up.
        func received(_ message: ISAKMPMessage, _ context: MainModeContext) -> (State, [MainModeAction]) {
            switch checkPeer(message, prover: .initiator, context) {
            case .verified(let payloads, _):
                switch ourProof(as: .responder, .reply, context) {
                case .ready(let send):
                    return (.finished, [.accepted(.mm5, payloads), send, .established(keying)] + (shortenedLifetime ? [.owesResponderLifetime] : []))
                case .signing(let id, let request):
                    // A method whose proof is signed but whose check is not: sign, then answer.
                    let pending = Authenticating(keying: keying, shortenedLifetime: shortenedLifetime, check: nil, verifiedPayloads: payloads, id: id)
                    return (.authenticating(pending), [.awaitsCheck, .compute(.authenticate(nil, request), .unauthenticated)])
                }
            case .rejected(let actions):
                return (actions.contains(where: \.fails) ? .finished : .sentKE(self), actions)
            case .pending(let pending):
                // The peer has shown it receives at its address (MM3) and knows g^xy, not yet who it
                // is: the job is unauthenticated work, bounded and served after established peers.
                switch ourProof(as: .responder, .reply, context) {
                case .ready(let send):
                    let waiting = Authenticating(keying: keying, shortenedLifetime: shortenedLifetime, check: pending, verifiedPayloads: nil, id: nil, ready: send)
                    return (.authenticating(waiting), [.awaitsCheck, .compute(.authenticate(pending.check, nil), .unauthenticated)])
                case .signing(let id, let request):
                    let waiting = Authenticating(keying: keying, shortenedLifetime: shortenedLifetime, check: pending, verifiedPayloads: nil, id: id)
                    return (.authenticating(waiting), [.awaitsCheck, .compute(.authenticate(pending.check, request), .unauthenticated)])
                }
            }
        }
    }
}
