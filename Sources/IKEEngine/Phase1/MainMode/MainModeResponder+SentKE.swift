import ISAKMP

extension MainModeResponder {
    /// MM4 is out; the keys are made and the initiator's proof is what is left.
    struct SentKE: KeyedMainModeState {
        let keying: Phase1Keying
        let shortenedLifetime: Bool

        /// MM5: the initiator's identity and proof; answered with MM6, and Phase 1 is up.
        func received(_ message: ISAKMPMessage, _ context: MainModeContext) -> (State, [MainModeAction]) {
            switch checkPeer(message, prover: .initiator, context) {
            case .verified(let payloads):
                let established: [MainModeAction] = [.accepted(.mm5, payloads), sendProof(as: .responder, .reply, context), .established(keying)]
                return (.finished, established + (shortenedLifetime ? [.owesResponderLifetime] : []))
            case .rejected(let actions):
                return (actions.contains(where: \.fails) ? .finished : .sentKE(self), actions)
            }
        }
    }
}
