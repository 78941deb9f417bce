import IKECrypto
import ISAKMP

extension MainModeInitiator {
    /// The keys are made and our ID chosen; the signature MM5 carries is computing.
    struct Signing: KeyedMainModeState {
        let keying: Phase1Keying
        let id: Payload

        /// Our signature: send MM5.
        func computed(_ result: ComputeResult, _ context: MainModeContext) -> (State, [MainModeAction]) {
            switch result {
            case .authenticated(_, let signature?):
                return (.sentAuth(SentAuth(keying: keying)), [signedProof(as: .initiator, id: id, signature: signature, .request)])
            case .failed(let error):
                return (.finished, [.failed(Phase1Failure(.localError, "signing MM5 failed: \(error)"))])
            case .authenticated(_, nil), .key, .keyAndSecret:
                return (.signing(self), [])
            }
        }
    }
}
