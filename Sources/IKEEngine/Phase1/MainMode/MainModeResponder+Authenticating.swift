import IKECrypto
import ISAKMP

extension MainModeResponder {
    /// MM5 decrypted; one compute job checks the initiator's certificate chain and signature and, if
    /// they pass, signs our HASH_R. Repeats of MM5 are dropped meanwhile.
    struct Authenticating: KeyedMainModeState {
        let keying: Phase1Keying
        let shortenedLifetime: Bool
        /// The peer's proof being checked (nil: it was verified at once, only our signature is made).
        let check: PendingPeerCheck?
        /// The peer's payloads when they were verified at once.
        let verifiedPayloads: [Payload]?
        /// Our ID payload, when our proof is a signature.
        let id: Payload?
        /// Our MM6 when it needs no signature.
        var ready: MainModeAction? = nil

        func computed(_ result: ComputeResult, _ context: MainModeContext) -> (State, [MainModeAction]) {
            switch result {
            case .authenticated(let outcome, let signature):
                var accepted: [MainModeAction]
                if let check {
                    switch finishCheck(check, outcome, context) {
                    case .verified(let payloads, let peer):
                        accepted = [.accepted(.mm5, payloads)] + (peer.map { [.peerAuthenticated($0)] } ?? [])
                    case .rejected(let actions):
                        return (.finished, actions)
                    case .pending:
                        return (.authenticating(self), [])
                    }
                } else {
                    accepted = [.accepted(.mm5, verifiedPayloads ?? [])]
                }
                if let id, let signature {
                    accepted.append(signedProof(as: .responder, id: id, signature: signature, .reply))
                } else if let ready {
                    accepted.append(ready)
                } else {
                    return (.finished, [.failed(Phase1Failure(.localError, "no signature for MM6"))])
                }
                return (.finished, accepted + [.established(keying)] + (shortenedLifetime ? [.owesResponderLifetime] : []))
            case .failed(let error):
                return (.finished, [.failed(Phase1Failure(.localError, "authenticating MM5 failed: \(error)"))])
            case .key, .keyAndSecret:
                return (.authenticating(self), [])
            }
        }
    }
}
