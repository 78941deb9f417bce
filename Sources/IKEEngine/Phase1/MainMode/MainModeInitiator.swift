import IKECrypto
import IKEConfig
import ISAKMP

/// Main Mode as the initiator (RFC 2409 §5): builds, then processes.
///
///     HDR, SA                 -->
///                             <--  HDR, SA
///     HDR, KE, Ni             -->
///                             <--  HDR, KE, Nr
///     HDR*, IDii, [proof]     -->
///                             <--  HDR*, IDir, [proof]
struct MainModeInitiator {
    enum State {
        /// MM1 (SA) sent; our DH key for the first offered group is computing (or ready).
        case sentSA(SentSA)
        /// MM2 received; it chose a group our key is not for (or the key is still computing): MM3
        /// goes out when the key for that group arrives.
        case awaitingKey(AwaitingKey)
        /// MM3 (KE, Ni) sent; waiting for MM4.
        case sentKE(SentKE)
        /// MM4 (KE, Nr) received; g^xy computing.
        case computing(Computing)
        /// The keys are made; our signature for MM5 is computing.
        case signing(Signing)
        /// MM5 (IDii, proof) sent under the new keys; waiting for MM6.
        case sentAuth(SentAuth)
        /// MM6 received and decrypted; the responder's certificate and signature are being checked.
        case verifying(Verifying)
        /// MM6 verified (the SA holds the keys now) or the exchange failed: nothing more to take.
        case finished
    }

    private(set) var state: State

    /// Starts with MM1 offering `transforms`; the DH key for the first offered group is made at
    /// once, and again if the responder picks another.
    static func start(offering transforms: [Phase1Transform], _ context: MainModeContext) -> (MainModeInitiator, [MainModeAction]) {
        let offer = Payload(.securityAssociation(Phase1Proposal.payload(for: transforms, defaultLifetime: context.settings.phase1Lifetime)))
        var actions: [MainModeAction] = [.send(.mm1, [offer], .request, sealedWith: nil)]
        let group = transforms.first?.group
        if let group { actions.append(.compute(.generateKey(group), .established)) }
        return (MainModeInitiator(state: .sentSA(SentSA(transforms: transforms, saBody: offer.body, keyGroup: group))), actions)
    }

    mutating func received(_ message: ISAKMPMessage, _ context: MainModeContext) -> [MainModeAction] {
        let (next, actions): (State, [MainModeAction]) = switch state {
        case .sentSA(let sentSA): sentSA.received(message, context)
        case .sentKE(let sentKE): sentKE.received(message, context)
        case .sentAuth(let sentAuth): sentAuth.received(message, context)
        case .awaitingKey, .computing, .signing, .verifying, .finished:
            // Busy (the peer retransmits) or done.
            (state, [.dropped(.unexpected)])
        }
        state = next
        return actions
    }

    mutating func computed(_ result: ComputeResult, _ context: MainModeContext) -> [MainModeAction] {
        let (next, actions): (State, [MainModeAction]) = switch state {
        case .sentSA(let sentSA): sentSA.computed(result)
        case .awaitingKey(let awaitingKey): awaitingKey.computed(result, context)
        case .computing(let computing): computing.computed(result, context)
        case .signing(let signing): signing.computed(result, context)
        case .verifying(let verifying): verifying.computed(result, context)
        case .sentKE, .sentAuth, .finished:
            // A result for a request since superseded.
            (state, [])
        }
        state = next
        return actions
    }

    /// The keys, once MM5 is sent.
    var keying: Phase1Keying? {
        switch state {
        case .sentAuth(let sentAuth): sentAuth.keying
        case .verifying(let verifying): verifying.keying
        case .sentSA, .awaitingKey, .sentKE, .computing, .signing, .finished: nil
        }
    }

    /// What was agreed, once MM2 arrived.
    var negotiated: NegotiatedPhase1? {
        switch state {
        case .sentSA, .finished: nil
        case .awaitingKey(let awaitingKey): awaitingKey.negotiated
        case .sentKE(let sentKE): sentKE.negotiated
        case .computing(let computing): computing.inputs.negotiated
        case .signing(let signing): signing.keying.negotiated
        case .sentAuth(let sentAuth): sentAuth.keying.negotiated
        case .verifying(let verifying): verifying.keying.negotiated
        }
    }

    /// Sends MM3 with `key`: the step shared by `sentSA` (key ready when MM2 came) and `awaitingKey`.
    static func sendKE(saBody: [UInt8], negotiated: NegotiatedPhase1, key: DHPrivateKey, _ context: MainModeContext) -> (State, [MainModeAction]) {
        let nonce = context.nonce()
        return (.sentKE(SentKE(saBody: saBody, negotiated: negotiated, key: key, initiatorNonce: nonce)),
                [.send(.mm3, [Payload(.keyExchange(key.publicValue)), Payload(.nonce(nonce))], .request, sealedWith: nil)])
    }
}
