import IKECrypto
import ISAKMP

extension MainModeResponder {
    /// MM5 decrypted; one compute job checks the initiator's certificate chain and signature and, if
    /// they pass, signs our HASH_R. Repeats of MM5 are dropped meanwhile.
    struct Authenticating: KeyedMainModeState {
        let keying: Phase1Keying
        let shortenedLifetime: Bool
        /// The peer's proof being checked.
        let check: PendingPeerCheck
        /// Our ID payload, which our signature covers.
        let id: Payload

        func computed(_ result: ComputeResult, _ context: MainModeContext) -> (State, [MainModeAction]) {
            switch result {
            case .authenticated(let outcome, let signature):
                switch finishCheck(check, outcome, context) {
                case .verified(let payloads, let peer):
                    guard let signature else { return (.finished, [.failed(Phase1Failure(.localError, "no signature for MM6"))]) }
                    return (.finished, [.accepted(.mm5, payloads)] + (peer.map { [.peerAuthenticated($0)] } ?? [])
                        + [signedProof(as: .responder, id: id, signature: signature, .reply), .established(keying)]
                        + (shortenedLifetime ? [.owesResponderLifetime] : []))
                case .rejected(let actions):
                    return (.finished, actions)
                case .pending:
                    return (.authenticating(self), [])
                }
            case .failed(let error):
                return (.finished, [.failed(Phase1Failure(.localError, "authenticating MM5 failed: \(error)"))])
            case .key, .keyAndSecret:
                return (.authenticating(self), [])
            }
        }
    }
}
