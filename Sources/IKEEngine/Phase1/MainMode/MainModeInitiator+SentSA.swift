import IPsecTypes
import IKECrypto
import IKEConfig
import ISAKMP

extension MainModeInitiator {
    /// MM1 is out: what we offered, and the DH key being made for the first offered group.
    struct SentSA {
        let transforms: [Phase1Transform]
        let saBody: [UInt8]
        /// The group of the key being computed.
        let keyGroup: DHGroup?
        var key: DHPrivateKey?

        func computed(_ result: ComputeResult) -> (State, [MainModeAction]) {
            var next = self
            switch result {
            case .key(let key):
                if key.group == keyGroup { next.key = key }
                return (.sentSA(next), [])
            case .keyAndSecret, .authenticated:
                return (.sentSA(next), [])
            case .failed(let error):
                return (.finished, [.failed(Phase1Failure(.localError, "Diffie-Hellman key generation failed: \(error)"))])
            }
        }

        /// MM2: the responder's choice, which must be one of our transforms (RFC 2408 §4.2) and so a
        /// method we offered and have an authenticator for.
        func received(_ message: ISAKMPMessage, _ context: MainModeContext) -> (State, [MainModeAction]) {
            if let notify = message.clearErrorNotify {
                return (.finished, [.failed(Phase1Failure(.peerRefused, "peer refused Main Mode: \(notify)"))])
            }
            // A message without an SA (a stray or out-of-order one) is no answer to MM1: dropped, and
            // the responder cookie it carries is not learned.
            guard case .securityAssociation(let answer)? = message.first(.securityAssociation)?.content else {
                return (.sentSA(self), [.dropped(.unexpected)])
            }
            if let error = Phase1Proposal.checkSyntax(answer) {
                return (.finished, [.dropped(.malformed), .failed(Phase1Failure(.malformed, "the responder's answer: \(error)"))])
            }
            guard answer.proposals.count == 1, let transform = answer.proposals.first?.transforms.first, answer.proposals.first?.transforms.count == 1,
                  let negotiated = Phase1Proposal.parse(transform, ourLifetime: context.settings.phase1Lifetime),
                  transforms.contains(where: { Phase1Proposal.allows($0, negotiated) })
            else {
                return (.finished, [.failed(Phase1Failure(.noProposal, "responder chose a transform we did not offer"))])
            }
            let accepted = MainModeAction.accepted(.mm2, message.payloads)
            if let key, key.group == negotiated.group {
                let step = MainModeInitiator.sendKE(saBody: saBody, negotiated: negotiated, key: key, context)
                return (step.0, [accepted] + step.1)
            }
            let waiting = State.awaitingKey(AwaitingKey(saBody: saBody, negotiated: negotiated))
            // The key being made is for another group (or none): ask for the chosen one.
            guard keyGroup == negotiated.group else { return (waiting, [accepted, .compute(.generateKey(negotiated.group), .established)]) }
            return (waiting, [accepted])
        }
    }
}
