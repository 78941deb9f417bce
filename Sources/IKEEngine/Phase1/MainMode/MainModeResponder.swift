import IKECrypto
import IKEConfig
import ISAKMP

/// Main Mode as the responder (RFC 2409 §5): processes, then builds. No modular exponentiation is
/// committed before MM3 shows that the peer receives at its address (it returned our cookie).
///
///     HDR, SA                 -->
///                             <--  HDR, SA
///     HDR, KE, Ni             -->
///                             <--  HDR, KE, Nr
///     HDR*, IDii, [proof]     -->
///                             <--  HDR*, IDir, [proof]
struct MainModeResponder {
    enum State {
        /// MM1 received, MM2 (SA: the chosen transform) sent; no DH key yet.
        case sentSA(SentSA)
        /// MM3 (KE, Ni) received; our key and g^xy computing, MM4 not sent yet.
        case computing(Computing)
        /// MM4 (KE, Nr) sent; the keys are made; waiting for MM5.
        case sentKE(SentKE)
        /// MM5 received and decrypted; the initiator's certificate and signature are being checked,
        /// and our signature for MM6 made if they pass (one compute job).
        case authenticating(Authenticating)
        /// MM5 verified and MM6 sent (the SA holds the keys now), or the exchange failed.
        case finished
    }

    private(set) var state: State

    /// Answers MM1 with `chosen`, the transform picked from `offer` (the engine checked the offer's
    /// syntax, the rule and the half-open limits before making any state).
    static func start(answering offer: SecurityAssociationPayload, saBody: [UInt8], chosen: TransformPayload, negotiated: NegotiatedPhase1,
                      shortenedLifetime: Bool, _ context: MainModeContext) -> (MainModeResponder, [MainModeAction]) {
        // The answer is the chosen transform as offered, in a proposal with the offer's number.
        let proposal = offer.proposals.first { $0.transforms.contains(chosen) }
        let answer = SecurityAssociationPayload(doi: offer.doi, situation: offer.situation, proposals: [
            ProposalPayload(number: proposal?.number ?? 1, protocolID: .isakmp, spi: proposal?.spi ?? [], transforms: [chosen]),
        ])
        return (MainModeResponder(state: .sentSA(SentSA(saBody: saBody, negotiated: negotiated, shortenedLifetime: shortenedLifetime))),
                [.send(.mm2, [Payload(.securityAssociation(answer))], .reply, sealedWith: nil)])
    }

    mutating func received(_ message: ISAKMPMessage, _ context: MainModeContext) -> [MainModeAction] {
        let (next, actions): (State, [MainModeAction]) = switch state {
        case .sentSA(let sentSA): sentSA.received(message, context)
        case .sentKE(let sentKE): sentKE.received(message, context)
        case .computing, .authenticating, .finished:
            // Busy (the peer retransmits) or done.
            (state, [.dropped(.unexpected)])
        }
        state = next
        return actions
    }

    mutating func computed(_ result: ComputeResult, _ context: MainModeContext) -> [MainModeAction] {
        let (next, actions): (State, [MainModeAction]) = switch state {
        case .computing(let computing): computing.computed(result, context)
        case .authenticating(let authenticating): authenticating.computed(result, context)
        case .sentSA, .sentKE, .finished: (state, [])
        }
        state = next
        return actions
    }

    /// Whether MM2 is all we sent: the peer has not returned our cookie yet (half-open eviction
    /// takes these first).
    var awaitsKeyExchange: Bool {
        switch state {
        case .sentSA: true
        case .computing, .sentKE, .authenticating, .finished: false
        }
    }

    var keying: Phase1Keying? {
        switch state {
        case .sentKE(let sentKE): sentKE.keying
        case .authenticating(let authenticating): authenticating.keying
        case .sentSA, .computing, .finished: nil
        }
    }

    var negotiated: NegotiatedPhase1? {
        switch state {
        case .sentSA(let sentSA): sentSA.negotiated
        case .computing(let computing): computing.inputs.negotiated
        case .sentKE(let sentKE): sentKE.keying.negotiated
        case .authenticating(let authenticating): authenticating.keying.negotiated
        case .finished: nil
        }
    }
}
