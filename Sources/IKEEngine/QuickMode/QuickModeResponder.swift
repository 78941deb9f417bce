import IKECrypto
import IPsecTypes
import ISAKMP

/// Quick Mode as the responder (RFC 2409 §5.5): the engine verified QM1's HASH(1) and chose what to
/// accept under its policy before this exists; the machine answers and waits for HASH(3).
///
///     HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]  -->
///                               <--  HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
///     HDR*, HASH(3)                                -->
struct QuickModeResponder {
    enum State {
        /// QM1 verified and accepted; our PFS key and g^xy computing, QM2 not sent yet.
        case computing(Chosen)
        /// QM2 (HASH(2), SA, Nr [, KE] [, IDci, IDcr]) sent; waiting for QM3.
        case sentProposal(SentProposal)
        /// QM3 verified and the SAs handed to the kernel.
        case done
        case failed
    }

    /// What the engine accepted of QM1.
    struct Chosen {
        /// The chosen proposal with our SPI and the one transform, as QM2 carries it.
        var answer: SecurityAssociationPayload
        var negotiated: NegotiatedPhase2
        var peerSPI: UInt32
        var initiatorNonce: [UInt8]
        /// IDci and IDcr as received, echoed in QM2.
        var identities: [Payload]
        /// Our RESPONDER-LIFETIME, when we shortened the offer.
        var responderLifetime: Payload?
        /// The initiator's PFS public value.
        var keyExchange: [UInt8]?
        /// The initiator set the commit bit: CONNECTED follows the SAs.
        var commit: Bool
        /// Our NAT-OAi and NAT-OAr for QM2 (transport mode across a NAT), and the initiator's
        /// original address from its NAT-OAi.
        var natOriginalAddresses: [Payload] = []
        var peerOriginalAddress: IPAddress? = nil
    }

    /// QM2 is out.
    struct SentProposal {
        let chosen: Chosen
        let responderNonce: [UInt8]
        let pfsSecret: SecretBytes?

        /// QM3: HASH(3) over both nonces; the SAs go in.
        func received(_ message: ISAKMPMessage, hash: [UInt8], _ context: QuickModeContext) -> (State, [QuickModeAction]) {
            guard constantTimeEquals(hash, context.hashes.hash3(messageID: context.messageID, initiatorNonce: chosen.initiatorNonce, responderNonce: responderNonce)) else {
                return (.sentProposal(self), [.dropped(.hash)])
            }
            context.keying.accept(message)
            let result = QuickModeResult(negotiated: chosen.negotiated, peerSPI: chosen.peerSPI, initiatorNonce: chosen.initiatorNonce,
                                         responderNonce: responderNonce, pfsSecret: pfsSecret, peerOriginalAddress: chosen.peerOriginalAddress)
            return (.done, [.verified, .install(result)] + (chosen.commit ? [.notifyConnected] : []))
        }
    }

    private(set) var state: State

    /// Answers QM1 at once, or once the PFS g^xy is computed.
    static func start(_ chosen: Chosen, _ context: QuickModeContext) -> (QuickModeResponder, [QuickModeAction]) {
        if let group = chosen.negotiated.group, let keyExchange = chosen.keyExchange {
            return (QuickModeResponder(state: .computing(chosen)), [.compute(.generateAndAgree(group, peerPublicValue: keyExchange))])
        }
        let (state, actions) = Self.answer(chosen, key: nil, secret: nil, context)
        return (QuickModeResponder(state: state), actions)
    }

    /// A QM3 (or a stray message under this message ID), with the HASH it carries.
    mutating func received(_ message: ISAKMPMessage, hash: [UInt8], _ context: QuickModeContext) -> [QuickModeAction] {
        let (next, actions): (State, [QuickModeAction]) = switch state {
        case .sentProposal(let sentProposal): sentProposal.received(message, hash: hash, context)
        case .computing, .done, .failed: (state, [.dropped(.unexpected)])
        }
        state = next
        return actions
    }

    mutating func computed(_ result: ComputeResult, _ context: QuickModeContext) -> [QuickModeAction] {
        let (next, actions): (State, [QuickModeAction]) = switch (state, result) {
        case (.computing(let chosen), .keyAndSecret(let key, let secret)):
            Self.answer(chosen, key: key, secret: secret, context)
        case (.computing(let chosen), .failed(let error)):
            (.failed, [.failed("PFS Diffie-Hellman failed: \(error)", notify: .invalidKeyInformation, spi: chosen.peerSPI.bigEndianBytes)])
        case (.computing, .key), (.computing, .authenticated), (.sentProposal, _), (.done, _), (.failed, _):
            (state, [])
        }
        state = next
        return actions
    }

    mutating func fail() { state = .failed }

    var isFinished: Bool {
        switch state {
        case .done, .failed: true
        case .computing, .sentProposal: false
        }
    }

    /// QM2; it answers a repeated QM1 and is retransmitted until QM3 arrives.
    private static func answer(_ chosen: Chosen, key: DHPrivateKey?, secret: SecretBytes?, _ context: QuickModeContext) -> (State, [QuickModeAction]) {
        let nonce = context.nonce()
        var payloads = [Payload(.securityAssociation(chosen.answer)), Payload(.nonce(nonce))]
        if let key { payloads.append(Payload(.keyExchange(key.publicValue))) }
        payloads += chosen.identities + chosen.natOriginalAddresses
        if let notify = chosen.responderLifetime { payloads.append(notify) }
        let hash = context.hashes.hash2(messageID: context.messageID, initiatorNonce: chosen.initiatorNonce, rest: PayloadChain.encode(payloads))
        return (.sentProposal(SentProposal(chosen: chosen, responderNonce: nonce, pfsSecret: secret)), [.send(context.seal(hash: hash, payloads), .replyAndRequest)])
    }
}
