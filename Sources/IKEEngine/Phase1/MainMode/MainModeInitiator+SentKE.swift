import IKECrypto
import ISAKMP

extension MainModeInitiator {
    /// MM3 is out: our key and nonce.
    struct SentKE {
        let saBody: [UInt8]
        let negotiated: NegotiatedPhase1
        let key: DHPrivateKey
        let initiatorNonce: [UInt8]

        /// MM4: the responder's KE and Nr; g^xy is computed off the loop.
        func received(_ message: ISAKMPMessage, _ context: MainModeContext) -> (State, [MainModeAction]) {
            guard case .keyExchange(let ke)? = message.first(.keyExchange)?.content, case .nonce(let nonce)? = message.first(.nonce)?.content else {
                return (.sentKE(self), [.dropped(.unexpected)])
            }
            switch context.authenticator(for: negotiated.authenticationMethod, notify: nil) {
            case .failure(let failure):
                return (.finished, [.failed(failure)])
            case .success(let authenticator):
                let inputs = Phase1KeyingInputs(role: .initiator, negotiated: negotiated, authenticator: authenticator, cookies: context.cookies, saBody: saBody,
                                                ourPublic: key.publicValue, peerPublic: ke, initiatorNonce: initiatorNonce, responderNonce: nonce)
                return (.computing(Computing(inputs: inputs)),
                        [.accepted(.mm4, message.payloads), .compute(.agree(key, peerPublicValue: ke), .established)])
            }
        }
    }
}
