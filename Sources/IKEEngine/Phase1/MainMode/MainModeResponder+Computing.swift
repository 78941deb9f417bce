import IKECrypto
import ISAKMP

extension MainModeResponder {
    /// MM3 is in; our key and g^xy are computing. Everything but our public value is known.
    struct Computing {
        let inputs: Phase1KeyingInputs
        let shortenedLifetime: Bool

        /// Our key and g^xy: derive the keys and answer MM3 with MM4.
        func computed(_ result: ComputeResult, _ context: MainModeContext) -> (State, [MainModeAction]) {
            switch result {
            case .keyAndSecret(let key, let secret):
                var inputs = inputs
                inputs.ourPublic = key.publicValue
                do {
                    let keying = try Phase1Keying(inputs, sharedSecret: secret)
                    return (.sentKE(SentKE(keying: keying, shortenedLifetime: shortenedLifetime)),
                            [.send(.mm4, [Payload(.keyExchange(key.publicValue)), Payload(.nonce(inputs.responderNonce))], .reply, sealedWith: nil)])
                } catch {
                    return (.finished, [.failed(Phase1Failure(.localError, "key derivation failed: \(error)"))])
                }
            case .failed(let error):
                // The peer's public value is out of range or not on the curve: its error, told as
                // INVALID-KEY-INFORMATION (RFC 2408 §5.7).
                return (.finished, [.failed(Phase1Failure(.invalidKeyExchange, "the peer's key exchange value is unusable: \(error)", notify: .invalidKeyInformation))])
            case .key, .authenticated:
                return (.computing(self), [])
            }
        }
    }
}
