import IPsecTypes
import IKECrypto
import ISAKMP

extension QuickModeInitiator {
    /// QM2 verified and acceptable: what the SAs will be made of, less the PFS secret.
    struct Agreed {
        let sent: SentProposal
        var result: QuickModeResult
        /// The responder set the commit bit (RFC 2408 §3.1): the SAs wait for its CONNECTED.
        let commit: Bool

        /// QM3: HASH(3); the SAs go in now, or on CONNECTED.
        func finish(pfsSecret: SecretBytes?, _ context: QuickModeContext) -> (State, [QuickModeAction]) {
            var result = result
            result.pfsSecret = pfsSecret
            let hash = context.hashes.hash3(messageID: context.messageID, initiatorNonce: result.initiatorNonce, responderNonce: result.responderNonce)
            // A repeated QM2 (our QM3 was lost) is answered with this QM3 again.
            let qm3 = QuickModeAction.send(context.seal(hash: hash, []), .reply)
            guard !commit else {
                return (.awaitingConnected(result), [qm3, .note("Quick Mode \(hex(context.messageID)): the responder set the commit bit; waiting for CONNECTED")])
            }
            return (.done, [qm3, .install(result)])
        }
    }
}
