import IKECrypto
import ISAKMP

extension MainModeInitiator {
    /// MM6 decrypted; the responder's certificate chain and signature are being checked off the loop.
    /// Repeats of MM6 are dropped meanwhile.
    struct Verifying: KeyedMainModeState {
        let keying: Phase1Keying
        let pending: PendingPeerCheck

        /// The check's outcome: established, or failed (deleting rather than notifying, STYLE §3.6).
        func computed(_ result: ComputeResult, _ context: MainModeContext) -> (State, [MainModeAction]) {
            switch result {
            case .authenticated(let outcome, _):
                switch finishCheck(pending, outcome, context) {
                case .verified(let payloads, let peer):
                    return (.finished, [.accepted(.mm6, payloads)] + (peer.map { [.peerAuthenticated($0)] } ?? []) + [.established(keying)])
                case .rejected(let actions):
                    return (.finished, actions)
                case .pending:
                    return (.verifying(self), [])
                }
            case .failed(let error):
                return (.finished, [.failed(Phase1Failure(.localError, "checking MM6 failed: \(error)"))])
            case .key, .keyAndSecret:
                return (.verifying(self), [])
            }
        }
    }
}
