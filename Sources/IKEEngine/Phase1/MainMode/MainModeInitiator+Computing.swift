import IKECrypto
import ISAKMP

extension MainModeInitiator {
    /// MM4 is in; g^xy is computing. Everything the keys are made from is here.
    struct Computing {
        let inputs: Phase1KeyingInputs

        /// g^xy: derive the keys and send MM5.
        func computed(_ result: ComputeResult, _ context: MainModeContext) -> (State, [MainModeAction]) {
            switch result {
            case .keyAndSecret(_, let secret):
                do {
                    let sentAuth = SentAuth(keying: try Phase1Keying(inputs, sharedSecret: secret))
                    switch sentAuth.ourProof(as: .initiator, .request, context) {
                    case .ready(let send):
                        return (.sentAuth(sentAuth), [send])
                    case .signing(let id, let request):
                        return (.signing(Signing(keying: sentAuth.keying, id: id)), [.compute(.authenticate(nil, request), .established)])
                    }
                } catch {
                    return (.finished, [.failed(Phase1Failure(.localError, "key derivation failed: \(error)"))])
                }
            case .failed(let error):
                // Agreement fails on the peer's public value (out of range, not on the curve).
                return (.finished, [.failed(Phase1Failure(.invalidKeyExchange, "the peer's key exchange value is unusable: \(error)"))])
            case .key, .authenticated:
                return (.computing(self), [])
            }
        }
    }
}
