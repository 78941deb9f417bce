import ISAKMP

extension MainModeInitiator {
    /// MM5 is out under the keys; the responder's proof is what is left.
    struct SentAuth: KeyedMainModeState {
        let keying: Phase1Keying

        /// MM6: the responder's identity and proof; then Phase 1 is up.
        func received(_ message: ISAKMPMessage, _ context: MainModeContext) -> (State, [MainModeAction]) {
            if let notify = message.clearErrorNotify {
                return (.finished, [.failed(Phase1Failure(.peerRefused, "peer refused authentication: \(notify)"))])
            }
            switch checkPeer(message, prover: .responder, context) {
            case .verified(let payloads, _):
                return (.finished, [.accepted(.mm6, payloads), .established(keying)])
            case .rejected(let actions):
                return (actions.contains(where: \.fails) ? .finished : .sentAuth(self), actions)
            case .pending(let pending):
                return (.verifying(Verifying(keying: keying, pending: pending)), [.awaitsCheck, .compute(.authenticate(pending.check, nil), .established)])
            }
        }
    }
}

extension MainModeAction {
    var fails: Bool { if case .failed = self { true } else { false } }
}
