import IKECrypto
import ISAKMP

extension MainModeInitiator {
    /// MM2 is in; MM3 waits for our DH key for the chosen group.
    struct AwaitingKey {
        let saBody: [UInt8]
        let negotiated: NegotiatedPhase1

        func computed(_ result: ComputeResult, _ context: MainModeContext) -> (State, [MainModeAction]) {
            switch result {
            case .key(let key) where key.group == negotiated.group:
                return MainModeInitiator.sendKE(saBody: saBody, negotiated: negotiated, key: key, context)
            case .key, .keyAndSecret, .authenticated:
                // The early key for a group the responder did not choose.
                return (.awaitingKey(self), [])
            case .failed(let error):
                return (.finished, [.failed(Phase1Failure(.localError, "Diffie-Hellman key generation failed: \(error)"))])
            }
        }
    }
}
